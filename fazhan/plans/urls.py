from django.urls import path

from fazhan.plans import views

app_name = "plans"
urlpatterns = [
    path("", views.plan_index, name="index"),
    path("stats/", views.stats_page, name="stats"),
    path("<code:code>/<int:year>/", views.plan_page, name="page"),
    path("<code:code>/<int:year>/data.json", views.plan_data, name="data"),
    path("<code:code>/<int:year>/allocate/", views.plan_allocate_view, name="allocate"),
]

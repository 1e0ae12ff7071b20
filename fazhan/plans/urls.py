from django.urls import path

from fazhan.plans import views

app_name = "plans"
urlpatterns = [
    path("", views.plan_index, name="index"),
    path("stats/", views.stats_page, name="stats"),
    path("reserve/", views.reserve_index, name="reserve_index"),
    path("<code:code>/<int:year>/", views.plan_page, name="page"),
    path("<code:code>/<int:year>/data.json", views.plan_data, name="data"),
    path("<code:code>/<int:year>/allocate/", views.plan_allocate_view, name="allocate"),
    path("<code:code>/<int:year>/reserve/", views.reserve_page, name="reserve"),
    path("<code:code>/<int:year>/reserve/set/", views.reserve_set_view, name="reserve_set"),
    path("<code:code>/<int:year>/reserve/take-in/", views.reserve_take_in_view, name="take_in"),
    path("<code:code>/<int:year>/reserve/<int:pk>/take-out/", views.reserve_take_out_view, name="take_out"),
    path("<code:code>/<int:year>/cycle/", views.cycle_record_view, name="cycle"),
]

from django.urls import path

from fazhan.desk.views import orgs as views

app_name = "organizations"
urlpatterns = [
    path("", views.org_tree, name="tree"),
    path("<code:code>/", views.org_detail, name="detail"),
]

from django.urls import path

from fazhan.floating import views

app_name = "floating"
urlpatterns = [
    path("", views.floating_index, name="index"),
    path("open/", views.floating_open_view, name="open"),
    path("<int:pk>/close/", views.floating_close_view, name="close"),
    path("orgs/", views.floating_orgs, name="orgs"),
    path("migrants/", views.floating_migrants, name="migrants"),
]

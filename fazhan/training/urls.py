from django.urls import path

from fazhan.training import views

app_name = "training"
urlpatterns = [
    path("", views.session_page, name="sessions"),
    path("new/", views.session_create_view, name="create"),
    path("<int:pk>/edit/", views.session_edit_view, name="edit"),
    path("<int:pk>/delete/", views.session_delete_view, name="delete"),
    path("untrained/", views.untrained_page, name="untrained"),
    path("negative/", views.negative_index, name="negative_index"),
    path("negative/<code:code>/", views.negative_page, name="negative"),
    path("negative/<code:code>/set/", views.negative_set_view, name="negative_set"),
]

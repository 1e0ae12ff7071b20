from django.urls import path

from fazhan.people import views

app_name = "people"
urlpatterns = [
    path("", views.person_list, name="list"),
    path("new/", views.person_create_view, name="create"),
    path("<str:pid>/", views.person_detail, name="detail"),
    path("<str:pid>/edit/", views.person_edit, name="edit"),
]

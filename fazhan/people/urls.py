from django.urls import path

from fazhan.people import views

app_name = "people"
urlpatterns = [
    path("", views.person_list, name="list"),
    path("new/", views.person_create_view, name="create"),
    path("<str:pid>/", views.person_detail, name="detail"),
    path("<str:pid>/edit/", views.person_edit, name="edit"),
    path("<str:pid>/kin/", views.person_kin_add, name="kin_add"),
    path("<str:pid>/discipline/", views.person_discipline_add, name="discipline_add"),
    path("<str:pid>/roles/", views.person_roles_set, name="roles_set"),
]

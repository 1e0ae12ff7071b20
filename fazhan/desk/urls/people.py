from django.urls import path

from fazhan.desk.views import people as views

app_name = "people"
urlpatterns = [
    path("", views.person_list, name="list"),
    path("new/", views.person_create_view, name="create"),
    path("pick/persons/", views.person_pick, name="pick"),
    path("<key:pid>/", views.person_detail, name="detail"),
    path("<key:pid>/edit/", views.person_edit, name="edit"),
    path("<key:pid>/photo/", views.person_photo, name="photo"),
    path("<key:pid>/photo/upload/", views.person_photo_upload, name="photo_upload"),
    path("<key:pid>/kin/", views.person_kin_add, name="kin_add"),
    path("<key:pid>/discipline/", views.person_discipline_add, name="discipline_add"),
    path("<key:pid>/roles/", views.person_roles_set, name="roles_set"),
    path("<key:pid>/transfer/", views.person_transfer_view, name="transfer"),
    path("<key:pid>/exit/", views.case_exit_view, name="exit"),
    path("<key:pid>/apply/", views.case_apply_view, name="apply"),
]

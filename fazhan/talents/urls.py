from django.urls import path

from fazhan.talents import views

app_name = "talents"
urlpatterns = [
    path("", views.talents_index, name="index"),
    path("<code:code>/<int:year>/", views.talents_page, name="page"),
    path("<code:code>/<int:year>/units/", views.unit_mark_view, name="unit_mark"),
    path("<code:code>/<int:year>/units/<int:pk>/unmark/", views.unit_unmark_view, name="unit_unmark"),
    path("<code:code>/<int:year>/persons/", views.person_mark_view, name="person_mark"),
    path("<code:code>/<int:year>/persons/<int:pk>/unmark/", views.person_unmark_view, name="person_unmark"),
    path("<code:code>/<int:year>/assign/", views.assign_view, name="assign"),
    path("<code:code>/<int:year>/links/<int:pk>/release/", views.release_view, name="release"),
    path("<code:code>/<int:year>/contact/", views.contact_view, name="contact"),
    path("<code:code>/<int:year>/plan/", views.plan_line_view, name="plan_line"),
]

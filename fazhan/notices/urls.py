from django.urls import path

from fazhan.notices import views

app_name = "notices"
urlpatterns = [
    path("", views.notice_list, name="list"),
    path("new/", views.notice_new, name="new"),
    path("<int:pk>/", views.notice_detail, name="detail"),
    path("<int:pk>/feedback/", views.notice_feedback_add, name="feedback"),
    path("<int:pk>/feedback/<int:feedback_id>/verify/", views.notice_feedback_verify_view, name="verify"),
    path("<int:pk>/close/", views.notice_close_view, name="close"),
    path("<int:pk>/print/", views.notice_print, name="print"),
    path("<int:pk>/print/register/", views.notice_register_print, name="print_register"),
]

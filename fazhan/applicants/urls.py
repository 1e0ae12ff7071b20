from django.urls import path

from fazhan.applicants import views

app_name = "applicants"
urlpatterns = [
    path("", views.submission_list, name="list"),
    path("codes/", views.code_issue_view, name="issue"),
    path("<int:pk>/", views.submission_detail, name="detail"),
    path("<int:pk>/photo.jpg", views.submission_photo_view, name="photo"),
    path("<int:pk>/accept/", views.submission_accept_view, name="accept"),
    path("<int:pk>/return/", views.submission_return_view, name="return"),
]

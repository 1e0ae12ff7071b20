from django.urls import path

from fazhan.selfcheck import views

app_name = "selfcheck"
urlpatterns = [
    path("", views.index, name="index"),
    path("tasks/<int:task_id>/", views.task_page, name="task"),
    path("parts/<int:assignment_id>/", views.assignment_page, name="assignment"),
    path("reports/<int:submission_id>/", views.submission_download, name="download"),
]

from django.urls import path

from fazhan.inspection import views

app_name = "inspection"
urlpatterns = [
    path("", views.index, name="index"),
    path("runs/<int:run_id>/", views.run_detail, name="run"),
    path("runs/<int:run_id>/report/", views.run_report, name="report"),
    path("findings/<int:finding_id>/", views.finding_detail, name="finding"),
    path("findings/<int:finding_id>/correct/", views.finding_correct_view, name="correct"),
]

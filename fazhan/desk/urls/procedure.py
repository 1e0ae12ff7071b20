from django.urls import path

from fazhan.desk.views import procedure as views

app_name = "procedure"
urlpatterns = [
    path("todo/", views.todo, name="todo"),
    path("cases/<int:case_id>/step/", views.case_step, name="step"),
    path("records/<int:record_id>/correct/", views.step_correct_view, name="correct"),
]

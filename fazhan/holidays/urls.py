from django.urls import path

from fazhan.holidays import views

app_name = "holidays"
urlpatterns = [
    path("", views.calendar_index, name="calendar"),
    path("<int:year>/", views.calendar_year_page, name="calendar_year"),
]

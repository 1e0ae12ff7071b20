from django.urls import path

from fazhan.auditlog import views

app_name = "auditlog"
urlpatterns = [
    path("", views.trail, name="trail"),
]

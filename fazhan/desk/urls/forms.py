"""The person page's numbered-form routes, in the `prereview` namespace (fazhan/urls.py joins them)."""

from django.urls import path

from fazhan.desk.views import forms as views

urlpatterns = [
    path("people/<key:pid>/form/issue/", views.form_issue_view, name="issue"),
    path("people/<key:pid>/form/void/", views.form_void_view, name="void"),
]

from django.urls import path

from fazhan.prereview import views

app_name = "prereview"
urlpatterns = [
    path("people/<key:pid>/form/issue/", views.form_issue_view, name="issue"),
    path("people/<key:pid>/form/void/", views.form_void_view, name="void"),
]

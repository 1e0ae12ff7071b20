from django.urls import path

from fazhan.prereview import views

app_name = "prereview"
urlpatterns = [
    path("people/<key:pid>/form/issue/", views.form_issue_view, name="issue"),
    path("people/<key:pid>/form/void/", views.form_void_view, name="void"),
    path("forms/", views.register, name="register"),
    path("forms/receive/", views.form_receive_view, name="receive"),
    path("forms/<int:pk>/return/", views.form_return_view, name="return"),
    path("forms/reconcile/<int:year>/", views.reconcile, name="reconcile"),
]

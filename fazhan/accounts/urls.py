from django.urls import path

from fazhan.accounts import views

app_name = "accounts"
urlpatterns = [
    path("2fa/", views.otp_verify, name="otp_verify"),
    path("2fa/enrol/", views.otp_enrol, name="otp_enrol"),
    path("password/", views.password_change, name="password_change"),
]

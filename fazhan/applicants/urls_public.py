"""The applicants' own pages, mounted under settings.FAZHAN_PUBLIC_PREFIX + "apply/" (fazhan/urls.py)."""

from django.urls import path

from fazhan.applicants import views_public

app_name = "applicants_public"
urlpatterns = [
    path("", views_public.start, name="start"),
    path("c/<str:code>/", views_public.register, name="register"),
    path("sign-in/", views_public.sign_in, name="sign_in"),
    path("me/", views_public.me, name="me"),
    path("sign-out/", views_public.sign_out, name="sign_out"),
]

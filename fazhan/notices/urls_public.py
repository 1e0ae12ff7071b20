"""The public's pages, mounted under settings.FAZHAN_PUBLIC_PREFIX (fazhan/urls.py)."""

from django.urls import path

from fazhan.notices import views_public

app_name = "public"
urlpatterns = [
    path("<str:token>/", views_public.public_notice, name="notice"),
]

from django.urls import path

from fazhan.interchange import views

app_name = "interchange"
urlpatterns = [
    path("", views.interchange_home, name="home"),
    path("uploads/<int:upload_id>/", views.upload_preview, name="preview"),
    path("uploads/<int:upload_id>/confirm/", views.upload_confirm, name="confirm"),
    path("export/", views.interchange_download, name="export"),
]

from django.urls import path

from fazhan.paperwork import views

app_name = "paperwork"
urlpatterns = [
    path("people/<key:pid>/<slug:code>.<str:fmt>", views.person_form, name="person_form"),
    path("batch/", views.batch, name="batch"),
    path("templates/", views.templates, name="templates"),
    path("templates/<slug:code>/default.docx", views.template_default, name="template_default"),
    path("templates/<slug:code>/current.docx", views.template_current, name="template_current"),
    path("templates/<slug:code>/upload/", views.template_upload_view, name="template_upload"),
    path("templates/<slug:code>/revert/", views.template_revert_view, name="template_revert"),
]

from django.urls import path

from fazhan.archive import views

app_name = "archive"
urlpatterns = [
    path("register/", views.register, name="register"),
    path("people/<key:pid>/", views.person_files, name="person"),
    path("people/<key:pid>/attach/", views.person_attach, name="attach"),
    path("people/<key:pid>/review/", views.person_review, name="review"),
    path("people/<key:pid>/file.zip", views.person_zip_download, name="zip"),
    path("people/<key:pid>/record.pdf", views.record_table_pdf_view, name="record_pdf"),
    path("people/<key:pid>/record.docx", views.record_table_docx_view, name="record_docx"),
    path("attachments/<int:pk>/", views.attachment_download, name="download"),
    path("attachments/<int:pk>/supersede/", views.attachment_supersede_view, name="supersede"),
]

"""Routes of the documents part of the evaluations app (included by evaluations/urls.py): a self-evaluation form's
Word report and its xlsx, downloaded and uploaded (evaluations/document_views.py)."""

from django.urls import path

from evaluations import document_views

urlpatterns = [
    path("forms/<int:pk>/report.docx", document_views.report_docx, name="form_report"),
    path("forms/<int:pk>/xlsx/", document_views.form_xlsx, name="form_xlsx"),
    path("forms/<int:pk>/xlsx/upload/", document_views.form_xlsx_upload, name="form_xlsx_upload"),
]

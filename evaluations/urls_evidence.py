"""Routes of a self-evaluation form's evidence files (evaluations/evidence.py; included by evaluations/urls.py)."""

from django.urls import path

from evaluations.evidence import EVIDENCE

urlpatterns = [
    path("forms/<int:pk>/evidence/", EVIDENCE.upload_view(), name="evidence_upload"),
    path("forms/<int:pk>/evidence/<int:attachment_pk>/", EVIDENCE.download_view(), name="evidence"),
    path("forms/<int:pk>/evidence/<int:attachment_pk>/delete/", EVIDENCE.delete_view(), name="evidence_delete"),
]

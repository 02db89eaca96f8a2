from django.urls import path

from assessments import template_views, views
from assessments.evidence import EVIDENCE

app_name = "assessments"
urlpatterns = [
    path("", views.AssessmentListView.as_view(), name="list"),
    path("start/", views.start, name="start"),
    path("commission/", views.commission, name="commission"),
    path("<int:pk>/", views.AssessmentDetailView.as_view(), name="detail"),
    path("<int:pk>/save/", views.save, name="save"),
    path("<int:pk>/transition/", views.AssessmentTransitionView.as_view(), name="transition"),
    path("<int:pk>/report.docx", views.download_report, name="report"),
    path("<int:pk>/evidence/", EVIDENCE.upload_view(), name="evidence_upload"),
    path("<int:pk>/evidence/<int:attachment_pk>/", EVIDENCE.download_view(), name="evidence"),
    path("<int:pk>/evidence/<int:attachment_pk>/delete/", EVIDENCE.delete_view(), name="evidence_delete"),
    path("subject/<int:subject_pk>/compare/", views.compare, name="compare"),
    path("templates/", template_views.template_list, name="template_list"),
    path("templates/<int:pk>/", template_views.template_detail, name="template_detail"),
    path("templates/<int:pk>/edit/", template_views.template_edit, name="template_edit"),
]

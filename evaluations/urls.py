"""Pages of performance evaluation (绩效评价): schemes, self-evaluation rounds and forms, documents, the status board
and spot re-checks. Each part keeps its routes in its own module (one namespace, ``evaluations``)."""

from django.urls import include, path

app_name = "evaluations"
urlpatterns: list = [
    path("", include("evaluations.urls_self")),  # self-evaluation rounds and forms
    path("", include("evaluations.urls_documents")),  # Word report, xlsx form download and upload
    path("", include("evaluations.urls_board")),  # finance's status board
    path("", include("evaluations.urls_recheck")),  # spot re-check, discrepancies, inflation
    path("", include("evaluations.urls_evidence")),  # evidence files of a form (core/attachments.py)
    path("", include("evaluations.urls_provider")),  # data asked of a purchased service's provider
    path("", include("evaluations.urls_summary")),  # the departments' summaries (自评汇总报告)
]

"""Pages of performance evaluation (绩效评价): schemes, self-evaluation rounds and forms, documents, the status board
and spot re-checks. Each part keeps its routes in its own module (one namespace, ``evaluations``)."""

from django.urls import include, path

from evaluations import scheme_views

app_name = "evaluations"
urlpatterns: list = [
    # evaluation schemes (评价方案): every kind and line, one version, a new version or a region's own copy
    path("schemes/", scheme_views.scheme_list, name="scheme_list"),
    path("schemes/<int:pk>/", scheme_views.scheme_detail, name="scheme_detail"),
    path("schemes/<int:pk>/new-version/", scheme_views.scheme_new_version, name="scheme_new_version"),
    path("", include("evaluations.urls_self")),  # self-evaluation rounds and forms
    path("", include("evaluations.urls_documents")),  # Word report, xlsx form download and upload
    path("", include("evaluations.urls_board")),  # finance's status board
    path("", include("evaluations.urls_recheck")),  # spot re-check, discrepancies, inflation
    path("", include("evaluations.urls_evidence")),  # evidence files of a form (core/attachments.py)
    path("", include("evaluations.urls_provider")),  # data asked of a purchased service's provider
    path("", include("evaluations.urls_summary")),  # the departments' summaries (自评汇总报告)
]

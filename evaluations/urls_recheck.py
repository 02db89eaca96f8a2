"""Routes of the spot re-check (抽查复核; evaluations/recheck_views.py, included by evaluations/urls.py)."""

from django.urls import path

from evaluations import recheck_views

urlpatterns = [
    path("rounds/<int:pk>/sample/new/", recheck_views.sample_new, name="sample_new"),
    path("samples/<int:pk>/", recheck_views.sample_detail, name="sample"),
    path("samples/<int:pk>/items/<int:item_pk>/assign/", recheck_views.sample_assign, name="sample_assign"),
    path("samples/<int:pk>/notice.docx", recheck_views.sample_notice, name="sample_notice"),
    path("rechecks/", recheck_views.RecheckListView.as_view(), name="recheck_list"),
    path("rechecks/<int:pk>/", recheck_views.recheck_detail, name="recheck"),
    path("rechecks/<int:pk>/score/", recheck_views.recheck_score, name="recheck_score"),
    path("rechecks/<int:pk>/evidence/<int:evidence_pk>/", recheck_views.recheck_evidence, name="recheck_evidence"),
    path("rechecks/inflation/", recheck_views.inflation, name="inflation"),
]

"""Routes of the departments' self-evaluation summaries (evaluations/summaries.py; included by evaluations/urls.py)."""

from django.urls import path

from evaluations import summaries

urlpatterns = [
    path("summaries/", summaries.summary_index, name="summary_index"),
    path("rounds/<int:round_pk>/summaries/", summaries.summaries_of_round, name="summaries"),
    path("rounds/<int:round_pk>/summaries/start/", summaries.start_view, name="summary_start"),
    path("summaries/<int:pk>/", summaries.SummaryDetailView.as_view(), name="summary"),
    path("summaries/<int:pk>/edit/", summaries.SummaryEditView.as_view(), name="summary_edit"),
    path("summaries/<int:pk>/transition/", summaries.SummaryTransitionView.as_view(), name="summary_transition"),
]

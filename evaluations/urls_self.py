"""Routes of the self part of the evaluations app (included by evaluations/urls.py): rounds and forms."""

from django.urls import path

from evaluations import self_views_forms as forms
from evaluations import self_views_rounds as rounds

urlpatterns: list = [
    path("rounds/", rounds.SelfEvaluationRoundListView.as_view(), name="rounds"),
    path("rounds/new/", rounds.round_create, name="round_create"),
    path("rounds/<int:pk>/", rounds.round_detail, name="round"),
    path("rounds/<int:pk>/progress/", rounds.round_progress, name="round_progress"),
    path("rounds/<int:pk>/rerun/", rounds.round_rerun, name="round_rerun"),
    path("rounds/<int:pk>/close/", rounds.round_close, name="round_close"),
    path("rounds/<int:pk>/transfers/", rounds.round_transfers, name="round_transfers"),
    path("forms/", forms.SelfEvaluationListView.as_view(), name="forms"),
    path("forms/<int:pk>/", forms.SelfEvaluationDetailView.as_view(), name="form"),
    path("forms/<int:pk>/edit/", forms.SelfEvaluationEditView.as_view(), name="form_edit"),
    path("forms/<int:pk>/score/", forms.form_score, name="form_score"),
    path("forms/<int:pk>/transition/", forms.SelfEvaluationTransitionView.as_view(), name="form_transition"),
]

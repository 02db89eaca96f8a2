"""Pages of performance evaluation (绩效评价): schemes, self-evaluation rounds and forms, spot re-checks."""

from django.urls import path  # noqa: F401

app_name = "evaluations"
urlpatterns: list = []

"""URLs of a key evaluation's scoring (keyevals/views_scoring.py), inside the ``keyevals`` namespace."""

from django.urls import path

from keyevals import views_scoring

urlpatterns = [
    path("<int:pk>/scoring/", views_scoring.scoring_summary, name="scoring_summary"),
    path("<int:pk>/scoring/sheet/", views_scoring.scoring_sheet, name="scoring_sheet"),
    path("<int:pk>/scoring/close/", views_scoring.scoring_close, name="scoring_close"),
    path("<int:pk>/scoring/export/", views_scoring.scoring_export, name="scoring_export"),
]

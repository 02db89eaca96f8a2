"""The public survey pages at /s/ (no account): surveys/public_views.py."""

from django.urls import path, re_path

from surveys import public_views

app_name = "survey_public"

urlpatterns = [
    path("<str:token>/", public_views.answer, name="answer"),
    path("<str:token>/thanks/", public_views.thanks, name="thanks"),
    re_path(r"^.*$", public_views.missing, name="missing"),
]

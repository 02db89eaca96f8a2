"""The subject page is assembled from the panels the downstream apps register (core/panels.py)."""

import pytest

from core import panels
from subjects.models import Subject

pytestmark = pytest.mark.django_db


def test_the_apps_register_their_panels_on_the_subject_page():
    registered = panels.panels_for("subjects.subject")
    assert [p.key for p in registered if p.slot == "main"] == ["assessments", "targets"]
    assert [p.key for p in registered if p.slot == "alerts"] == ["holds"]


def test_a_registered_panel_shows_only_when_its_provider_has_something(client_as, monkeypatch):
    subject = Subject.objects.filter(organisation__name="示范市第一中学", target_sheets__isnull=False).first()
    page = client_as("edu_preparer").get(subject.get_absolute_url()).content.decode()
    assert 'id="subject-assessments"' in page and 'id="subject-targets"' in page
    calls = []

    @panels.register("subjects.subject", "zz-test", "core/history.html", order=999)
    def nothing(obj, user):
        calls.append((obj.pk, user.username))
        return None

    try:
        client_as("edu_preparer").get(subject.get_absolute_url())
        assert calls == [(subject.pk, "edu_preparer")]
    finally:
        panels._panels["subjects.subject"].pop("zz-test")

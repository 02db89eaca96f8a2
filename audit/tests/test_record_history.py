"""A record's 变更记录 on a business page names people as a paper file would: name and office, never the login name
(issue 12 §6 "Text for people"); the audit log itself keeps the login for the audit administrator."""

import pytest

from subjects.models import Subject

pytestmark = pytest.mark.django_db


def test_the_history_card_signs_with_name_and_office(client_as):
    subject = Subject.objects.filter(organisation__name="示范市第一中学").order_by("pk").first()
    page = client_as("edu_reviewer").get(subject.get_absolute_url()).content.decode()
    history = page.split('id="record-history"')[1].split("</table>")[0]
    assert "冯填报（示范市第一中学）" in history
    assert "edu_preparer" not in history

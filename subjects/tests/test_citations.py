"""The article a page cites fits the subject's kind (issue 12 §6): the purchased-services 办法 (张掖) for purchased
services only; projects and policies cite the general 办法, transfer payments their own."""

import pytest

from subjects.choices import SubjectKind
from subjects.citations import CITATIONS, citation
from subjects.models import Subject


@pytest.mark.parametrize("kind", SubjectKind.values)
def test_every_topic_has_a_citation_for_every_kind(kind):
    for topic in CITATIONS:
        text = citation(topic, Subject(kind=kind))
        assert "第" in text and "条" in text
        assert ("张掖" in text) is (kind == SubjectKind.PURCHASED_SERVICE)


@pytest.mark.django_db
def test_the_pages_cite_by_kind(client_as):
    from monitoring.models import PerformanceWarning
    from targets.models import TargetSheet

    sheet = TargetSheet.objects.filter(subject__kind=SubjectKind.PROJECT, status="approved").first()
    html = client_as("perf").get(f"/targets/{sheet.pk}/").content.decode()
    if 'id="adjust-citation"' in html:
        assert "张掖" not in html.split('id="adjust-citation">')[1].split("<")[0]
    warning = PerformanceWarning.objects.filter(status="open").select_related("subject").first()
    html = client_as("perf").get(f"/monitoring/warnings/{warning.pk}/").content.decode()
    cited = html.split('id="dispose-citation">')[1].split("<")[0]
    assert cited == citation("suspend_disbursement", warning.subject)

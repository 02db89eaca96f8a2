"""The demo seeder of the report stage (keyevals/demo_report.py) on evaluations built here with the demo's titles (the
evaluations themselves are keyevals/demo.py's): it takes both from 报告 to the end, and a second run changes nothing."""

from __future__ import annotations

import pytest

from core.models import Assignment
from keyevals import demo_report, export_auth
from keyevals.models import ArchiveFile, FeedbackLetter, FilingTo, KeyEvaluation, KeyStatus, LetterStatus, ReportFiling
from keyevals.tests.report_fixtures import make_evaluation, user

pytestmark = pytest.mark.django_db


class Seeder:
    def __init__(self):
        self.created = 0
        self.lines = []

    def out(self, line):
        self.lines.append(line)


def test_the_demo_finishes_both_evaluations_once(media_root):
    titles = demo_report._titles()
    for existing in KeyEvaluation.objects.filter(title__in=titles.values()):  # the demo's own (seeded already)
        KeyEvaluation.objects.filter(pk=existing.pk).update(title=f"{existing.title}（原演示）")
    agency = make_evaluation(titles["agency"], agency=True, major=True)
    finance = make_evaluation(titles["finance"], evaluated=user("health_reviewer").organisation)
    seeder = Seeder()
    demo_report.seed_report(seeder)
    assert seeder.lines == []
    agency.refresh_from_db()
    finance.refresh_from_db()
    assert (agency.status, finance.status) == (KeyStatus.ARCHIVED, KeyStatus.CONCLUDED)
    assert FeedbackLetter.objects.get(evaluation=agency).status == LetterStatus.REPLIED
    assert FeedbackLetter.objects.get(evaluation=finance).status == LetterStatus.DEEMED
    assert set(ReportFiling.objects.filter(evaluation=agency).values_list("filed_with", flat=True)) == {
        FilingTo.GOVERNMENT,
        FilingTo.PEOPLES_CONGRESS,
    }
    assert export_auth.agency_assignments(agency).get().may_export
    assert not Assignment.objects.filter(object_id=finance.pk, may_export=True).exists()
    assert 3 <= agency.problems.count() <= 4 and 3 <= finance.problems.count() <= 4
    assert ArchiveFile.objects.filter(evaluation=agency).exists() and ArchiveFile.objects.filter(evaluation=finance)
    counts = (ArchiveFile.objects.count(), FeedbackLetter.objects.count(), ReportFiling.objects.count())
    again = Seeder()
    demo_report.seed_report(again)
    assert again.created == 0
    assert (ArchiveFile.objects.count(), FeedbackLetter.objects.count(), ReportFiling.objects.count()) == counts


def test_the_seeded_demo_city_has_the_finished_evaluations():
    """When keyevals/demo.py and demo_scoring.py brought the two evaluations to 报告, this part finished them."""
    titles = demo_report._titles()
    agency = KeyEvaluation.objects.filter(title=titles["agency"]).first()
    finance = KeyEvaluation.objects.filter(title=titles["finance"]).first()
    if agency is None or finance is None:
        pytest.skip("the demo has no key evaluations yet (keyevals/demo.py)")
    assert agency.status == KeyStatus.ARCHIVED, agency.get_status_display()
    assert finance.status == KeyStatus.CONCLUDED, finance.get_status_display()
    assert FeedbackLetter.objects.get(evaluation=finance).status == LetterStatus.DEEMED
    assert export_auth.agency_assignments(agency).filter(may_export=True).exists()

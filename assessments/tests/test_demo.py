"""The demo seeder walks real actions and is idempotent. The test database is seeded once per session
(conftest): the subjects' seeder first, this one after it."""

import pytest

from assessments.choices import AssessmentKind, Conclusion
from assessments.demo import SHOWCASE, seed_assessments
from assessments.gating import assessment_clears
from assessments.models import Assessment
from demo.seed import SCALES, Seeder
from organisations.models import Organisation
from subjects.models import Subject
from workflow.models import ReviewStatus

pytestmark = pytest.mark.django_db


def test_demo_assessments_cover_each_outcome_and_run_once():
    found = {
        (a.subject.name, a.kind, a.status, a.conclusion, a.current_role)
        for a in Assessment.objects.select_related("subject")
    }
    support, improve, reject, waiting, purchaser, finance = (row[0] for row in SHOWCASE)
    assert (support, AssessmentKind.DEPARTMENT, ReviewStatus.APPROVED, Conclusion.SUPPORT, "") in found
    assert (support, AssessmentKind.THIRD_PARTY, ReviewStatus.DRAFT, "", "agency") in found
    assert (improve, AssessmentKind.DEPARTMENT, ReviewStatus.APPROVED, Conclusion.IMPROVE, "") in found
    assert (reject, AssessmentKind.DEPARTMENT, ReviewStatus.APPROVED, Conclusion.REJECT, "") in found
    assert (waiting, AssessmentKind.DEPARTMENT, ReviewStatus.IN_REVIEW, Conclusion.SUPPORT, "finance_desk") in found
    assert (purchaser, AssessmentKind.PURCHASER, ReviewStatus.IN_REVIEW, Conclusion.SUPPORT, "unit_head") in found
    assert (finance, AssessmentKind.FINANCE, ReviewStatus.IN_REVIEW, Conclusion.IMPROVE, "bureau_leader") in found
    clears = {s.name: assessment_clears(s)[0] for s in Subject.objects.filter(name__in=[r[0] for r in SHOWCASE])}
    assert clears == {
        support: True,
        improve: True,
        reject: False,
        waiting: False,
        purchaser: False,
        finance: not Subject.objects.get(name=finance).needs_assessment,
    }
    # a second run creates nothing
    seeder = Seeder(SCALES["small"], out=lambda *a: None)
    seeder.index.update(
        {
            "city:unit:教育:0": Organisation.objects.get(name="示范市第一中学"),
            "agency": Organisation.objects.get(name="示范绩效评价咨询有限公司"),
        }
    )
    seed_assessments(seeder)
    assert seeder.created == 0

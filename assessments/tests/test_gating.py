"""The gate of the project library and the budget (seed 000 第九、十条; seed 001 第九条):
no approved passing assessment → not admitted, not funded; 不予支持 → never."""

import pytest

from assessments import actions
from assessments.choices import Conclusion
from assessments.gating import assessment_clears
from assessments.tests.helpers import AGENCY, department_assessment, make_subject, org, score_all, user, walk
from subjects import assessment_gate

pytestmark = pytest.mark.django_db


def test_subject_that_needs_no_assessment_clears():
    # seed 000 第九条 lists the cases; an existing project without change is not among them
    subject = make_subject(is_new=False)
    assert not subject.needs_assessment
    assert assessment_clears(subject) == (True, "")


def test_seed_000_article_9_no_assessment_blocks_admission_and_funding():
    subject = make_subject()
    ok, message = assessment_clears(subject)
    assert not ok and "第九条" in message
    # The library asks through its own contract module: the same answer.
    assert assessment_gate.assessment_clears(subject) == (ok, message)


def test_assessment_in_review_does_not_clear_yet():
    assessment = department_assessment()
    from workflow import actions as workflow

    workflow.submit(assessment, user("edu_reviewer"), assessment.version)
    assert assessment_clears(assessment.subject)[0] is False


@pytest.mark.parametrize(
    ("fraction", "conclusion", "clears"),
    [("0.9", Conclusion.SUPPORT, True), ("0.7", Conclusion.IMPROVE, True), ("0.5", Conclusion.REJECT, False)],
)
def test_approved_conclusion_decides(fraction, conclusion, clears):
    assessment = walk(department_assessment(fraction=fraction))
    assert assessment.conclusion == conclusion
    ok, message = assessment_clears(assessment.subject)
    assert ok is clears
    if not clears:
        assert "不予支持" in message


def test_a_third_party_reject_blocks_even_when_the_department_supports():
    # seed 001 第十条: finance may commission a third party; its 不予支持 result blocks as well
    supported = walk(department_assessment(fraction="0.95"))
    subject = supported.subject
    assert assessment_clears(subject)[0] is True
    third = actions.commission_third_party(subject, user("perf"), org(AGENCY), "金额较大，独立评估")
    third = score_all(third, "agency", fraction="0.4")
    third = walk(third, ["agency", "perf"])
    assert third.conclusion == Conclusion.REJECT
    ok, message = assessment_clears(subject)
    assert not ok and "不予支持" in message

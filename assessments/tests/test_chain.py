"""The review chain per role: the department (主管部门) fills the assessment (seed 001 第九条), the finance
desk reviews and may send it back with an opinion, the performance section approves (seed 001 第十条);
the conclusion is computed at submission and frozen at approval."""

from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from assessments import actions
from assessments.choices import AssessmentKind, Conclusion
from assessments.models import Assessment
from assessments.tests.helpers import AGENCY, department_assessment, fresh, make_subject, org, score_all, user
from audit.models import AuditAction, AuditEntry
from core.todo import todos_for
from workflow import actions as workflow
from workflow.models import ReviewStatus

pytestmark = pytest.mark.django_db


def audit_of(assessment, action):
    return AuditEntry.objects.filter(
        object_type="assessments.assessment", object_id=str(assessment.pk), action=action
    ).order_by("id")


def test_only_the_department_of_the_subject_starts_and_fills_the_departments_assessment():
    subject = make_subject()
    for username in ("edu_preparer", "edu_head", "desk_edu", "perf", "health_reviewer", "agency"):
        with pytest.raises(PermissionDenied):
            actions.start_assessment(subject, user(username), kind=AssessmentKind.DEPARTMENT)
    for username in ("edu_head", "desk_edu", "health_reviewer", "agency", "county_perf"):
        with pytest.raises(PermissionDenied):
            actions.start_assessment(subject, user(username))  # no kind this user may start
    assessment = actions.start_assessment(subject, user("edu_reviewer"))
    assert (assessment.status, assessment.current_role, assessment.kind) == (
        ReviewStatus.DRAFT,
        "dept_reviewer",
        AssessmentKind.DEPARTMENT,
    )
    assert assessment.template.applies_to == "purchased_service" and assessment.scores.count() == 12
    assert audit_of(assessment, AuditAction.CREATE).count() == 1
    with pytest.raises(ValidationError, match="未办结"):
        actions.start_assessment(subject, user("edu_reviewer"))
    # the unit's preparer reads it but cannot score it
    with pytest.raises(PermissionDenied):
        score_all(assessment, "edu_preparer")
    assert AuditEntry.objects.filter(object_id=str(assessment.pk), action=AuditAction.PERMISSION_DENIED).exists()


def test_general_subjects_get_the_general_template():
    assessment = actions.start_assessment(make_subject("通用项目", kind="project"), user("edu_reviewer"))
    assert assessment.template.applies_to == "general"


def test_scores_are_validated_against_the_weight_and_audited():
    assessment = actions.start_assessment(make_subject(), user("edu_reviewer"))
    point = assessment.scores.select_related("point").first().point
    with pytest.raises(ValidationError, match="得分应在 0 至"):
        actions.save_scores(
            assessment, user("edu_reviewer"), assessment.version, scores={point.pk: {"score": point.weight + 1}}
        )
    actions.save_scores(
        assessment,
        user("edu_reviewer"),
        assessment.version,
        scores={point.pk: {"score": "7.5", "finding": "目录依据充分"}},
    )
    assert fresh(assessment).total_score == Decimal("7.50")
    entry = audit_of(assessment, AuditAction.UPDATE).last()
    assert entry.changes[f"得分：{point.dimension}·{point.name}"] == [None, "7.5"]


def test_submission_needs_every_point_scored():
    assessment = actions.start_assessment(make_subject(), user("edu_reviewer"))
    with pytest.raises(ValidationError, match="尚未评分"):
        workflow.submit(assessment, user("edu_reviewer"), assessment.version)
    assert fresh(assessment).status == ReviewStatus.DRAFT


def test_department_fills_desk_returns_with_opinion_then_performance_section_approves():
    # Given a department assessment scored at 0.75 of every weight (75 → 完善后予以支持)
    assessment = department_assessment(fraction="0.75")
    # When the department submits, the conclusion is computed and the desk has it in its 待办
    workflow.submit(assessment, user("edu_reviewer"), assessment.version)
    stored = fresh(assessment)
    assert (stored.total_score, stored.conclusion) == (Decimal("75.00"), Conclusion.IMPROVE)
    assert stored.current_role == "finance_desk"
    assert assessment.get_absolute_url() in {i.url for i in todos_for(user("desk_edu"))}
    # Only the desk acts at step 1: the performance section cannot jump ahead
    with pytest.raises(PermissionDenied):
        workflow.approve(assessment, user("perf"), assessment.version)
    # The desk sends it back with an opinion; a return without one is refused
    with pytest.raises(ValidationError):
        workflow.return_to(assessment, user("desk_edu"), assessment.version, 0, "")
    workflow.return_to(assessment, user("desk_edu"), assessment.version, 0, "成本测算依据不足，请补充市场询价")
    assert fresh(assessment).status == ReviewStatus.RETURNED
    # The department raises the scores and resubmits; desk then performance section approve
    assessment = score_all(fresh(assessment), "edu_reviewer", fraction="0.85")
    workflow.submit(assessment, user("edu_reviewer"), assessment.version, "已补充")
    workflow.approve(assessment, user("desk_edu"), assessment.version, "同意")
    with pytest.raises(PermissionDenied):
        workflow.approve(assessment, user("desk_edu"), assessment.version)
    workflow.approve(assessment, user("perf"), assessment.version, "同意")
    stored = fresh(assessment)
    # Then it is approved with the conclusion of the last submission, frozen
    assert stored.status == ReviewStatus.APPROVED and stored.approved_at is not None
    assert (stored.total_score, stored.conclusion) == (Decimal("85.00"), Conclusion.SUPPORT)
    transitions = list(audit_of(assessment, AuditAction.TRANSITION))
    assert len(transitions) == 5
    assert transitions[0].changes["评估结论"] == [None, "完善后予以支持"]
    assert transitions[-1].changes["审定结论"] == [None, "予以支持"]
    with pytest.raises(PermissionDenied):
        score_all(stored, "edu_reviewer")


def test_third_party_commission_chain_agency_fills_performance_section_approves():
    subject = make_subject()
    for username in ("desk_edu", "edu_reviewer", "county_perf", "agency"):
        with pytest.raises(PermissionDenied):
            actions.commission_third_party(subject, user(username), org(AGENCY), "独立评估")
    with pytest.raises(ValidationError):
        actions.commission_third_party(subject, user("perf"), org("示范市第一中学"), "独立评估")
    third = actions.commission_third_party(subject, user("perf"), org(AGENCY), "金额较大，委托独立评估")
    assert third.kind == AssessmentKind.THIRD_PARTY and third.current_role == "agency"
    assert [s.role for s in third.chain.ordered_steps()] == ["agency", "performance_section"]
    assert third.get_absolute_url() in {i.url for i in todos_for(user("agency"))}
    # the department cannot fill the third party's assessment
    with pytest.raises(PermissionDenied):
        score_all(third, "edu_reviewer")
    third = score_all(third, "agency", fraction="0.88")
    workflow.submit(third, user("agency"), third.version)
    assert fresh(third).current_role == "performance_section"
    workflow.approve(third, user("perf"), third.version, "同意")
    assert (fresh(third).status, fresh(third).conclusion) == (ReviewStatus.APPROVED, Conclusion.SUPPORT)
    # recorded side by side with the department's
    department = department_assessment(subject)
    assert set(Assessment.objects.filter(subject=subject).values_list("kind", flat=True)) == {
        AssessmentKind.DEPARTMENT,
        AssessmentKind.THIRD_PARTY,
    }
    assert department.kind == AssessmentKind.DEPARTMENT


def test_the_third_party_chain_is_a_configurable_variant_of_the_document_type():
    from workflow.chains import document_type_choices
    from workflow.models import ChainDefinition

    choices = dict(document_type_choices())
    assert choices["assessments.assessment"] == "事前绩效评估"
    assert choices["assessments.assessment.third_party"] == "事前绩效评估（第三方独立评估）"
    ChainDefinition(document_type="assessments.assessment.third_party", name="x").clean()
    # the department's assessment still resolves the model's own chain
    department = actions.start_assessment(make_subject("流程变体项目"), user("edu_reviewer"))
    assert department.chain.document_type == "assessments.assessment"


def test_list_and_api_query_counts_do_not_grow_with_rows(client_as, django_assert_max_num_queries):
    for i in range(3):
        department_assessment(make_subject(f"查询计数项目{i}"))
    client = client_as("perf")
    # the page's fixed work includes one 待办 count per document type (self-evaluation forms and department summaries
    # joined in issue 13; work plans, reports, teams, score sheets, notices and letters of key evaluations in issue 14):
    # a ceiling, not a count; core/tests/test_query_counts.py holds the exact baselines
    with django_assert_max_num_queries(31):
        assert client.get("/assessments/").status_code == 200
    with django_assert_max_num_queries(20):
        assert client.get("/api/assessments/").status_code == 200


def test_the_purchasing_unit_assesses_its_purchased_service_seed_000_article_7_and_9():
    """seed 000 第七条 购买主体……开展事前绩效评估; 第九条 在新增政府购买服务项目时，购买主体要开展事前绩效评估; 第六条 the department
    reviews it before finance."""
    subject = make_subject()  # a purchased service of 第一中学
    assert actions.startable_kinds(user("edu_preparer"), subject) == [AssessmentKind.PURCHASER]
    assessment = actions.start_assessment(subject, user("edu_preparer"))
    assert (assessment.kind, assessment.current_role, assessment.status) == (
        AssessmentKind.PURCHASER,
        "unit_preparer",
        ReviewStatus.DRAFT,
    )
    assert [step.role for step in assessment.chain.ordered_steps()] == [
        "unit_preparer",
        "unit_head",
        "dept_reviewer",
        "finance_desk",
        "performance_section",
    ]
    score_all(assessment, "edu_preparer")
    # the department may still carry out its own assessment beside the purchaser's
    assert AssessmentKind.DEPARTMENT in actions.startable_kinds(user("edu_reviewer"), subject)


def test_a_project_has_no_purchaser_assessment():
    subject = make_subject("普通项目", kind="project")
    assert actions.startable_kinds(user("edu_preparer"), subject) == []
    with pytest.raises(ValidationError, match="第九条"):
        actions.start_assessment(subject, user("edu_preparer"), kind=AssessmentKind.PURCHASER)


def test_finance_assesses_directly_seed_000_article_11():
    """seed 000 第十一条 财政部门可以根据工作需要，直接开展……事前绩效评估: the performance section of the subject's region."""
    subject = make_subject()
    assert actions.startable_kinds(user("perf"), subject) == [AssessmentKind.FINANCE]
    assessment = actions.start_assessment(subject, user("perf"))
    assert (assessment.kind, assessment.current_role) == (AssessmentKind.FINANCE, "performance_section")
    assert [step.role for step in assessment.chain.ordered_steps()] == ["performance_section", "bureau_leader"]
    score_all(assessment, "perf")
    with pytest.raises(ValidationError, match="未办结的财政直接评估"):
        actions.start_assessment(subject, user("perf"), kind=AssessmentKind.FINANCE)
    assessment = fresh(assessment)
    workflow.submit(assessment, user("perf"), assessment.version, "请审定")
    assert any(item.url == assessment.get_absolute_url() for item in todos_for(user("leader")))
    assert fresh(assessment).assessor == "示范市财政局"


def test_a_third_party_assessment_is_commissioned_never_started():
    with pytest.raises(ValidationError, match="委托"):
        actions.start_assessment(make_subject(), user("perf"), kind=AssessmentKind.THIRD_PARTY)

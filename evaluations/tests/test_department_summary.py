"""A department's summary of its self-evaluation (转移支付办法 第二十三条: 区业务主管部门在汇总……自评结果基础上，撰写绩效
自评报告报送区财政部门; seed 001 第二十条（一）): figures rolled up from its units' forms, written by the department, sent
to finance only once the department reviewed every form of its units."""

from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from evaluations import summaries
from evaluations.models import DepartmentSummary, SelfEvaluation
from evaluations.tests.self_helpers import fill_and_submit, form_of, funded_subject, open_round
from subjects.tests.helpers import user
from workflow import actions as workflow

pytestmark = pytest.mark.django_db


@pytest.fixture
def setting():
    first = funded_subject("汇总测试项目一", arranged="300000.00", allocated="300000.00")
    second = funded_subject("汇总测试项目二", arranged="200000.00", allocated="200000.00")
    evaluation_round = open_round()
    department = user("edu_reviewer").organisation
    return evaluation_round, department, form_of(evaluation_round, first), form_of(evaluation_round, second)


def _review_at_department(form):
    for username in ("edu_head", "edu_reviewer"):
        form = SelfEvaluation.objects.get(pk=form.pk)
        workflow.approve(form, user(username), form.version, "同意")


def test_the_rollup_counts_the_units_forms(setting):
    evaluation_round, department, first, _ = setting
    fill_and_submit(first)
    figures = summaries.rollup(evaluation_round, department)
    assert figures.forms >= 2 and figures.submitted >= 1
    assert figures.budget >= Decimal("500000.00")
    assert figures.pending_below >= 2  # one still a draft, one waiting for its head and the department
    assert figures.mean_score is not None and figures.grades


def test_only_the_department_writes_it_and_once(setting):
    evaluation_round, department, _, _ = setting
    with pytest.raises(PermissionDenied):
        summaries.start(user("edu_preparer"), evaluation_round, department)
    with pytest.raises(PermissionDenied):
        summaries.start(user("health_reviewer"), evaluation_round, department)
    summaries.start(user("edu_reviewer"), evaluation_round, department)
    with pytest.raises(ValidationError):
        summaries.start(user("edu_reviewer"), evaluation_round, department)


def test_sent_only_after_every_unit_form_was_reviewed_then_to_finance(setting):
    evaluation_round, department, first, second = setting
    summary = summaries.start(user("edu_reviewer"), evaluation_round, department)
    workflow.save_edit(
        summary,
        user("edu_reviewer"),
        summary.version,
        data={"overview": "组织所属单位全面自评", "findings": "总体完成目标", "measures": "加强执行"},
    )
    summary = DepartmentSummary.objects.get(pk=summary.pk)
    with pytest.raises(ValidationError) as caught:
        workflow.submit(summary, user("edu_reviewer"), summary.version)
    assert "未报送或未经本部门审核" in str(caught.value)
    others = SelfEvaluation.objects.filter(round=evaluation_round, department=department).exclude(
        pk__in=[first.pk, second.pk]
    )
    for form in [first, second, *others]:
        _review_at_department(fill_and_submit(SelfEvaluation.objects.select_related("round").get(pk=form.pk)))
    summary = DepartmentSummary.objects.get(pk=summary.pk)
    workflow.submit(summary, user("edu_reviewer"), summary.version)
    for username in ("desk_edu", "perf"):
        summary = DepartmentSummary.objects.get(pk=summary.pk)
        workflow.approve(summary, user(username), summary.version, "同意")
    summary = DepartmentSummary.objects.get(pk=summary.pk)
    assert summary.status == "approved" and summary.submitted_at is not None


def test_the_pages(setting, client_as):
    evaluation_round, department, _, _ = setting
    reviewer = client_as("edu_reviewer")
    listing = reviewer.get(f"/evaluations/rounds/{evaluation_round.pk}/summaries/")
    assert listing.status_code == 200 and "撰写" in listing.content.decode()
    response = reviewer.post(
        f"/evaluations/rounds/{evaluation_round.pk}/summaries/start/", {"department": department.pk}
    )
    summary = DepartmentSummary.objects.get(round=evaluation_round, department=department)
    assert response.status_code == 302 and response["Location"] == summary.get_absolute_url()
    page = reviewer.get(summary.get_absolute_url()).content.decode()
    assert "所属单位自评汇总" in page and "500,000.00" in page
    # a unit of another department does not reach it; a forged department is refused
    assert client_as("health_reviewer").get(summary.get_absolute_url()).status_code == 404
    forged = client_as("health_reviewer").post(
        f"/evaluations/rounds/{evaluation_round.pk}/summaries/start/", {"department": department.pk}
    )
    assert forged.status_code == 404
    assert client_as("perf").get(summary.get_absolute_url()).status_code == 200


def test_the_index_offers_the_department_its_summary(setting, client_as):
    _, department, _, _ = setting
    page = client_as("edu_reviewer").get("/evaluations/summaries/").content.decode()
    assert f"撰写{department.name}" in page
    assert "撰写" not in client_as("edu_preparer").get("/evaluations/summaries/").content.decode()

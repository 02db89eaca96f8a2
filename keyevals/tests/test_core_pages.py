"""The key evaluation's own pages (seed 003 第三十七条: finance or the department organises; 第三十八条: plan and
notice): the list in reach, creating and editing, the hub, the fee budget, the working group's 回避 rule and the
lifecycle buttons."""

import pytest

from core import clock
from keyevals import demo
from keyevals.models import FeeBudgetLine, KeyEvaluation, KeyStatus
from keyevals.tests.core_helpers import DAY, new_evaluation, org, user

pytestmark = pytest.mark.django_db


def test_perf_lists_the_demo_evaluations_and_opens_the_hub(client_as):
    client = client_as("perf")
    page = client.get("/keyevals/").content.decode()
    assert demo.DEMO_AGENCY_TITLE in page and demo.DEMO_FIELDWORK_TITLE in page
    evaluation = demo.demo_evaluation(demo.DEMO_FIELDWORK_TITLE)
    hub = client.get(f"/keyevals/{evaluation.pk}/").content.decode()
    for part in ('id="group"', 'id="fees"', 'id="plan"', 'id="notice"', 'id="fieldwork"', 'id="scoring-panel"'):
        assert part in hub
    assert "明正会计师事务所" in hub and "居家养老服务补贴发放台账" in hub


def test_list_filters_by_year_and_status(client_as):
    client = client_as("perf")
    page = client.get("/keyevals/?year=2026&status=fieldwork").content.decode()
    assert demo.DEMO_FIELDWORK_TITLE in page and demo.DEMO_AGENCY_TITLE not in page
    assert client.get("/keyevals/?year=abc").status_code in (200, 400)  # never 500


def test_perf_creates_an_evaluation_commissioned_to_an_agency(client_as):
    client = client_as("perf")
    with clock.pinned(DAY):
        response = client.post(
            "/keyevals/new/",
            {
                "title": "页面新建的重点评价",
                "year": "2025",
                "evaluated": org("示范市教育局").pk,
                "stage": "ex_post",
                "object_kind": "project",
                "object_amount": "120000",
                "methods": ["comparison", "public"],
                "agency": org("明正会计师事务所").pk,
                "starts_on": "2026-09-01",
            },
        )
    assert response.status_code == 302, response.content.decode()[:2000]
    evaluation = KeyEvaluation.objects.get(title="页面新建的重点评价")
    assert evaluation.organiser == user("perf").organisation and evaluation.status == KeyStatus.PREPARING
    from core.models import Assignment

    assert Assignment.objects.filter(object_id=evaluation.pk, organisation=org("明正会计师事务所")).exists()


def test_a_department_organises_only_its_own_units(client_as):
    """Seed 003 第三十七条: a department organises key evaluations of its own units only."""
    client = client_as("edu_reviewer")
    data = {
        "title": "部门组织的重点评价",
        "year": "2025",
        "stage": "ex_post",
        "object_kind": "project",
        "object_amount": "0",
        "starts_on": "2026-09-01",
    }
    refused = client.post("/keyevals/new/", data | {"evaluated": org("示范市人民医院").pk})
    assert refused.status_code == 200 and "不在您的组织范围内" in refused.content.decode()
    assert not KeyEvaluation.objects.filter(title="部门组织的重点评价").exists()
    with clock.pinned(DAY):
        ok = client.post("/keyevals/new/", data | {"evaluated": org("示范市第一中学").pk})
    assert ok.status_code == 302
    evaluation = KeyEvaluation.objects.get(title="部门组织的重点评价")
    assert evaluation.organiser == org("示范市教育局")
    listed = client.get("/keyevals/").content.decode()
    assert "部门组织的重点评价" in listed and demo.DEMO_AGENCY_TITLE not in listed


def test_a_unit_cannot_open_the_create_page(client_as):
    assert client_as("edu_preparer").get("/keyevals/new/").status_code == 404
    assert client_as("agency").get("/keyevals/new/").status_code == 404


def test_editing_only_while_preparing_with_the_version(client_as):
    evaluation = new_evaluation("修改测试")
    client = client_as("perf")
    page = client.get(f"/keyevals/{evaluation.pk}/edit/")
    assert page.status_code == 200
    data = {
        "title": "修改后的名称",
        "year": "2025",
        "evaluated": evaluation.evaluated_id,
        "stage": "ex_post",
        "object_kind": "policy",
        "object_amount": "1000000",
        "starts_on": "2026-09-01",
        "agency": evaluation.agency_id,
        "version": evaluation.version - 1,
    }
    stale = client.post(f"/keyevals/{evaluation.pk}/edit/", data)
    assert "已被他人处理" in stale.content.decode()
    ok = client.post(f"/keyevals/{evaluation.pk}/edit/", data | {"version": evaluation.version})
    assert ok.status_code == 302
    evaluation.refresh_from_db()
    assert evaluation.title == "修改后的名称" and evaluation.object_kind == "policy"
    finished = demo.demo_evaluation(demo.DEMO_FIELDWORK_TITLE)
    assert client.post(f"/keyevals/{finished.pk}/edit/", data).status_code == 302  # refused with a message
    finished.refresh_from_db()
    assert finished.title == demo.DEMO_FIELDWORK_TITLE


def test_fee_budget_lines_and_totals(client_as):
    evaluation = new_evaluation("经费测试", expert=False)
    client = client_as("perf")
    client.post(f"/keyevals/{evaluation.pk}/fees/add/", {"item": "专家咨询费", "amount": "9600", "approved": "8000"})
    refused = client.post(f"/keyevals/{evaluation.pk}/fees/add/", {"item": "差旅费", "amount": "-5"}, follow=True)
    assert "申报金额" in refused.content.decode()
    evaluation.refresh_from_db()
    assert evaluation.fee_budget == 59600 and evaluation.fee_approved == 8000
    assert FeeBudgetLine.objects.filter(evaluation=evaluation).count() == 2
    assert (
        client_as("leader").post(f"/keyevals/{evaluation.pk}/fees/add/", {"item": "x", "amount": "1"}).status_code
        == 404
    )


def test_a_member_of_the_evaluated_unit_cannot_join_the_group(client_as):
    """回避: staff of the evaluated organisation (or an expert employed there) cannot be in the working group."""
    from agencies.models import Expert

    evaluation = new_evaluation("回避测试", evaluated="示范市卫生健康委员会", expert=False)
    client = client_as("perf")
    response = client.post(
        f"/keyevals/{evaluation.pk}/members/add/", {"role": "member", "user": user("health_reviewer").pk}, follow=True
    )
    assert "属于被评价单位" in response.content.decode() or "不在您的范围内" in response.content.decode()
    expert = Expert.objects.create(
        keeper=user("perf").organisation, name="院内专家", employer=org("示范市人民医院"), employer_name="人民医院"
    )
    response = client.post(
        f"/keyevals/{evaluation.pk}/members/add/", {"role": "expert", "expert": expert.pk}, follow=True
    )
    assert "应当回避" in response.content.decode()
    assert not evaluation.members.exists()
    client.post(f"/keyevals/{evaluation.pk}/members/add/", {"role": "expert", "user": "", "name": "外聘专家"})
    assert evaluation.members.filter(name="外聘专家").exists()


def test_an_expert_added_to_the_group_reaches_the_evaluation(client_as):
    evaluation = new_evaluation("专家可见", agency=False)
    assert client_as("expert").get(f"/keyevals/{evaluation.pk}/").status_code == 200
    other = new_evaluation("专家不可见", agency=False, expert=False)
    assert client_as("expert").get(f"/keyevals/{other.pk}/").status_code == 404


def test_start_fieldwork_is_refused_before_plan_and_notice(client_as):
    evaluation = new_evaluation("进度测试", expert=False)
    client = client_as("perf")
    response = client.post(
        f"/keyevals/{evaluation.pk}/step/start_fieldwork/", {"version": evaluation.version}, follow=True
    )
    assert "工作方案审批通过并发出评价通知书后" in response.content.decode()
    evaluation.refresh_from_db()
    assert evaluation.status == KeyStatus.PREPARING
    assert client.post(f"/keyevals/{evaluation.pk}/step/nonsense/", {"version": 1}).status_code == 404

"""Departments propose sector indicators; the performance section approves them into the library."""

import pytest
from django.core.exceptions import PermissionDenied

from accounts.models import User
from audit.context import acting_as
from audit.models import AuditEntry
from core import services
from indicators.models import Indicator, IndicatorProposal
from workflow import actions
from workflow.models import ReviewStatus

pytestmark = pytest.mark.django_db


def department(username="edu_reviewer"):
    return User.objects.get(username=username).role_assignments()[0].organisation


def make_proposal(name="学前教育毛入园率", by="edu_reviewer"):
    user = User.objects.get(username=by)
    with acting_as(user):
        return services.create_record(
            IndicatorProposal(
                organisation=department(by),
                name=name,
                kind="sector",
                sector="JY",
                level1="效益",
                level2="社会效益",
                definition="反映学前教育普及程度。",
                formula=f"{name}=在园幼儿数/适龄幼儿数×100%",
                unit="%",
                direction="positive",
                reason="手册缺少学前教育指标",
            )
        )


def test_department_proposes_and_perf_approves_into_the_library(persona):
    proposal = make_proposal()
    assert proposal.current_role == "dept_reviewer"
    reviewer, perf = persona("edu_reviewer"), persona("perf")
    proposal = actions.perform("submit", proposal, reviewer, proposal.version, "请审核", None)
    assert proposal.status == ReviewStatus.IN_REVIEW and proposal.current_role == "performance_section"
    proposal = actions.perform("approve", proposal, perf, proposal.version, "同意入库", None)
    proposal = IndicatorProposal.objects.get(pk=proposal.pk)
    assert proposal.status == ReviewStatus.APPROVED
    indicator = proposal.indicator
    assert indicator is not None and indicator.source == "部门提议" and indicator.code.startswith("HY-JY-")
    assert indicator.name == "学前教育毛入园率" and indicator.formula.endswith("×100%")
    assert AuditEntry.objects.filter(
        object_type="indicators.indicator", object_id=str(indicator.pk), action="create"
    ).exists()
    assert (
        AuditEntry.objects.filter(
            object_type="indicators.indicatorproposal", object_id=str(proposal.pk), action="transition"
        ).count()
        == 2
    )


@pytest.mark.parametrize("username", ["desk_edu", "edu_preparer", "edu_head", "auditor"])
def test_desk_and_unit_cannot_approve(persona, client_as, username):
    proposal = make_proposal(name=f"测试指标{username}")
    proposal = actions.perform("submit", proposal, persona("edu_reviewer"), proposal.version, "", None)
    with pytest.raises(PermissionDenied):
        actions.perform("approve", proposal, persona(username), proposal.version, "", None)
    response = client_as(username).post(
        f"/api/indicator-proposals/{proposal.pk}/approve/",
        {"version": proposal.version},
        content_type="application/json",
    )
    assert response.status_code in (403, 404)
    assert IndicatorProposal.objects.get(pk=proposal.pk).status == ReviewStatus.IN_REVIEW
    assert not Indicator.objects.filter(name=f"测试指标{username}").exists()


def test_proposal_pages(client_as):
    proposal = make_proposal(name="页面测试指标")
    client = client_as("edu_reviewer")
    assert client.get("/indicators/proposals/").status_code == 200
    page = client.get(f"/indicators/proposals/{proposal.pk}/")
    assert page.status_code == 200 and "review-panel" in page.content.decode()
    assert client_as("health_reviewer").get(f"/indicators/proposals/{proposal.pk}/").status_code == 404
    assert client.get("/indicators/proposals/new/").status_code == 200
    response = client.post(
        "/indicators/proposals/new/",
        {
            "organisation": department().pk,
            "name": "表单提议指标",
            "kind": "sector",
            "sector": "JY",
            "level1": "产出",
            "level2": "数量",
            "formula": "a/b",
            "direction": "positive",
            "reason": "理由",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    assert IndicatorProposal.objects.filter(name="表单提议指标").exists()


def test_proposal_api_walk(client_as):
    payload = {
        "organisation": department().pk,
        "name": "API 提议指标",
        "kind": "sector",
        "sector": "JY",
        "formula": "x/y×100%",
        "direction": "positive",
        "reason": "理由",
    }
    response = client_as("edu_reviewer").post("/api/indicator-proposals/", payload, content_type="application/json")
    assert response.status_code == 201, response.json()
    pk = response.json()["id"]
    response = client_as("edu_reviewer").post(
        f"/api/indicator-proposals/{pk}/submit/", {"version": 1}, content_type="application/json"
    )
    assert response.status_code == 200, response.json()
    response = client_as("perf").post(
        f"/api/indicator-proposals/{pk}/approve/", {"version": 2}, content_type="application/json"
    )
    assert response.status_code == 200, response.json()
    assert response.json()["status"] == "approved"
    assert Indicator.objects.get(name="API 提议指标").source == "部门提议"
    assert (
        client_as("edu_preparer")
        .post("/api/indicator-proposals/", {**payload, "name": "越权"}, content_type="application/json")
        .status_code
        == 400  # the department is outside a unit preparer's reach: not a choice (core.api.GatedChoicesMixin)
    )


def test_demo_proposal_waits_for_perf(client_as):
    from demo.seed import seed

    demo = IndicatorProposal.objects.get(name="义务教育学校标准化建设达标率")
    assert demo.status == ReviewStatus.IN_REVIEW and demo.current_role == "performance_section"
    seed("small")  # idempotent
    assert IndicatorProposal.objects.filter(name=demo.name).count() == 1
    listed = client_as("perf").get("/api/indicator-proposals/?mine=true").json()["results"]
    assert demo.pk in {r["id"] for r in listed}

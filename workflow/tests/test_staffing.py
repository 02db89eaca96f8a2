"""Nothing stranded (issue 17 §9): a submission into a chain with a step nobody can act on is refused, naming the role
and the organisation; the system administrator's page lists the documents already waiting at such a step; the demo
strands nothing (workflow/staffing.py)."""

import pytest
from django.core.exceptions import ValidationError
from django.utils.timezone import localtime

from accounts.models import RoleAssignment
from accounts.roles import ROLE_SPECS, Scope
from demo.seed import ACCOUNTS
from workflow import actions, guards, staffing
from workflow.chains import resolve_chain, reviewable_models
from workflow.models import ReviewStatus
from workflow.tests.helpers import fresh, make_report, user

pytestmark = pytest.mark.django_db

HOSPITAL = "示范市人民医院"


def hospital_report(title: str):
    return make_report(HOSPITAL, by="health_preparer", title=title)


def revoke(username: str, role: str) -> None:
    RoleAssignment.objects.filter(user__username=username, role=role).delete()


def test_submission_into_a_chain_without_a_unit_head_is_refused_naming_role_and_organisation():
    revoke("health_head", "unit_head")  # the hospital as the demo city had it before: no 单位负责人
    report = hospital_report("无人审核的报告")
    with pytest.raises(ValidationError) as refused:
        actions.submit(report, user("health_preparer"), report.version)
    message = refused.value.messages[0]
    assert message.startswith("示范市人民医院没有“单位负责人”，提交后第 1 环节")
    assert "请联系系统管理员为该单位配置此角色" in message
    stored = fresh(report)
    assert (stored.status, stored.current_step, stored.version) == (ReviewStatus.DRAFT, 0, 1)


def test_a_later_step_without_a_holder_refuses_too_and_the_api_says_why(client_as):
    revoke("desk_social", "finance_desk")  # step 3: the desk responsible for 卫健
    report = hospital_report("财政科室无人")
    response = client_as("health_preparer").post(
        f"/api/work-reports/{report.pk}/submit/", {"version": report.version}, content_type="application/json"
    )
    assert response.status_code == 400
    text = str(response.json())
    assert "示范市人民医院没有归口的“财政业务科室”" in text and "第 3 环节" in text
    assert fresh(report).status == ReviewStatus.DRAFT


def test_the_first_missing_role_is_named():
    revoke("health_head", "unit_head")
    revoke("desk_social", "finance_desk")
    report = hospital_report("两处无人")
    step = staffing.unstaffed_step(report, resolve_chain(report))
    assert (step.order, step.role) == (1, "unit_head")


def test_a_staffed_chain_submits_as_before():
    report = hospital_report("医院可以提交")
    actions.submit(report, user("health_preparer"), report.version)
    assert fresh(report).current_role == "unit_head"
    actions.approve(report, user("health_head"), report.version)
    assert fresh(report).current_role == "dept_reviewer"


def test_the_system_admin_page_lists_a_document_stranded_after_submission(client_as):
    # Given a report submitted while the hospital had a unit head, who then loses the role
    report = hospital_report("提交后负责人离岗")
    actions.submit(report, user("health_preparer"), report.version)
    revoke("health_head", "unit_head")
    # Then the system administrator sees it: document, organisation, step, missing role, since when
    page = client_as("sysadmin").get("/workflow/stranded/")
    assert page.status_code == 200
    html = page.content.decode()
    row = html[html.index("提交后负责人离岗") :]
    row = row[: row.index("</tr>")]
    assert HOSPITAL in row and "单位负责人" in row and "审核中" in row
    assert localtime(fresh(report).reviews.last().created_at).strftime("%Y-%m-%d %H:%M") in row
    rows = client_as("sysadmin").get("/api/stranded-documents/").json()
    assert {
        (r["document"], r["organisation"], r["role"], r["document_type"])
        for r in rows
        if r["document"] == "提交后负责人离岗"
    } == {("提交后负责人离岗", HOSPITAL, "单位负责人", "工作报告")}
    assert report.pk in staffing_ids()


def staffing_ids() -> set[int]:
    from reports.models import WorkReport

    return set(WorkReport.objects.filter(staffing.stranded_q(WorkReport)).values_list("pk", flat=True))


@pytest.mark.parametrize("username", ["perf", "edu_preparer", "health_preparer", "secadmin", "auditadmin", "leader"])
def test_no_one_else_sees_the_page_or_the_list(client_as, username):
    report = hospital_report("别人看不到的滞留")
    actions.submit(report, user("health_preparer"), report.version)
    revoke("health_head", "unit_head")
    client = client_as(username)
    assert client.get("/workflow/stranded/").status_code == 404
    assert client.get("/api/stranded-documents/").json() == []
    assert "/workflow/stranded/" not in client.get("/stage/system/").content.decode()


def test_the_navigation_offers_the_page_to_the_system_admin():
    from core.testing import offered

    assert "/workflow/stranded/" in dict(offered(user("sysadmin")))["system"]


def test_a_disabled_holder_does_not_count():
    report = hospital_report("负责人被停用")
    actions.submit(report, user("health_preparer"), report.version)
    head = user("health_head")
    head.is_active = False
    head.save(update_fields=["is_active"])
    assert report.pk in staffing_ids()


def test_the_staffing_query_agrees_with_who_may_act():
    """``staffed_q`` (anyone?) and ``acting_q`` (this user?) read the same reach: for every waiting document of the demo
    and every role, somebody holds it over the document exactly when some persona can act there."""
    from accounts.models import User
    from accounts.roles import Role

    people = [u for u in User.objects.filter(is_active=True) if not u.is_admin_role]
    for model in reviewable_models():
        for doc in model.objects.exclude(status=ReviewStatus.APPROVED)[:40]:
            for role in {a.role for u in people for a in u.role_assignments()} - {Role.PUBLIC}:
                holders = [
                    u
                    for u in people
                    if any(
                        a.role == role
                        and model.objects.filter(pk=doc.pk).filter(guards._assignment_q(model, a, u)).exists()
                        for a in u.role_assignments()
                    )
                ]
                assert staffing.is_staffed(doc, role) == bool(holders), (model, doc.pk, role)


# --- the demo ---------------------------------------------------------------------------------------------------


def test_the_demo_strands_nothing():
    assert staffing.stranded(user("sysadmin")) == []
    for model in reviewable_models():
        assert not model.objects.filter(staffing.stranded_q(model)).exists(), model._meta.label


def test_every_demo_unit_has_the_roles_its_chains_need():
    """For every demo account that prepares documents at its organisation (step 0 of a chain), every later step of
    that chain has a holder over the organisation."""
    from organisations.models import Organisation
    from workflow.models import ChainDefinition

    missing = []
    for account in ACCOUNTS:
        if ROLE_SPECS[account.role].scope in (Scope.NONE, Scope.ASSIGNED):
            continue
        organisation = Organisation.objects.get(pk=user(account.username).role_assignments()[0].organisation_id)
        for chain in ChainDefinition.objects.filter(is_active=True).prefetch_related("steps"):
            if chain.step(0) is None or chain.step(0).role != account.role:
                continue
            for step in chain.ordered_steps()[1:]:
                if organisation.pk not in staffing.staffed_organisation_ids(step.role):
                    missing.append((account.username, organisation.name, chain.document_type, step.role))
    assert not missing, missing

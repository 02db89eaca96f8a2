"""Chains as data: per region overrides, versions, who acts in a region, the configuration pages."""

import pytest
from django.core.exceptions import PermissionDenied

from audit.models import AuditAction, AuditEntry
from organisations.models import Region
from reports.models import WorkReport
from workflow import actions, config, guards
from workflow.chains import resolve_chain
from workflow.models import ChainDefinition, ChainStep, ReviewStatus
from workflow.tests.helpers import SCHOOL, fresh, make_report, user

pytestmark = pytest.mark.django_db

COUNTY_SCHOOL = "示范市中区第一中学"
SHORT = [
    {"name": "填报", "role": "unit_preparer"},
    {"name": "主管部门审核", "role": "dept_reviewer", "deadline_days": 2},
]


def region_chain(code: str, steps=SHORT, name="区县工作报告审核流程") -> ChainDefinition:
    chain = ChainDefinition.objects.create(
        document_type="reports.workreport", region=Region.objects.get(code=code), name=name
    )
    for order, step in enumerate(steps):
        ChainStep.objects.create(chain=chain, order=order, **step)
    return chain


def test_a_region_chain_overrides_the_default_for_that_region_and_below_only():
    county_chain = region_chain("990102")
    county_report = make_report(COUNTY_SCHOOL)
    city_report = make_report(SCHOOL)
    assert county_report.chain == county_chain
    assert city_report.chain.region is None
    # The nearest region wins: a province chain applies to the city, the county keeps its own.
    province_chain = region_chain("990000", name="省级流程")
    assert resolve_chain(city_report) == province_chain
    assert resolve_chain(county_report) == county_chain


def test_a_county_report_walks_its_own_chain():
    region_chain("990102")
    report = make_report(COUNTY_SCHOOL)
    preparer = _county_user("county_preparer", "unit_preparer", COUNTY_SCHOOL)
    actions.submit(report, preparer, report.version)
    stored = fresh(report)
    assert (stored.current_role, stored.step_due_at is not None) == ("dept_reviewer", True)
    with pytest.raises(PermissionDenied):
        actions.approve(report, user("edu_reviewer"), report.version)  # the city's department: another subtree
    actions.approve(report, user("county_reviewer"), report.version, "同意")
    assert fresh(report).status == ReviewStatus.APPROVED


def _county_user(username, role, org_name):
    from accounts.models import RoleAssignment, User
    from workflow.tests.helpers import org

    person = User.objects.create(username=username, name="区县测试")
    RoleAssignment.objects.create(user=person, role=role, organisation=org(org_name))
    return person


def test_region_wide_roles_act_only_in_their_own_region():
    # A county report at the performance-section step: the county's section acts, not the city's.
    report = make_report(COUNTY_SCHOOL)
    chain = report.chain
    WorkReport.objects.filter(pk=report.pk).update(
        status=ReviewStatus.IN_REVIEW, current_step=4, current_role="performance_section"
    )
    stored = fresh(report)
    assert chain.region is None
    assert not guards.can_act(user("perf"), stored)
    assert guards.can_act(user("county_perf"), stored)


def test_saving_a_chain_makes_a_new_version_and_reports_in_review_keep_theirs():
    report = make_report()
    actions.submit(report, user("edu_preparer"), report.version)
    old = fresh(report).chain
    new = config.save_chain(
        user("sysadmin"),
        document_type="reports.workreport",
        region=None,
        name="工作报告审核流程",
        steps=SHORT,
        replaces=old,
        reason="简化流程",
    )
    old.refresh_from_db()
    assert (new.version, new.is_active, old.is_active) == (old.version + 1, True, False)
    assert [s.order for s in new.ordered_steps()] == [0, 1]
    assert fresh(report).chain == old  # already under review: stays on its version
    assert make_report(title="新报告").chain == new
    entry = AuditEntry.objects.filter(object_type="workflow.chaindefinition", object_id=str(new.pk)).get()
    assert entry.action == AuditAction.CREATE and entry.reason == "简化流程"
    # A draft created before the change enters the newest version when it is first submitted.


def test_a_draft_enters_the_newest_chain_at_its_first_submission():
    report = make_report()
    new = config.save_chain(
        user("sysadmin"),
        document_type="reports.workreport",
        region=None,
        name="工作报告审核流程",
        steps=SHORT,
        replaces=report.chain,
    )
    actions.submit(report, user("edu_preparer"), report.version)
    stored = fresh(report)
    assert stored.chain == new and stored.current_role == "dept_reviewer"


def test_only_a_system_administrator_reaching_the_region_configures_it():
    assert not config.can_configure(user("perf"), None)
    assert config.can_configure(user("sysadmin"), None)  # no bureau above the demo city's
    assert config.can_configure(user("sysadmin"), Region.objects.get(code="990102"))
    with pytest.raises(PermissionDenied):
        config.save_chain(user("perf"), document_type="reports.workreport", region=None, name="x", steps=SHORT)


def test_chain_pages(client_as):
    page = client_as("sysadmin").get("/workflow/chains/")
    assert page.status_code == 200 and "预算绩效管理科审核" in page.content.decode()
    assert 'id="chain-create"' in page.content.decode()
    for username in ("perf", "edu_preparer", "desk_edu", "auditor", "secadmin", "public"):
        page = client_as(username).get("/workflow/chains/")  # the procedure is public to signed-in users
        assert page.status_code == 200 and 'id="chain-create"' not in page.content.decode(), username
    assert client_as("perf").get("/workflow/chains/new/").status_code == 404
    chain = ChainDefinition.objects.get(document_type="reports.workreport", region=None, is_active=True)
    assert client_as("perf").get(f"/workflow/chains/{chain.pk}/edit/").status_code == 404
    assert client_as("sysadmin").get(f"/workflow/chains/{chain.pk}/edit/").status_code == 200


def test_system_administrator_edits_steps_on_the_page(client_as):
    chain = ChainDefinition.objects.get(document_type="reports.workreport", region=None, is_active=True)
    steps = chain.ordered_steps()
    data = {
        "name": chain.name,
        "reason": "增加局领导审批",
        "steps-TOTAL_FORMS": "7",
        "steps-INITIAL_FORMS": "5",
        "steps-MIN_NUM_FORMS": "0",
        "steps-MAX_NUM_FORMS": "1000",
    }
    for i, step in enumerate(steps):
        data.update(
            {
                f"steps-{i}-name": step.name,
                f"steps-{i}-role": step.role,
                f"steps-{i}-deadline_days": step.deadline_days or "",
            }
        )
    data.update({"steps-5-name": "局领导审批", "steps-5-role": "bureau_leader", "steps-5-deadline_days": "3"})
    response = client_as("sysadmin").post(f"/workflow/chains/{chain.pk}/edit/", data)
    assert response.status_code == 302, response.content.decode()[:2000]
    new = ChainDefinition.objects.get(document_type="reports.workreport", region=None, is_active=True)
    assert new.version == chain.version + 1
    assert [s.role for s in new.ordered_steps()][-1] == "bureau_leader"


def test_system_administrator_adds_a_region_chain_on_the_page(client_as):
    county = Region.objects.get(code="990102")
    data = {
        "document_type": "reports.workreport",
        "region": county.pk,
        "name": "中区工作报告审核流程",
        "steps-TOTAL_FORMS": "2",
        "steps-INITIAL_FORMS": "0",
        "steps-MIN_NUM_FORMS": "0",
        "steps-MAX_NUM_FORMS": "1000",
        "steps-0-name": "填报",
        "steps-0-role": "unit_preparer",
        "steps-1-name": "主管部门审核",
        "steps-1-role": "dept_reviewer",
        "steps-1-deadline_days": "5",
    }
    assert client_as("sysadmin").post("/workflow/chains/new/", data).status_code == 302
    assert make_report(COUNTY_SCHOOL).chain.name == "中区工作报告审核流程"
    data["steps-TOTAL_FORMS"] = "1"
    response = client_as("sysadmin").post("/workflow/chains/new/", data)
    assert response.status_code == 200 and "至少包括填报环节" in response.content.decode()


def test_chains_api(client_as):
    rows = client_as("perf").get("/api/review-chains/").json()["results"]
    assert any(r["document_type"] == "reports.workreport" and len(r["steps"]) == 5 for r in rows)
    assert len(client_as("edu_preparer").get("/api/review-chains/").json()["results"]) == len(rows)


def test_resolving_several_chains_at_once_gives_what_one_at_a_time_gives():
    from assessments.choices import AssessmentKind
    from assessments.models import Assessment
    from organisations.models import Organisation
    from targets.models import TargetSheet
    from workflow.chains import resolve_chains

    county = Organisation.objects.get(name=COUNTY_SCHOOL)
    own = ChainDefinition.objects.create(
        document_type="assessments.assessment.purchaser", region=county.region, name="区县购买主体评估流程"
    )
    ChainStep.objects.create(chain=own, order=0, name="评估填报", role="unit_preparer")
    assert resolve_chains([Assessment(kind=AssessmentKind.PURCHASER)], county) == {
        "assessments.assessment.purchaser": own
    }
    for name in ("示范市第一中学", "示范市教育局", COUNTY_SCHOOL):
        organisation = Organisation.objects.get(name=name)
        probes = [Assessment(kind=kind) for kind in AssessmentKind.values] + [TargetSheet()]
        together = resolve_chains(probes, organisation)
        assert together == {p.chain_document_type: resolve_chain(p, organisation) for p in probes}
        assert all(chain is not None for chain in together.values())

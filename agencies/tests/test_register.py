"""The agency register, contracts, deliverables (seed 004 三(二)–(九)), ratings and sanctions, and the standing shown
wherever an agency or an expert is chosen."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from accounts.roles import Action
from agencies import actions
from agencies.deliverables import DELIVERABLES, decide
from agencies.models import AgencyProfile, Deliverable, RegisterStatus, Sanction
from agencies.standing import agency_standing, expert_standing
from agencies.tests.helpers import contract, expert, profile, user
from audit.models import AuditEntry
from core import access, clock
from organisations.choices import OrgKind
from organisations.models import Organisation

pytestmark = pytest.mark.django_db


def pdf(name="方案.pdf"):
    return SimpleUploadedFile(name, b"%PDF-1.4\n% test\n", content_type="application/pdf")


def new_agency(name="测试评价咨询有限公司"):
    city = user("perf").organisation.region
    return Organisation.objects.create(name=name, kind=OrgKind.AGENCY, region=city)


def test_registering_a_profile_gives_the_agency_its_own_profile_only():
    organisation = new_agency()
    created = actions.create_profile(user("perf"), {"organisation": organisation, "agency_type": "research"})
    assert AuditEntry.objects.filter(
        object_type="agencies.agencyprofile", object_id=str(created.pk), actor=user("perf")
    ).exists()
    # the demo agency reads its own profile and not the new one
    mine = access.restrict(AgencyProfile.objects.all(), user("agency"))
    assert list(mine) == [profile()]


def test_only_the_performance_section_registers_agencies_of_its_region():
    organisation = new_agency()
    for who in ("budget", "edu_reviewer", "agency", "county_perf"):
        with pytest.raises((PermissionDenied, ValidationError)):
            actions.create_profile(user(who), {"organisation": organisation, "agency_type": "research"})
    with pytest.raises(ValidationError):  # already registered
        actions.create_profile(user("perf"), {"organisation": profile().organisation, "agency_type": "research"})


def test_a_contract_assigns_the_agency_and_is_audited():
    c = contract()
    assert access.can(user("agency"), Action.VIEW, c)
    assert not access.can(user("agency"), Action.VIEW, contract(agency=profile("明正会计师事务所")))
    assert AuditEntry.objects.filter(object_type="agencies.agencycontract", object_id=str(c.pk)).exists()


def test_a_department_registers_contracts_only_for_itself():
    edu = Organisation.objects.get(name="示范市教育局")
    c = contract(commissioner=edu, by="edu_reviewer")
    assert c.commissioner == edu
    with pytest.raises(ValidationError):
        contract(commissioner=user("perf").organisation, by="edu_reviewer")
    with pytest.raises(ValidationError):
        contract(commissioner=Organisation.objects.get(name="示范市卫生健康委员会"), by="edu_reviewer")
    with pytest.raises(PermissionDenied):
        actions.update_contract(user("perf"), c, {"title": "改"})  # the department commissioned it


def test_a_suspended_agency_cannot_be_commissioned():
    target = profile("明正会计师事务所")
    actions.sanction(
        user("perf"), agency=target, kind="suspension", reason="报告质量差", ends_on=datetime.date(2026, 12, 31)
    )
    with pytest.raises(ValidationError) as caught:
        contract(agency=target)
    assert "不能委托" in " ".join(caught.value.messages)


def test_contract_dates_are_checked():
    with pytest.raises(ValidationError):
        contract(ends_on=datetime.date(2025, 12, 31))


# ---------------------------------------------------------------------------------------------- deliverables


@pytest.fixture
def uploaded(media_root):
    c = contract()
    item = DELIVERABLES.add(c, user("agency"), file=pdf(), kind="plan", title="评价工作方案", note="")
    return c, item


def test_seed_004_3_9_the_agency_uploads_and_the_commissioner_accepts_in_writing(uploaded):
    """seed 004 三(九)2 每项工作完成后需甲方书面验收确认."""
    _c, item = uploaded
    decide(user("perf"), item, "accepted", "同意")
    item.refresh_from_db()
    assert item.decision == "accepted" and item.decided_by == user("perf") and item.decided_at is not None
    assert AuditEntry.objects.filter(
        object_type="agencies.deliverable", object_id=str(item.pk), action="update"
    ).exists()
    with pytest.raises(ValidationError):
        decide(user("perf"), item, "returned", "再改")  # decided once
    with pytest.raises(ValidationError):
        DELIVERABLES.remove(item, user("agency"))  # a decided deliverable stays


def test_returning_a_deliverable_needs_the_opinion(uploaded):
    _c, item = uploaded
    with pytest.raises(ValidationError) as caught:
        decide(user("perf"), item, "returned", "  ")
    assert "退回意见" in " ".join(caught.value.messages)
    item.refresh_from_db()
    assert item.decision == "pending"
    decide(user("perf"), item, "returned", "请补充评价依据")
    item.refresh_from_db()
    assert item.decision == "returned" and item.decision_note == "请补充评价依据"


def test_only_the_commissioner_decides_and_only_the_agency_uploads(uploaded):
    c, item = uploaded
    for who in ("agency", "budget", "edu_reviewer"):
        with pytest.raises(PermissionDenied):
            decide(user(who), item, "accepted")
    for who in ("perf", "expert"):
        with pytest.raises(PermissionDenied):
            DELIVERABLES.add(c, user(who), file=pdf(), kind="report", title="报告", note="")


def test_deliverable_pages(uploaded, client_as):
    c, item = uploaded
    agency = client_as("agency")
    page = agency.get(c.get_absolute_url())
    assert page.status_code == 200 and "评价工作方案" in page.content.decode()
    assert agency.get(f"/agencies/contracts/{c.pk}/deliverables/{item.pk}/").status_code == 200
    # the agency cannot decide; perf returns without an opinion and is told why
    assert (
        agency.post(f"/agencies/contracts/{c.pk}/deliverables/{item.pk}/decide/", {"decision": "accepted"}).status_code
        == 404
    )
    perf = client_as("perf")
    response = perf.post(
        f"/agencies/contracts/{c.pk}/deliverables/{item.pk}/decide/", {"decision": "returned", "note": ""}, follow=True
    )
    assert "退回时请写明退回意见" in response.content.decode()
    perf.post(f"/agencies/contracts/{c.pk}/deliverables/{item.pk}/decide/", {"decision": "accepted", "note": ""})
    assert Deliverable.objects.get(pk=item.pk).decision == "accepted"
    # another agency's user cannot reach the contract or its file
    assert client_as("edu_preparer").get(f"/agencies/contracts/{c.pk}/deliverables/{item.pk}/").status_code == 404


def test_the_agency_uploads_through_the_page(media_root, client_as):
    c = contract()
    response = client_as("agency").post(
        f"/agencies/contracts/{c.pk}/deliverables/upload/",
        {"kind": "training", "title": "培训签到表", "note": "", "file": pdf("签到.pdf")},
    )
    assert response.status_code == 302
    assert Deliverable.objects.filter(contract=c, title="培训签到表", uploaded_by=user("agency")).exists()
    bad = client_as("agency").post(
        f"/agencies/contracts/{c.pk}/deliverables/upload/",
        {"kind": "training", "title": "程序", "note": "", "file": SimpleUploadedFile("a.exe", b"MZ")},
    )
    assert bad.status_code == 302 and not Deliverable.objects.filter(contract=c, title="程序").exists()


# ---------------------------------------------------------------------------------------------- ratings and sanctions


@pytest.mark.parametrize(("field", "value"), [("quality", 41), ("timeliness", 31), ("conduct", 31), ("quality", -1)])
def test_rating_bounds(field, value):
    values = {"work": "评价", "quality": 30, "timeliness": 20, "conduct": 20, "defects": 0}
    values[field] = value
    with pytest.raises(ValidationError):
        actions.rate(user("perf"), agency=profile(), values=values)


def test_ratings_average_in_the_standing():
    target = expert("评分专家")
    perf = user("perf")
    actions.rate(
        perf, expert=target, values={"work": "甲", "quality": 40, "timeliness": 30, "conduct": 30, "defects": 0}
    )
    actions.rate(
        perf, expert=target, values={"work": "乙", "quality": 30, "timeliness": 20, "conduct": 25, "defects": 2}
    )
    standing = expert_standing(target)
    assert standing.count == 2 and str(standing.average) == "87.5"
    assert "平均 87.5 分（2 次评价）" in standing.label


def test_only_the_keeper_rates_and_sanctions():
    for who in ("budget", "agency", "county_perf", "edu_reviewer"):
        with pytest.raises(PermissionDenied):
            actions.rate(user(who), agency=profile(), values={"work": "x", "quality": 1, "timeliness": 1, "conduct": 1})
        with pytest.raises(PermissionDenied):
            actions.sanction(user(who), agency=profile(), kind="warning", reason="x")


def test_a_warning_marks_the_agency_and_shows_in_its_standing():
    target = profile("明正会计师事务所")
    actions.sanction(user("perf"), agency=target, kind="warning", reason="报告逾期提交")
    target.refresh_from_db()
    assert target.status == RegisterStatus.WARNED
    standing = agency_standing(target.organisation)
    assert standing.may_commission and standing.sanction.kind == "warning" and "警告" in standing.label


def test_a_suspension_needs_its_end_date_and_lapses_after_it():
    target = profile("明正会计师事务所")
    perf = user("perf")
    with pytest.raises(ValidationError):
        actions.sanction(perf, agency=target, kind="suspension", reason="违规")
    with clock.pinned(datetime.date(2026, 3, 1)):
        actions.sanction(perf, agency=target, kind="suspension", reason="违规", ends_on=datetime.date(2026, 6, 30))
        target.refresh_from_db()
        assert target.status == RegisterStatus.SUSPENDED and target.status_until == datetime.date(2026, 6, 30)
        assert not agency_standing(target).may_commission
    with clock.pinned(datetime.date(2026, 7, 1)):
        assert agency_standing(target).may_commission


def test_removal_is_for_good_and_a_warning_does_not_lift_it():
    target = expert("清退专家")
    perf = user("perf")
    actions.sanction(perf, expert=target, kind="removal", reason="严重违规")
    actions.sanction(perf, expert=target, kind="warning", reason="另案")
    target.refresh_from_db()
    assert target.status == "removed"
    assert not expert_standing(target).may_commission
    with pytest.raises(ValidationError):
        actions.sanction(perf, expert=target, kind="removal", reason="x", ends_on=datetime.date(2027, 1, 1))
    assert Sanction.objects.filter(expert=target).count() == 2


def test_a_sanction_cannot_start_in_the_future():
    with pytest.raises(ValidationError):
        actions.sanction(
            user("perf"), agency=profile(), kind="warning", reason="x", starts_on=datetime.date(2027, 1, 1)
        )


def test_the_standing_include_renders(client_as):
    from django.template.loader import render_to_string

    html = render_to_string("agencies/_standing.html", {"standing": agency_standing(profile())})
    assert "平均" in html or "尚无履职评价" in html

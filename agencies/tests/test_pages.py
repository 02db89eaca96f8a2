"""The register's pages: lists with filters and exports, the forms (bad input named in Chinese, nothing changed), the
draw page with its 复核, the team page with the rules and the review panel."""

import io

import openpyxl
import pytest

from agencies.demo import CONTRACT_1
from agencies.models import AgencyProfile, Expert, ExpertDraw, ExpertField, TeamProposal
from agencies.tests.helpers import contract, org, profile
from organisations.choices import OrgKind
from organisations.models import Organisation

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "url",
    [
        "/agencies/",
        "/agencies/?agency_type=accounting",
        "/agencies/?status=active&q=明正",
        "/agencies/contracts/",
        "/agencies/teams/",
        "/agencies/experts/",
        "/agencies/experts/?field=1&available=true",
        "/agencies/draws/",
        "/agencies/new/",
        "/agencies/contracts/new/",
        "/agencies/experts/new/",
        "/agencies/draws/new/",
    ],
)
def test_pages_open_for_the_performance_section(client_as, url):
    assert client_as("perf").get(url).status_code == 200


def test_an_unknown_filter_is_a_400_page(client_as):
    assert client_as("perf").get("/agencies/experts/?colour=red").status_code == 400


def test_the_expert_list_filters_by_field_and_availability(client_as):
    health = ExpertField.objects.get(code="health")
    text = client_as("perf").get(f"/agencies/experts/?field={health.pk}&available=true").content.decode()
    assert "孙丽娟" in text and "王立群" not in text


def test_the_export_lists_the_register(client_as):
    response = client_as("perf").get("/agencies/experts/?export=xlsx")
    assert response.status_code == 200
    book = openpyxl.load_workbook(
        io.BytesIO(b"".join(response.streaming_content) if response.streaming else response.content)
    )
    names = {row[0] for row in book.active.iter_rows(min_row=2, values_only=True)}
    assert {"沈专家", "吴海涛"} <= names


def test_the_agency_page_shows_staff_contracts_ratings_and_standing(client_as):
    text = client_as("perf").get(profile().get_absolute_url()).content.decode()
    for expected in ("蒋评价", "注册会计师", CONTRACT_1, "履职评价", "平均", "处理记录"):
        assert expected in text, expected


def test_the_agency_sees_its_profile_but_no_edit_buttons(client_as):
    text = client_as("agency").get(profile().get_absolute_url()).content.decode()
    assert "蒋评价" in text and 'id="edit"' not in text and 'id="rate"' not in text


def test_creating_a_profile_through_the_page(client_as):
    agency = Organisation.objects.create(
        name="页面测试咨询公司", kind=OrgKind.AGENCY, region=org("示范市财政局").region
    )
    client = client_as("perf")
    bad = client.post("/agencies/new/", {"organisation": agency.pk, "agency_type": "not-a-type"})
    assert bad.status_code == 200 and not AgencyProfile.objects.filter(organisation=agency).exists()
    good = client.post(
        "/agencies/new/", {"organisation": agency.pk, "agency_type": "university", "registered_on": "2026-09-01"}
    )
    assert good.status_code == 302
    assert AgencyProfile.objects.filter(organisation=agency).exists()
    assert client_as("budget").get("/agencies/new/").status_code == 404


def test_the_draw_page_draws_and_replays(client_as):
    client = client_as("perf")
    health = ExpertField.objects.get(code="health")
    too_many = client.post(
        "/agencies/draws/new/", {"evaluated": org("示范市卫生健康委员会").pk, "field": health.pk, "count": 40}
    )
    assert too_many.status_code == 200 and "可抽取的专家只有" in too_many.content.decode()
    response = client.post(
        "/agencies/draws/new/",
        {"evaluated": org("示范市卫生健康委员会").pk, "field": health.pk, "count": 3, "seed": 42},
    )
    assert response.status_code == 302
    made = ExpertDraw.objects.get(seed=42)
    page = client.get(made.get_absolute_url()).content.decode()
    assert "42" in page and "赵卫东" in page and "任职于被评价单位" in page  # excluded, with the reason
    replayed = client.post(made.get_absolute_url()).content.decode()
    assert "复核一致" in replayed


def test_the_team_page_shows_the_members_and_the_review(client_as):
    team = TeamProposal.objects.get(contract__number=CONTRACT_1, in_force=True)
    text = client_as("perf").get(team.get_absolute_url()).content.decode()
    assert "现行团队" in text and "蒋评价" in text and "review-panel" in text and "郭敏" in text


def test_the_agency_proposes_a_team_through_the_pages(client_as):
    c = contract()
    client = client_as("agency")
    response = client.post(f"/agencies/contracts/{c.pk}/teams/new/", {"reason": "", "conflict_statement": "无"})
    assert response.status_code == 302
    proposal = TeamProposal.objects.get(contract=c)
    page = client.get(proposal.get_absolute_url()).content.decode()
    assert "不少于 3 人" in page and 'id="member-form"' in page
    staff = c.agency.staff.get(name="蒋评价")
    client.post(f"/agencies/teams/{proposal.pk}/members/add/", {"staff": staff.pk, "role": "lead", "resident": "on"})
    assert proposal.members.count() == 1
    refused = client.post(
        f"/agencies/teams/{proposal.pk}/transition/", {"action": "submit", "version": proposal.version}, follow=True
    )
    assert "不少于 3 人" in refused.content.decode()
    proposal.refresh_from_db()
    assert proposal.status == "draft"


def test_the_expert_sees_only_his_own_entry(client_as):
    own = Expert.objects.get(user__username="expert")
    client = client_as("expert")
    text = client.get("/agencies/experts/").content.decode()
    assert own.name in text and "王立群" not in text
    other = Expert.objects.exclude(pk=own.pk).first()
    assert client.get(other.get_absolute_url()).status_code == 404


def test_the_navigation_offers_the_registers(client_as):
    perf = client_as("perf").get("/stage/evaluation/").content.decode()
    assert "/agencies/" in perf and "/agencies/experts/" in perf
    unit = client_as("edu_preparer").get("/stage/evaluation/").content.decode()
    assert 'href="/agencies/"' not in unit

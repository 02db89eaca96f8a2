"""Who reaches the registers' records, on every surface (core.testing.check_reach): the city's finance sections,
leader and audit office read; the performance section changes; the agency reads only its own profile, contracts and
teams; the expert only his or her own entry; another region's performance section, units, departments, desks and
the public get 404 — never 403 on a page, never 500 (issue 14 "An agency user guessing another evaluation's URL")."""

import pytest

from agencies import draw
from agencies.demo import CONTRACT_1
from agencies.models import AgencyContract, Expert, TeamProposal
from agencies.tests.helpers import org, perf_section, profile, user
from core.testing import PERSONAS, Probe, Reach, Surface, check_reach

pytestmark = pytest.mark.django_db

CITY_FINANCE = frozenset({"perf", "budget", "treasury", "leader", "auditor"})

PROFILE = Surface(
    name="{organisation.name}",
    list="/agencies/",
    search={"q": "{organisation.name}"},
    detail="/agencies/{pk}/",
    edit="/agencies/{pk}/edit/",
    export=True,
    api="/api/agencies/",
)
CONTRACT = Surface(
    name="{number}",
    list="/agencies/contracts/",
    search={"q": "{number}"},
    detail="/agencies/contracts/{pk}/",
    edit="/agencies/contracts/{pk}/edit/",
    export=True,
    api="/api/agency-contracts/",
)
EXPERT = Surface(
    name="{name}",
    list="/agencies/experts/",
    search={"q": "{name}"},
    detail="/agencies/experts/{pk}/",
    edit="/agencies/experts/{pk}/edit/",
    export=True,
    api="/api/experts/",
)
TEAM = Surface(
    name="{contract.title}",
    list="/agencies/teams/",
    search={"contract": "{contract_id}"},
    detail="/agencies/teams/{pk}/",
    # adding a member without a staff id: refused (404) to who may not edit the team — nobody, it is approved
    edit=Probe("/agencies/teams/{pk}/members/add/", method="post", data={}, ok=302),
    export=True,
    api="/api/team-proposals/",
)
DRAW = Surface(
    name="{purpose}",
    list="/agencies/draws/",
    search={"evaluated": "{evaluated_id}"},
    detail="/agencies/draws/{pk}/",
    export=True,
    api="/api/expert-draws/",
    patch=False,
)


@pytest.mark.parametrize("username", PERSONAS)
def test_the_demo_agencys_profile(username):
    check_reach(
        profile(),
        PROFILE,
        Reach(view=CITY_FINANCE | {"agency"}, change={"perf"}, export=CITY_FINANCE),
        personas=[username],
    )


@pytest.mark.parametrize("username", PERSONAS)
def test_a_contract_with_the_performance_section(username):
    record = AgencyContract.objects.get(number=CONTRACT_1)
    check_reach(
        record,
        CONTRACT,
        Reach(view=CITY_FINANCE | {"agency"}, change={"perf"}, export=CITY_FINANCE),
        personas=[username],
    )


@pytest.mark.parametrize("username", PERSONAS)
def test_the_approved_team(username):
    record = TeamProposal.objects.get(contract__number=CONTRACT_1, in_force=True)
    check_reach(
        record, TEAM, Reach(view=CITY_FINANCE | {"agency"}, change=set(), export=CITY_FINANCE), personas=[username]
    )


@pytest.mark.parametrize("username", PERSONAS)
def test_the_experts_own_entry(username):
    record = Expert.objects.get(user__username="expert")
    check_reach(
        record, EXPERT, Reach(view=CITY_FINANCE | {"expert"}, change={"perf"}, export=CITY_FINANCE), personas=[username]
    )


@pytest.mark.parametrize("username", ["perf", "county_perf", "agency", "expert", "edu_reviewer", "budget", "public"])
def test_a_draw(username):
    from agencies.models import ExpertField

    made = draw.draw_experts(
        keeper=perf_section(),
        evaluated=org("示范市教育局"),
        field=ExpertField.objects.get(code="education"),
        count=2,
        user=user("perf"),
        seed=5,
        purpose="矩阵测试抽取",
    )
    check_reach(made, DRAW, Reach(view=CITY_FINANCE, change=None), personas=[username])


def test_another_regions_performance_section_sees_nothing_of_the_city(client_as):
    client = client_as("county_perf")
    for url in (
        "/api/agencies/",
        "/api/agency-contracts/",
        "/api/experts/",
        "/api/team-proposals/",
        "/api/deliverables/",
        "/api/ratings/",
        "/api/sanctions/",
        "/api/expert-draws/",
    ):
        response = client.get(url)
        assert response.status_code == 200, url
        assert response.json()["results"] == [], url


def test_the_agency_sees_only_its_own_deliverables(client_as):
    rows = client_as("agency").get("/api/deliverables/", {"page_size": 100}).json()["results"]
    assert rows and {r["contract"] for r in rows} <= set(
        AgencyContract.objects.filter(agency=profile()).values_list("pk", flat=True)
    )


def test_the_agency_cannot_change_another_agencys_contract_or_team(client_as):
    other = AgencyContract.objects.exclude(agency=profile()).first()
    client = client_as("agency")
    assert client.get(f"/agencies/contracts/{other.pk}/").status_code == 404
    assert client.get(f"/agencies/contracts/{other.pk}/teams/new/").status_code == 404
    assert client.post(f"/agencies/contracts/{other.pk}/deliverables/upload/", {}).status_code == 404
    assert (
        client.post("/api/team-proposals/", {"contract": other.pk}, content_type="application/json").status_code == 400
    )

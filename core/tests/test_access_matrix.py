"""The persona matrix of the access gate (issue 2 §3): who sees which organisation's records,
through the pages and through the API, and 404 — never 403 — outside one's reach."""

import pytest

from accounts.models import User
from core import access
from core.testing import PAGE_REACH, PERSONAS, SEES_SCHOOL, SURFACES, Reach, Surface, check_reach
from organisations.models import Organisation

pytestmark = pytest.mark.django_db


def org(name: str) -> Organisation:
    return Organisation.objects.get(name=name)


SCHOOL = "示范市第一中学"  # core.testing.SCHOOL
SCHOOL_SUB = "示范市第一中学分部"
OTHER_SCHOOL = "示范市第二中学"
EDU = "示范市教育局"
HOSPITAL = "示范市人民医院"
HEALTH = "示范市卫生健康委员会"
COUNTY_SCHOOL = "示范市中区第一中学"
AGENCY = "示范绩效评价咨询有限公司"

# persona → (organisations it must see, organisations it must not see)
MATRIX = {
    "edu_preparer": ({SCHOOL}, {OTHER_SCHOOL, EDU, HOSPITAL, SCHOOL_SUB}),
    "edu_head": ({SCHOOL}, {OTHER_SCHOOL, HOSPITAL}),
    "edu_reviewer": ({EDU, SCHOOL, SCHOOL_SUB, OTHER_SCHOOL}, {HOSPITAL, HEALTH, COUNTY_SCHOOL}),
    "health_reviewer": ({HEALTH, HOSPITAL}, {EDU, SCHOOL}),
    "desk_edu": ({EDU, SCHOOL, SCHOOL_SUB}, {HEALTH, HOSPITAL, COUNTY_SCHOOL}),
    "desk_social": ({HEALTH, HOSPITAL}, {EDU, SCHOOL}),
    "perf": ({EDU, SCHOOL, HEALTH, HOSPITAL, COUNTY_SCHOOL}, set()),
    "budget": ({EDU, HOSPITAL, COUNTY_SCHOOL}, set()),
    "treasury": ({EDU, HOSPITAL}, set()),
    "leader": ({EDU, HOSPITAL, COUNTY_SCHOOL}, set()),
    "auditor": ({EDU, SCHOOL, HOSPITAL, COUNTY_SCHOOL}, set()),
    "county_perf": ({COUNTY_SCHOOL}, {EDU, SCHOOL, HOSPITAL}),
    "county_reviewer": ({COUNTY_SCHOOL}, {SCHOOL, EDU}),
    "health_head": ({HOSPITAL}, {HEALTH, EDU, SCHOOL}),
    "county_desk": ({COUNTY_SCHOOL}, {SCHOOL, EDU, HOSPITAL}),
    "agency": (set(), {EDU, SCHOOL, HOSPITAL}),
    "expert": (set(), {EDU, SCHOOL}),
    "provider": (set(), {EDU, SCHOOL}),
    "public": (set(), {EDU, SCHOOL}),
    "auditadmin": (set(), {EDU, SCHOOL}),
}


@pytest.mark.parametrize("username", sorted(MATRIX))
def test_gate_reach_per_persona(username):
    user = User.objects.get(username=username)
    visible = set(access.restrict(Organisation.objects.all(), user).values_list("name", flat=True))
    must_see, must_not_see = MATRIX[username]
    assert must_see <= visible, f"{username} should see {must_see - visible}"
    assert not (must_not_see & visible), f"{username} must not see {must_not_see & visible}"


def _personas_of(name: str) -> tuple[list[str], set[str]]:
    """The personas the matrix says something about for organisation ``name``, and those of them that see it."""
    named = [u for u, (see, not_see) in MATRIX.items() if name in see | not_see]
    return named, {u for u in named if name in MATRIX[u][0]}


ORGANISATIONS = sorted({name for see, not_see in MATRIX.values() for name in see | not_see})


@pytest.mark.parametrize("name", ORGANISATIONS)
def test_pages_and_api_answer_404_outside_reach(name):
    """Each organisation of the matrix through its pages (list, detail, export) and the API (list, detail), for every
    persona the matrix names for it (core.testing.check_reach; who may edit is test_audit_office_… and
    organisations/tests)."""
    named, seeing = _personas_of(name)
    check_reach(org(name), SURFACES["organisations.organisation"], Reach(view=seeing, change=None), personas=named)


def test_audit_office_reads_but_changes_nothing(client_as):
    # seed 001 第七条: the audit department supervises; it changes nothing.
    client = client_as("auditor")
    school = org(SCHOOL)
    assert client.get(f"/api/organisations/{school.pk}/").status_code == 200
    response = client.patch(f"/api/organisations/{school.pk}/", {"phone": "123"}, content_type="application/json")
    assert response.status_code == 403
    assert client.get(f"/organisations/{school.pk}/edit/").status_code == 404
    school.refresh_from_db()
    assert school.phone != "123"


def test_unauthenticated_api_is_refused(client):
    assert client.get("/api/organisations/").status_code in (401, 403)


def test_administrators_reach_no_business_records_but_manage_accounts(persona):
    sysadmin = persona("sysadmin")
    assert access.restrict(Organisation.objects.all(), sysadmin, "manage").filter(name=SCHOOL).exists()
    assert not access.has_capability(sysadmin, "read_audit")
    assert not access.has_capability(sysadmin, "manage_roles")
    secadmin = persona("secadmin")
    assert access.has_capability(secadmin, "manage_roles")
    assert not access.has_capability(secadmin, "read_audit")
    assert not access.has_capability(secadmin, "manage_accounts")
    auditadmin = persona("auditadmin")
    assert access.has_capability(auditadmin, "read_audit")
    assert not access.restrict(Organisation.objects.all(), auditadmin).exists()


@pytest.mark.parametrize("username", ["perf", "edu_reviewer", "auditor", "leader"])
def test_business_roles_do_not_reach_user_accounts(username, client_as, persona):
    target = persona("edu_preparer")
    client = client_as(username)
    assert client.get(f"/accounts/users/{target.pk}/").status_code == 404
    assert client.get(f"/api/users/{target.pk}/").status_code == 404
    assert client.get("/api/users/").json()["count"] == 0


def _school_record(label: str):
    """The first record of ``label`` that belongs to the school (through the model's access_org_field)."""
    from django.apps import apps

    model = apps.get_model(label)
    field = model.access_org_field
    record = model.objects.filter(**{f"{field}__name": SCHOOL}).order_by("pk").first()
    assert record is not None, f"the demo has no {label} of {SCHOOL}"
    return record


# The lifecycle documents follow the same matrix as organisations: the school's records are seen exactly by
# the personas that see the school (ADR 0002, core.testing.SEES_SCHOOL), and their pages answer 404 to everyone
# else. Every surface of each (lists, edit, downloads, export, API) is in the app's own matrix test.
LIFECYCLE_MODELS = [
    "subjects.subject",
    "targets.targetsheet",
    "monitoring.monitoringtable",
    "monitoring.performancewarning",
    "execution.payment",
]


def test_the_school_reach_agrees_with_the_matrix():
    for username, (must_see, must_not_see) in MATRIX.items():
        if SCHOOL in must_see:
            assert username in SEES_SCHOOL, username
        if SCHOOL in must_not_see or not must_see:
            assert username not in SEES_SCHOOL, username


@pytest.mark.parametrize("label", LIFECYCLE_MODELS)
def test_lifecycle_records_follow_the_matrix(label):
    record = _school_record(label)
    for username in PERSONAS:
        seen = access.can(User.objects.get(username=username), "view", record)
        assert seen == (username in SEES_SCHOOL), f"{username} {'sees' if seen else 'does not see'} {label} {record.pk}"
    surface = SURFACES[label]
    if surface.detail:
        check_reach(record, Surface(name=surface.name, detail=surface.detail), Reach(view=SEES_SCHOOL, change=None))


@pytest.mark.parametrize("url", sorted(PAGE_REACH))
def test_list_pages_of_one_role_answer_404_to_everyone_else(url):
    """core.testing.PAGE_REACH: e.g. 无人办理的文档 opens for the system administrator only."""
    from core.testing import client_for, page_reach_of

    mismatches = [row for username in PERSONAS for row in page_reach_of(client_for(username), username, url)]
    assert not mismatches, "\n".join(
        f"  {who:16} {where:10} {u}  expected {e}, got {g}" for who, where, u, e, g in mismatches
    )

import pytest
from django.core.exceptions import ValidationError

from audit.models import AuditEntry
from core import access, services
from organisations.choices import OrgKind
from organisations.models import DeskResponsibility, Organisation, Region

pytestmark = pytest.mark.django_db


def test_region_code_must_be_six_digits_and_below_its_parent():
    city = Region.objects.get(code="990100")
    with pytest.raises(ValidationError, match="6 位数字"):
        Region(code="99010", name="坏", level=3, parent=city).full_clean()
    with pytest.raises(ValidationError, match="级次"):
        Region(code="990199", name="坏", level=2, parent=city).full_clean()


def test_unit_paths_follow_their_department():
    school = Organisation.objects.get(name="示范市第一中学分部")
    dept = Organisation.objects.get(name="示范市教育局")
    assert school.department == dept
    assert school.path.startswith(dept.path)


def test_moving_a_unit_moves_its_subtree():
    school = Organisation.objects.get(name="示范市第一中学")
    health = Organisation.objects.get(name="示范市卫生健康委员会")
    services.update_record(school, {"parent": health}, reason="划转")
    sub = Organisation.objects.get(name="示范市第一中学分部")
    assert sub.department == health and sub.path.startswith(health.path)


def test_budget_code_rules():
    dept = Organisation.objects.get(name="示范市教育局")
    unit = Organisation(name="新单位", kind=OrgKind.UNIT, region=dept.region, parent=dept, budget_code="")
    with pytest.raises(ValidationError, match="预算编码"):
        unit.full_clean()
    unit.budget_code = "12A"
    with pytest.raises(ValidationError, match="只能包含数字"):
        unit.full_clean()


def test_a_department_has_no_parent_and_a_section_belongs_to_a_bureau():
    dept = Organisation.objects.get(name="示范市教育局")
    with pytest.raises(ValidationError):
        Organisation(name="x", kind=OrgKind.DEPARTMENT, region=dept.region, parent=dept, budget_code="999").full_clean()
    with pytest.raises(ValidationError, match="财政局"):
        Organisation(
            name="x", kind=OrgKind.FINANCE_SECTION, section_kind="desk", region=dept.region, parent=dept
        ).full_clean()


def test_desk_reassignment_changes_what_the_desk_sees(client_as, persona):
    social_desk = Organisation.objects.get(name="示范市财政局社会保障科")
    edu = Organisation.objects.get(name="示范市教育局")
    desk_social = persona("desk_social")
    assert not access.can(desk_social, "view", edu)
    response = client_as("sysadmin").post(
        f"/organisations/{social_desk.pk}/desk/", {"department": edu.pk, "reason": "职能调整"}
    )
    assert response.status_code == 302
    assert DeskResponsibility.objects.get(department=edu).desk == social_desk
    desk_social = persona("desk_social")
    assert access.can(desk_social, "view", edu)
    assert AuditEntry.objects.filter(object_type="organisations.deskresponsibility", reason="职能调整").exists()


def test_only_the_system_admin_creates_organisations(client_as):
    dept = Organisation.objects.get(name="示范市教育局")
    data = {
        "name": "示范市新学校",
        "kind": "unit",
        "region": dept.region_id,
        "parent": dept.pk,
        "budget_code": "101099",
        "is_active": "on",
        "sort_order": 0,
    }
    assert client_as("perf").post("/organisations/new/", data).status_code == 404
    assert client_as("sysadmin").post("/organisations/new/", data).status_code == 302
    assert Organisation.objects.filter(name="示范市新学校", department=dept).exists()


def test_api_create_runs_model_validation(client_as):
    dept = Organisation.objects.get(name="示范市教育局")
    client = client_as("sysadmin")
    response = client.post(
        "/api/organisations/",
        {"name": "坏单位", "kind": "unit", "region": dept.region_id, "parent": dept.pk, "budget_code": "AB"},
        content_type="application/json",
    )
    assert response.status_code == 400
    assert "只能包含数字" in response.content.decode()
    response = client.post(
        "/api/organisations/",
        {"name": "好单位", "kind": "unit", "region": dept.region_id, "parent": dept.pk, "budget_code": "101098"},
        content_type="application/json",
    )
    assert response.status_code == 201, response.content
    assert AuditEntry.objects.filter(object_repr="好单位", action="create").exists()


def test_api_token_authentication(client):
    response = client.post(
        "/api/token/", {"username": "perf", "password": "Jixiao@2026"}, content_type="application/json"
    )
    token = response.json()["token"]
    listed = client.get("/api/organisations/", HTTP_AUTHORIZATION=f"Token {token}")
    assert listed.status_code == 200 and listed.json()["count"] > 0
    refused = client.post(
        "/api/token/", {"username": "sysadmin", "password": "Jixiao@2026"}, content_type="application/json"
    )
    assert refused.status_code == 403

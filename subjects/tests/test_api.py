"""/api/subjects/: same gate, validation and actions as the pages; 409 on a stale version."""

import pytest

from subjects.choices import LibraryStage
from subjects.models import Subject, SubjectYearAmount
from subjects.tests.helpers import SCHOOL, fresh, make_subject, org, walk_to_admission

pytestmark = pytest.mark.django_db


def payload(**extra) -> dict:
    data = {
        "name": "接口新建的项目",
        "kind": "project",
        "organisation": org(SCHOOL).pk,
        "fiscal_year": 2026,
        "start_year": 2026,
        "end_year": 2026,
        "duration": "one_off",
        "budget_kind": "general",
        "fund_sources": ["local"],
        "function_subject_code": "2050203",
        "category": "administrative",
        "sub_category": "maintenance",
        "start_date": "2026-03-01",
        "end_date": "2026-10-31",
        "basis": "依据",
        "requested_amount": "250000.00",
    }
    data.update(extra)
    return data


def test_create_by_the_preparer_only_with_model_validation(client_as):
    response = client_as("edu_preparer").post("/api/subjects/", payload(), content_type="application/json")
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["code"].startswith("XM2026-") and body["year_amounts"][0]["requested_amount"] == "250000.00"
    assert body["stage"] == "pending" and body["needs_assessment"] is True  # is_new defaults to 新增
    bad = client_as("edu_preparer").post(
        "/api/subjects/",
        payload(name="坏的", sub_category="new_build", function_subject_code="12"),
        content_type="application/json",
    )
    assert bad.status_code == 400 and {"sub_category", "function_subject_code"} <= set(bad.json())
    assert (
        client_as("edu_reviewer")
        .post("/api/subjects/", payload(name="越权"), content_type="application/json")
        .status_code
        == 403
    )
    # finance-only fields are read-only for everyone through the API
    client_as("edu_preparer").post(
        "/api/subjects/",
        payload(name="带财政字段", finance_marked=True, stage="funded"),
        content_type="application/json",
    )
    stored = Subject.objects.get(name="带财政字段")
    assert not stored.finance_marked and stored.stage == LibraryStage.PENDING


def test_purchased_service_through_the_api(client_as):
    provider = org("示范物业服务有限公司")
    response = client_as("edu_preparer").post(
        "/api/subjects/",
        payload(
            name="接口购买服务",
            kind="purchased_service",
            purchased_service={
                "provider": provider.pk,
                "contract_amount": "100000.00",
                "on_guidance_catalogue": True,
                "outside_negative_list": True,
            },
        ),
        content_type="application/json",
    )
    assert response.status_code == 201, response.json()
    assert response.json()["purchased_service"]["provider"] == provider.pk
    missing = client_as("edu_preparer").post(
        "/api/subjects/", payload(name="缺购买信息", kind="purchased_service"), content_type="application/json"
    )
    assert missing.status_code == 400 and "purchased_service" in missing.json()


def test_chain_and_lifecycle_through_the_api(client_as, gate_open):
    subject = make_subject(name="接口走流程")
    url = f"/api/subjects/{subject.pk}"
    for username, action in (("edu_preparer", "submit"), ("edu_reviewer", "approve"), ("desk_edu", "approve")):
        version = client_as(username).get(f"{url}/").json()["version"]
        assert client_as(username).post(f"{url}/{action}/", {"version": version}).status_code == 200
    assert fresh(subject).stage == LibraryStage.ADMITTED
    version = fresh(subject).version
    assert client_as("edu_preparer").post(f"{url}/fund/", {"version": version, "amount": "1"}).status_code == 403
    assert client_as("health_preparer").post(f"{url}/fund/", {"version": version, "amount": "1"}).status_code == 404
    stale = client_as("budget").post(f"{url}/fund/", {"version": version - 1, "amount": "1"})
    assert stale.status_code == 409
    response = client_as("budget").post(f"{url}/fund/", {"version": version, "amount": "480000.00"})
    assert response.status_code == 200 and response.json()["stage"] == "funded"
    assert response.json()["year_amounts"][0]["arranged_amount"] == "480000.00"
    version = response.json()["version"]
    assert client_as("edu_head").post(f"{url}/start/", {"version": version}).json()["stage"] == "executing"
    bad = client_as("budget").post(f"{url}/terminate/", {"version": version + 1, "reason": ""})
    assert bad.status_code == 400
    done = client_as("budget").post(f"{url}/terminate/", {"version": version + 1, "reason": "政策调整"})
    assert done.json()["stage"] == "terminated"


def test_roll_over_through_the_api(client_as, gate_open):
    subject = walk_to_admission(make_subject(name="接口结转", duration="continuing", end_year=2027))
    url = f"/api/subjects/{subject.pk}"
    version = client_as("budget").post(f"{url}/fund/", {"version": subject.version, "amount": "1"}).json()["version"]
    response = client_as("edu_preparer").post(f"{url}/roll-over/", {"version": version, "amount": "600000"})
    assert response.status_code == 200 and response.json()["fiscal_year"] == 2027
    assert SubjectYearAmount.objects.get(subject=subject, fiscal_year=2027).requested_amount == 600000


# seed 000 第九条: a subject needing an assessment is not admitted through the API either
def test_seed000_art9_admission_refused_through_the_api(client_as, fallback_gate):
    subject = make_subject(name="接口须评估", is_new=True)
    url = f"/api/subjects/{subject.pk}"
    for username, action in (("edu_preparer", "submit"), ("edu_reviewer", "approve")):
        version = client_as(username).get(f"{url}/").json()["version"]
        client_as(username).post(f"{url}/{action}/", {"version": version})
    version = client_as("desk_edu").get(f"{url}/").json()["version"]
    response = client_as("desk_edu").post(f"{url}/approve/", {"version": version})
    assert response.status_code == 400 and "事前绩效评估" in str(response.json())
    assert fresh(subject).stage == LibraryStage.PENDING


def test_list_query_count(client_as, django_assert_max_num_queries):
    for i in range(5):
        make_subject(name=f"接口批量{i}")
    client = client_as("perf")
    client.get("/api/subjects/")
    with django_assert_max_num_queries(15):
        assert client.get("/api/subjects/?q=接口批量").status_code == 200

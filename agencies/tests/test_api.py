"""The register's API: creating through the same actions as the pages, and bodies of the wrong shape or out-of-range
values answered 400 with a Chinese message, never 500 (issue 17 §6)."""

import pytest

from agencies.demo import CONTRACT_1
from agencies.models import AgencyContract, AgencyStaff, Deliverable, ExpertDraw, ExpertField, Rating, TeamProposal
from agencies.tests.helpers import contract, org, profile

pytestmark = pytest.mark.django_db

JSON = "application/json"


def post(client, url, body):
    return client.post(url, body, content_type=JSON)


@pytest.mark.parametrize(
    "url",
    [
        "/api/agencies/",
        "/api/agency-staff/",
        "/api/agency-contracts/",
        "/api/team-proposals/",
        "/api/experts/",
        "/api/expert-draws/",
        "/api/ratings/",
        "/api/sanctions/",
    ],
)
@pytest.mark.parametrize("body", ["[1, 2]", '"text"', "42", "{}"])
def test_create_with_a_body_of_the_wrong_shape_is_400(client_as, url, body):
    response = post(client_as("perf"), url, body)
    assert response.status_code == 400, (url, body, response.status_code, response.content[:300])


@pytest.mark.parametrize(
    "url", ["/api/agencies/{profile}/", "/api/agency-contracts/{contract}/", "/api/team-proposals/{team}/"]
)
@pytest.mark.parametrize("body", ["[1]", '"x"'])
def test_patch_with_a_body_of_the_wrong_shape_is_400(client_as, url, body):
    team = TeamProposal.objects.get(contract__number=CONTRACT_1, in_force=True)
    filled = url.format(profile=profile().pk, contract=team.contract_id, team=team.pk)
    response = client_as("perf").patch(filled, body, content_type=JSON)
    assert response.status_code == 400, (filled, response.status_code)


@pytest.mark.parametrize(
    "url",
    [
        "/api/team-proposals/{team}/transition/",
        "/api/team-proposals/{team}/appraise/",
        "/api/deliverables/{deliverable}/decide/",
    ],
)
@pytest.mark.parametrize("body", ["[null]", '"text"', "{}", '{"version": "abc", "action": "fly", "decision": "maybe"}'])
def test_actions_with_a_bad_body_are_400(client_as, url, body):
    team = TeamProposal.objects.get(contract__number=CONTRACT_1, in_force=True)
    deliverable = Deliverable.objects.filter(contract=team.contract).first()
    response = post(client_as("perf"), url.format(team=team.pk, deliverable=deliverable.pk), body)
    assert response.status_code == 400, (url, body, response.status_code, response.content[:300])


def test_malformed_ids_are_404(client_as):
    client = client_as("perf")
    for url in (
        "/api/agencies/abc/",
        "/api/experts/1.5/",
        "/api/expert-draws/%20/",
        "/api/team-proposals/99999999999999999999/",
    ):
        assert client.get(url).status_code == 404, url


def test_a_draw_through_the_api_and_its_replay(client_as):
    client = client_as("perf")
    health = ExpertField.objects.get(code="health")
    response = post(
        client,
        "/api/expert-draws/",
        {"evaluated": org("示范市卫生健康委员会").pk, "field": health.pk, "count": 2, "seed": 99},
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["seed"] == 99 and len(body["drawn"]) == 2
    reasons = " ".join(row["reason"] for row in body["excluded"])
    assert "任职于被评价单位" in reasons  # the demo's doctor at 示范市人民医院
    replay = client.get(f"/api/expert-draws/{body['id']}/replay/").json()
    assert replay["same"] is True and sorted(replay["drawn"]) == sorted(d["id"] for d in body["drawn"])


def test_too_few_candidates_is_a_400_naming_how_many(client_as):
    before = ExpertDraw.objects.count()
    response = post(
        client_as("perf"),
        "/api/expert-draws/",
        {"evaluated": org("示范市卫生健康委员会").pk, "field": ExpertField.objects.get(code="costing").pk, "count": 30},
    )
    assert response.status_code == 400 and "可抽取的专家只有" in response.content.decode()
    assert ExpertDraw.objects.count() == before


@pytest.mark.parametrize("body", [{"count": 0}, {"count": "三"}, {"seed": -5}, {"seed": 2**63}, {"field": 999999}])
def test_draw_values_out_of_range_are_400(client_as, body):
    data = {"evaluated": org("示范市教育局").pk, "field": ExpertField.objects.get(code="education").pk, "count": 1}
    data.update(body)
    assert post(client_as("perf"), "/api/expert-draws/", data).status_code == 400


def test_a_draw_is_refused_to_who_does_not_keep_a_register(client_as):
    data = {"evaluated": org("示范市教育局").pk, "field": ExpertField.objects.get(code="education").pk, "count": 1}
    assert post(client_as("budget"), "/api/expert-draws/", data).status_code == 403


def test_rating_out_of_bounds_is_400_and_in_bounds_201(client_as):
    client = client_as("perf")
    bad = post(
        client, "/api/ratings/", {"agency": profile().pk, "work": "x", "quality": 45, "timeliness": 10, "conduct": 10}
    )
    assert bad.status_code == 400 and "quality" in bad.json()
    neither = post(client, "/api/ratings/", {"work": "x", "quality": 30, "timeliness": 10, "conduct": 10})
    assert neither.status_code == 400
    good = post(
        client,
        "/api/ratings/",
        {"agency": profile().pk, "work": "API 评价", "quality": 36, "timeliness": 25, "conduct": 26, "defects": 1},
    )
    assert good.status_code == 201 and good.json()["total"] == 87
    assert Rating.objects.filter(work="API 评价").exists()


def test_a_suspension_without_an_end_date_is_400(client_as):
    response = post(
        client_as("perf"), "/api/sanctions/", {"agency": profile().pk, "kind": "suspension", "reason": "违规"}
    )
    assert response.status_code == 400 and "截止日期" in response.content.decode()


def test_a_contract_and_a_team_through_the_api(client_as):
    perf, agency = client_as("perf"), client_as("agency")
    created = post(
        perf,
        "/api/agency-contracts/",
        {
            "agency": profile().pk,
            "commissioner": profile().organisation.pk,
            "number": "API-1",
            "title": "接口委托",
            "signed_on": "2026-02-01",
        },
    )
    assert created.status_code == 400  # the agency itself is no commissioner
    created = post(
        perf,
        "/api/agency-contracts/",
        {
            "agency": profile().pk,
            "commissioner": perf_org(),
            "number": "API-1",
            "title": "接口委托",
            "signed_on": "2026-02-01",
        },
    )
    assert created.status_code == 201, created.content
    contract_id = created.json()["id"]
    staff = {s.name: s.pk for s in AgencyStaff.objects.filter(agency=profile())}
    members = [
        {"staff": staff["蒋评价"], "role": "lead", "resident": True},
        {"staff": staff["林晓"], "role": "member", "resident": True},
    ]
    team = post(
        agency, "/api/team-proposals/", {"contract": contract_id, "conflict_statement": "无", "members": members}
    )
    assert team.status_code == 201, team.content
    body = team.json()
    assert any("不少于 3 人" in p for p in body["problems"])
    refused = post(
        agency, f"/api/team-proposals/{body['id']}/transition/", {"action": "submit", "version": body["version"]}
    )
    assert refused.status_code == 400 and "不少于 3 人" in refused.content.decode()
    members.append({"staff": staff["郭敏"], "role": "member", "resident": True})
    patched = agency.patch(
        f"/api/team-proposals/{body['id']}/", {"version": body["version"], "members": members}, content_type=JSON
    )
    assert patched.status_code == 200, patched.content
    version = patched.json()["version"]
    submitted = post(agency, f"/api/team-proposals/{body['id']}/transition/", {"action": "submit", "version": version})
    assert submitted.status_code == 200, submitted.content
    approved = post(
        perf,
        f"/api/team-proposals/{body['id']}/transition/",
        {"action": "approve", "version": submitted.json()["version"]},
    )
    assert approved.status_code == 200 and approved.json()["in_force"] is True
    stale = post(perf, f"/api/team-proposals/{body['id']}/transition/", {"action": "approve", "version": version})
    assert stale.status_code in (400, 409)


def perf_org():
    from agencies.tests.helpers import perf_section

    return perf_section().pk


def test_deliverable_decision_through_the_api(client_as, media_root):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from agencies.deliverables import DELIVERABLES
    from agencies.tests.helpers import user

    c = contract()
    item = DELIVERABLES.add(
        c, user("agency"), file=SimpleUploadedFile("a.pdf", b"%PDF-1.4\n"), kind="plan", title="方案", note=""
    )
    assert (
        post(client_as("agency"), f"/api/deliverables/{item.pk}/decide/", {"decision": "accepted"}).status_code == 403
    )
    missing = post(client_as("perf"), f"/api/deliverables/{item.pk}/decide/", {"decision": "returned"})
    assert missing.status_code == 400 and "退回意见" in missing.content.decode()
    done = post(client_as("perf"), f"/api/deliverables/{item.pk}/decide/", {"decision": "accepted", "note": "同意"})
    assert done.status_code == 200 and done.json()["decision"] == "accepted"


def test_an_expert_through_the_api(client_as):
    client = client_as("perf")
    education = ExpertField.objects.get(code="education").pk
    none = post(client, "/api/experts/", {"name": "接口专家", "employer_name": "示范大学", "field_ids": []})
    assert none.status_code == 400
    made = post(client, "/api/experts/", {"name": "接口专家", "employer_name": "示范大学", "field_ids": [education]})
    assert made.status_code == 201, made.content
    assert made.json()["keeper"] == perf_org()
    assert (
        client_as("county_perf")
        .patch(f"/api/experts/{made.json()['id']}/", {"name": "改"}, content_type=JSON)
        .status_code
        == 404
    )


def test_contract_numbers_are_unique_per_commissioner(client_as):
    client = client_as("perf")
    response = post(
        client,
        "/api/agency-contracts/",
        {
            "agency": profile().pk,
            "commissioner": perf_org(),
            "number": CONTRACT_1,
            "title": "重号",
            "signed_on": "2026-02-01",
        },
    )
    assert response.status_code == 400
    assert AgencyContract.objects.filter(number=CONTRACT_1).count() == 1

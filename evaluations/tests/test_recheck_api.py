"""The API of finance's spot re-check (seed 001 第二十一条): the draw with field messages, the blind rule (the unit's
scores omitted until submitted), save with an optimistic lock (409), submit, assign, the re-check of a given
self-evaluation (a subject outside the sample refused by name), and reach: out-of-reach ids 404, wrong shapes 400."""

from __future__ import annotations

from decimal import Decimal

import pytest

from core.testing import client_for
from evaluations import recheck_actions
from evaluations.choices import RecheckStatus
from evaluations.models import RecheckItem, RecheckSample
from evaluations.tests.self_helpers import fill_and_submit, form_of, funded_subject, open_round
from subjects.tests.helpers import user

pytestmark = pytest.mark.django_db
JSON = "application/json"


@pytest.fixture
def forms():
    subjects = [
        funded_subject(f"接口复核项目{i}", arranged=f"{(i + 1) * 100000}.00", allocated=f"{(i + 1) * 100000}.00")
        for i in range(3)
    ]
    evaluation_round = open_round()
    return evaluation_round, [fill_and_submit(form_of(evaluation_round, s)) for s in subjects]


@pytest.fixture
def sample(forms):
    return recheck_actions.draw_sample(user("perf"), forms[0], seed=2025, minimum=2)


def test_drawing_through_the_api(forms):
    evaluation_round, _ = forms
    perf = client_for("perf")
    response = perf.post(
        "/api/recheck-samples/", {"round": evaluation_round.pk, "share": "0.3", "seed": 42}, content_type=JSON
    )
    assert response.status_code == 201, response.content
    data = response.json()
    assert data["seed"] == 42 and data["item_count"] == 2 and data["share"] == "0.3000"
    again = perf.post("/api/recheck-samples/", {"round": evaluation_round.pk}, content_type=JSON)
    assert again.status_code == 400 and "本轮自评已经抽样" in again.json()["round"][0]
    assert perf.get(f"/api/recheck-samples/{data['id']}/").json()["seed"] == 42
    assert perf.get(f"/api/recheck-samples/{data['id']}/report/").status_code == 200


@pytest.mark.parametrize(
    ("body", "field", "message"),
    [
        ({"share": "0"}, "share", "抽查比例须大于 0"),
        ({"share": "1.5"}, "share", "抽查比例须大于 0"),
        ({"minimum": 0}, "minimum", ""),
        ({"seed": "abc"}, "seed", ""),
        ({"seed": 1.5}, "seed", ""),
        ({"flag_gap": "0"}, "flag_gap", "未复核提示线须大于 0"),
        ({"threshold_points": "-1"}, "threshold_points", "差异分值须大于 0"),
        ({"method": "lottery"}, "method", ""),
    ],
)
def test_bad_draws_are_400_naming_the_field(forms, body, field, message):
    evaluation_round, _ = forms
    response = client_for("perf").post(
        "/api/recheck-samples/", {"round": evaluation_round.pk, **body}, content_type=JSON
    )
    assert response.status_code == 400 and field in response.json()
    assert message in str(response.json()[field])
    assert not RecheckSample.objects.filter(round=evaluation_round).exists()


def test_wrong_shapes_are_400(forms, sample):
    perf = client_for("perf")
    assert perf.post("/api/recheck-samples/", [1, 2], content_type=JSON).status_code == 400
    item = sample.items.first()
    assert perf.patch(f"/api/rechecks/{item.pk}/", [None], content_type=JSON).status_code == 400
    assert perf.patch(f"/api/rechecks/{item.pk}/", {"rows": [None]}, content_type=JSON).status_code == 400
    assert perf.patch(f"/api/rechecks/{item.pk}/", {"rows": [{"actual": "1"}]}, content_type=JSON).status_code == 400
    assert perf.patch(f"/api/rechecks/{item.pk}/", {"opinion": "x"}, content_type=JSON).status_code == 400  # version
    assert perf.post(f"/api/rechecks/{item.pk}/submit/", {}, content_type=JSON).status_code == 400
    assert perf.post(f"/api/rechecks/{item.pk}/assign/", "[]", content_type=JSON).status_code == 400
    assert perf.get("/api/rechecks/for-evaluation/?evaluation=abc").status_code == 400


@pytest.mark.parametrize("username", ["county_perf", "edu_reviewer", "edu_preparer", "agency"])
def test_outsiders_neither_draw_nor_read(forms, sample, username):
    evaluation_round, _ = forms
    client = client_for(username)
    item = sample.items.first()
    assert client.get(f"/api/recheck-samples/{sample.pk}/").status_code == 404
    assert client.get(f"/api/rechecks/{item.pk}/").status_code == 404
    assert item.pk not in [r["id"] for r in client.get("/api/rechecks/", {"sample": sample.pk}).json()["results"]]
    response = client.patch(f"/api/rechecks/{item.pk}/", {"version": 1, "opinion": "x"}, content_type=JSON)
    assert response.status_code == 404
    response = client.post("/api/recheck-samples/", {"round": evaluation_round.pk}, content_type=JSON)
    assert response.status_code in (400, 403)  # the round out of reach (400 对象不存在) or not theirs to draw


def test_the_api_is_blind_until_submitted_then_shows_both(sample):
    perf = client_for("perf")
    item = sample.items.order_by("pk").first()
    data = perf.get(f"/api/rechecks/{item.pk}/").json()
    assert "self_score" not in data and "self_grade" not in data and "difference" not in data
    assert all(row["self_score"] is None for row in data["indicators"])
    assert data["indicators"][0]["unit_actual"]  # the unit's data is there
    rows = []
    for row in data["indicators"]:
        if row["kind"] == "qualitative":
            rows.append({"row": row["row"], "band": "partly", "share": "70"})
        else:
            rows.append({"row": row["row"], "actual": "1500" if row["name"] == "维修校舍面积" else row["target_value"]})
    saved = perf.patch(
        f"/api/rechecks/{item.pk}/",
        {"version": data["version"], "rows": rows, "opinion": "面积偏小"},
        content_type=JSON,
    )
    assert saved.status_code == 200, saved.content
    saved = saved.json()
    assert saved["version"] == data["version"] + 1 and saved["total_score"] is not None and "self_score" not in saved
    stale = perf.patch(f"/api/rechecks/{item.pk}/", {"version": data["version"], "opinion": "旧"}, content_type=JSON)
    assert stale.status_code == 409
    done = perf.post(f"/api/rechecks/{item.pk}/submit/", {"version": saved["version"]}, content_type=JSON)
    assert done.status_code == 200, done.content
    done = done.json()
    assert done["status"] == RecheckStatus.SUBMITTED and done["self_score"] is not None
    assert Decimal(done["difference"]) == Decimal(done["self_score"]) - Decimal(done["total_score"])
    assert any(row["self_score"] is not None for row in done["indicators"])
    listed = perf.get("/api/rechecks/", {"status": "pending"}).json()["results"]
    assert all("self_score" not in r for r in listed)


def test_a_bad_row_value_is_400_naming_the_row(sample):
    perf = client_for("perf")
    item = sample.items.order_by("pk").first()
    row = item.indicators.select_related("row").get(row__name="维修校舍面积")
    response = perf.patch(
        f"/api/rechecks/{item.pk}/",
        {"version": item.version, "rows": [{"row": row.row_id, "actual": "很多"}]},
        content_type=JSON,
    )
    assert response.status_code == 400 and "维修校舍面积" in str(response.json())
    foreign = perf.patch(
        f"/api/rechecks/{item.pk}/", {"version": item.version, "rows": [{"row": 99999999}]}, content_type=JSON
    )
    assert foreign.status_code == 400 and "不属于该复核" in str(foreign.json())


def test_the_recheck_of_a_self_evaluation_outside_the_sample_is_refused(forms, sample):
    _, all_forms = forms
    perf = client_for("perf")
    drawn = set(sample.items.values_list("evaluation_id", flat=True))
    inside = next(f for f in all_forms if f.pk in drawn)
    outside = next(f for f in all_forms if f.pk not in drawn)
    found = perf.get(f"/api/rechecks/for-evaluation/?evaluation={inside.pk}")
    assert found.status_code == 200 and found.json()["evaluation"] == inside.pk
    refused = perf.get(f"/api/rechecks/for-evaluation/?evaluation={outside.pk}")
    assert refused.status_code == 400
    assert f"{outside.subject.name}未被抽中，不能复核" in refused.json()["evaluation"][0]
    assert perf.get("/api/rechecks/for-evaluation/?evaluation=99999999").status_code == 404
    # the unit reads its own form, but not finance's re-check of it
    assert client_for("edu_preparer").get(f"/api/rechecks/for-evaluation/?evaluation={inside.pk}").status_code == 404


def test_assigning_an_agency_through_the_api(sample):
    perf = client_for("perf")
    first, second = list(sample.items.order_by("pk"))
    agency = user("agency").organisation
    response = perf.post(f"/api/rechecks/{first.pk}/assign/", {"agency": agency.pk}, content_type=JSON)
    assert response.status_code == 200, response.content
    assert response.json()["agency"] == agency.pk
    agency_client = client_for("agency")
    assert [r["id"] for r in agency_client.get("/api/rechecks/", {"sample": sample.pk}).json()["results"]] == [first.pk]
    assert agency_client.get(f"/api/rechecks/{second.pk}/").status_code == 404
    both = perf.post(
        f"/api/rechecks/{second.pk}/assign/", {"agency": agency.pk, "rechecker": user("perf").pk}, content_type=JSON
    )
    assert both.status_code == 400
    denied = client_for("agency").post(f"/api/rechecks/{first.pk}/assign/", {}, content_type=JSON)
    assert denied.status_code == 403  # only the organising performance section assigns
    # the agency re-checks, and perf (no longer assigned) may not
    item = RecheckItem.objects.get(pk=first.pk)
    assert (
        perf.patch(
            f"/api/rechecks/{first.pk}/", {"version": item.version, "opinion": "x"}, content_type=JSON
        ).status_code
        == 403
    )
    ok = agency_client.patch(f"/api/rechecks/{first.pk}/", {"version": item.version, "opinion": "x"}, content_type=JSON)
    assert ok.status_code == 200

"""The scoring API (/api/key-score-sheets/, issue 14 §"API": scores behind the gate): the scorer's own sheet (read,
PATCH, submit), blind scoring in the API too, the organiser's progress list, the aggregate and closing; bodies of the
wrong shape are 400 with a Chinese message, never 500; out of reach is 404."""

from decimal import Decimal

import pytest

from core.testing import client_for
from keyevals import scoring_actions
from keyevals.models import KeyStatus, SheetStatus
from keyevals.tests.scoring_helpers import experts, make_evaluation, score, sheet_of, user

pytestmark = pytest.mark.django_db
BASE = "/api/key-score-sheets/"
SECRET = "乙专家的保密意见"


@pytest.fixture
def case():
    evaluation = make_evaluation(title="接口评分测试")
    a, b = experts(evaluation, 2, prefix="api")
    score(evaluation, b, ["17.77", "19", "28", "30"], comment=SECRET)
    sheet_of(evaluation, a)
    return evaluation, a, b


def ids(response):
    body = response.json()
    return {row["id"] for row in (body["results"] if isinstance(body, dict) else body)}


def rows(evaluation, *points, comment="扣分理由"):
    return [
        {"indicator": i.pk, "points": str(p), "comment": comment}
        for i, p in zip(evaluation.indicators.order_by("order"), points, strict=True)
    ]


def test_a_scorer_lists_and_reads_only_the_own_sheet_while_scoring(case):
    evaluation, a, b = case
    mine = scoring_actions.own_sheet(evaluation, a)
    theirs = scoring_actions.own_sheet(evaluation, b)
    client = client_for(a)
    listed = client.get(BASE)
    assert listed.status_code == 200 and mine.pk in ids(listed) and theirs.pk not in ids(listed)
    assert client.get(f"{BASE}{theirs.pk}/").status_code == 404
    own = client.get(f"{BASE}{mine.pk}/").json()
    assert own["own"] is True and len(own["scores"]) == 4 and own["scores"][0]["name"] == "立项依据充分性"
    assert SECRET not in client.get(BASE).content.decode()
    assert client.get(f"{BASE}mine/", {"evaluation": evaluation.pk}).json()["id"] == mine.pk


def test_the_organiser_lists_progress_without_points_until_closed(case):
    evaluation, _a, _b = case
    perf = client_for("perf")
    body = perf.get(BASE, {"page_size": 500}).json()
    found = [row for row in body["results"] if row["evaluation"] == evaluation.pk]
    assert {row["status"] for row in found} == {"draft", "submitted"}
    assert all("scores" not in row for row in found)  # not even an empty list
    assert SECRET not in perf.get(BASE, {"page_size": 500}).content.decode()


def test_save_and_submit_through_the_api(case):
    evaluation, a, _b = case
    client = client_for(a)
    sheet = scoring_actions.own_sheet(evaluation, a)
    url = f"{BASE}{sheet.pk}/"
    saved = client.patch(
        url, {"version": sheet.version, "scores": rows(evaluation, 20, 18, 30, 29)}, "application/json"
    )
    assert saved.status_code == 200, saved.content
    assert saved.json()["version"] == sheet.version + 1
    assert saved.json()["scores"][1]["points"] == "18.00"
    stale = client.patch(url, {"version": sheet.version, "scores": []}, "application/json")
    assert stale.status_code == 409
    submitted = client.post(f"{url}submit/", {"version": sheet.version + 1}, "application/json")
    assert submitted.status_code == 200 and submitted.json()["status"] == SheetStatus.SUBMITTED
    again = client.post(f"{url}submit/", {"version": sheet.version + 2}, "application/json")
    assert again.status_code == 400 and "已提交" in again.json()["non_field_errors"][0]


@pytest.mark.parametrize(
    ("body", "field", "text"),
    [
        ([1, 2], "non_field_errors", "请求体应为 JSON 对象"),
        ({"scores": []}, "version", ""),
        ({"version": "x"}, "version", ""),
        ({"version": 1, "scores": "abc"}, "scores", ""),
        ({"version": 1, "scores": [1]}, "scores", "第 1 行应为 JSON 对象"),
        ({"version": 1, "scores": [{"points": "1"}]}, "scores", "第 1 行缺少 indicator"),
        ({"version": 1, "scores": [{"indicator": "abc"}]}, "scores", ""),
    ],
)
def test_bodies_of_the_wrong_shape_are_400(case, body, field, text):
    evaluation, a, _b = case
    sheet = scoring_actions.own_sheet(evaluation, a)
    response = client_for(a).patch(f"{BASE}{sheet.pk}/", body, "application/json")
    assert response.status_code == 400, response.content
    assert field in response.json()
    assert text in str(response.json()[field])


def test_bad_points_are_400_naming_the_indicator_and_change_nothing(case):
    evaluation, a, _b = case
    sheet = scoring_actions.own_sheet(evaluation, a)
    response = client_for(a).patch(
        f"{BASE}{sheet.pk}/",
        {"version": sheet.version, "scores": rows(evaluation, 21, "-1", "x", 30)},
        "application/json",
    )
    assert response.status_code == 400
    problems = response.json()["scores"]
    assert "第 1 项指标“立项依据充分性”：得分不能超过该指标分值 20 分，现为 21" in problems
    assert "第 2 项指标“资金使用合规性”：得分不能为负数，现为 -1" in problems
    assert "第 3 项指标“实际完成率”：得分须为数字，现为“x”" in problems
    sheet.refresh_from_db()
    assert sheet.version == 1


def test_someone_elses_sheet_is_403_for_the_organiser_and_404_for_the_others(case):
    evaluation, a, b = case
    sheet = scoring_actions.own_sheet(evaluation, a)
    body = {"version": sheet.version, "scores": rows(evaluation, 1, 1, 1, 1)}
    assert client_for("perf").patch(f"{BASE}{sheet.pk}/", body, "application/json").status_code == 403
    assert client_for(b).patch(f"{BASE}{sheet.pk}/", body, "application/json").status_code == 404
    assert client_for("county_perf").get(f"{BASE}{sheet.pk}/").status_code == 404
    assert client_for("agency").get(f"{BASE}{sheet.pk}/").status_code == 404


def test_mine_and_aggregate_need_an_evaluation_in_reach(case):
    evaluation, a, _b = case
    client = client_for(a)
    assert client.get(f"{BASE}mine/").status_code == 400
    assert client.get(f"{BASE}mine/", {"evaluation": "1e3"}).status_code == 400
    assert client.get(f"{BASE}aggregate/", {"evaluation": "abc"}).status_code == 400
    assert client_for("county_perf").get(f"{BASE}aggregate/", {"evaluation": evaluation.pk}).status_code == 404
    assert client_for("leader").get(f"{BASE}mine/", {"evaluation": evaluation.pk}).status_code == 404  # not a scorer


def test_the_aggregate_is_blind_until_submitted_and_individual_only_once_closed(case):
    evaluation, a, _b = case
    url = f"{BASE}aggregate/"
    blind = client_for(a).get(url, {"evaluation": evaluation.pk}).json()
    assert blind["aggregate"] is None and "提交本人评分表后" in blind["detail"]
    assert blind["submitted"] == 1 and blind["scorers"] == 2 and "progress" not in blind
    assert "17.77" not in str(blind) and SECRET not in str(blind)
    organiser = client_for("perf").get(url, {"evaluation": evaluation.pk}).json()
    assert organiser["aggregate"] is None and {p["name"] for p in organiser["progress"]} == {"专家1", "专家2"}
    score(evaluation, a, ["20", "20", "30", "30"])
    submitted = client_for(a).get(url, {"evaluation": evaluation.pk}).json()
    first = submitted["aggregate"]["indicators"][0]
    assert first["aggregate"] == "18.89" and "scores" not in first  # (17.77 + 20) / 2 = 18.885 → 18.89
    assert SECRET not in str(submitted)
    evaluation.refresh_from_db()
    closed = client_for("perf").post(
        f"{BASE}close/", {"evaluation": evaluation.pk, "version": evaluation.version}, "application/json"
    )
    assert closed.status_code == 200, closed.content
    body = closed.json()
    assert body["closed"] and body["aggregate"]["total"] == "97.39" and body["aggregate"]["grade"] == "优"
    assert SECRET in str(body) and len(body["aggregate"]["scorers"]) == 2
    evaluation.refresh_from_db()
    assert evaluation.status == KeyStatus.REPORTING and evaluation.total_score == Decimal("97.39")


def test_closing_through_the_api_is_refused_for_a_scorer_and_while_open(case):
    evaluation, a, _b = case
    body = {"evaluation": evaluation.pk, "version": evaluation.version}
    assert client_for(a).post(f"{BASE}close/", body, "application/json").status_code == 403
    refused = client_for("perf").post(f"{BASE}close/", body, "application/json")
    assert refused.status_code == 400 and "评分人尚未全部提交评分" in str(refused.json())
    assert client_for("perf").post(f"{BASE}close/", [1], "application/json").status_code == 400
    assert client_for("perf").post(f"{BASE}close/", {"evaluation": "x"}, "application/json").status_code == 400
    assert user("perf") is not None

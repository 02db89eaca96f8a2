"""自评情况看板 (issue 13 "Status board"; seed 001 第二十一条): the counts against a hand-built round, lateness as
``SelfEvaluation.is_late`` says, the distributions of the submitted forms, and the reach of each persona (the gate)."""

from __future__ import annotations

import datetime
import json

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from core import clock
from evaluations import board
from evaluations.models import SelfEvaluation
from evaluations.tests.self_helpers import YEAR, fill_and_submit, form_of, funded_subject, open_round
from organisations.models import Organisation
from subjects.tests.helpers import user
from workflow import actions as workflow

pytestmark = pytest.mark.django_db

DUE = datetime.date(YEAR + 1, 3, 31)
ON_TIME = datetime.date(YEAR + 1, 3, 20)
LATE = datetime.date(YEAR + 1, 4, 10)
MISSED = {"维修校舍面积": {"actual": "1500"}, "工程验收合格率": {"actual": "60"}}  # a lower score


def _school():
    return Organisation.objects.get(name="示范市第一中学")


def _hospital():
    return Organisation.objects.get(name="示范市人民医院")


@pytest.fixture
def round_():
    """Six forms of the school (教育局) and two of the hospital (卫健委):
    school — approved on time (优), submitted late and waiting at the head, returned by the head after an on-time
    submission, two untouched drafts; hospital — submitted on time with a lower score, one untouched draft."""
    school = [funded_subject(f"看板测试学校项目{i}") for i in range(5)]
    hospital = [
        funded_subject(f"看板测试医院项目{i}", organisation=_hospital(), by="health_preparer") for i in range(2)
    ]
    evaluation_round = open_round(due_date=DUE)
    forms = {s.name: form_of(evaluation_round, s) for s in school + hospital}
    with clock.pinned(ON_TIME):
        approved = fill_and_submit(forms["看板测试学校项目0"])
        for persona in ("edu_head", "edu_reviewer", "desk_edu", "perf"):
            approved = SelfEvaluation.objects.select_related("round").get(pk=approved.pk)
            workflow.approve(approved, user(persona), approved.version, "同意")
        returned = fill_and_submit(forms["看板测试学校项目2"])
        workflow.return_to(returned, user("edu_head"), returned.version, 0, "请补充佐证")
        fill_and_submit(forms["看板测试医院项目0"], MISSED, by="health_preparer")
    with clock.pinned(LATE):
        fill_and_submit(forms["看板测试学校项目1"])
    return evaluation_round


def _counts(row) -> dict:
    return {k: getattr(row, k) for k in board.COUNTERS}


def test_counts_of_a_hand_built_round(round_):
    # Given the round above, on the demo date (after the due date)
    result = board.build(user("perf"), YEAR)
    # Then: 7 forms; 4 sent (the returned one too); 3 never sent and overdue; one sent late
    assert _counts(result.total) == {
        "total": 7,
        "submitted": 4,
        "late_unsubmitted": 3,
        "late_submitted": 1,
        "in_review": 2,
        "returned": 1,
        "approved": 1,
    }
    assert result.total.late == 4 and result.total.not_submitted == 3
    departments = {r.name: _counts(r) for r in result.departments}
    assert departments["示范市教育局"]["total"] == 5 and departments["示范市教育局"]["late_submitted"] == 1
    assert departments["示范市卫生健康委员会"] == {
        "total": 2,
        "submitted": 1,
        "late_unsubmitted": 1,
        "late_submitted": 0,
        "in_review": 1,
        "returned": 0,
        "approved": 0,
    }
    assert [(r.name, r.total) for r in result.regions] == [("示范市", 7)]


def test_lateness_matches_the_model(round_):
    forms = SelfEvaluation.objects.filter(round=round_).select_related("round")
    late = sum(1 for f in forms if f.is_late)
    result = board.build(user("perf"), YEAR)
    assert result.total.late == late == 4


def test_nothing_is_overdue_before_the_due_date(round_):
    with clock.pinned(DUE):  # on the due date itself nobody is late yet (逾期 = after it)
        result = board.build(user("perf"), YEAR)
    assert result.total.late_unsubmitted == 0
    assert result.total.late_submitted == 1  # submitted after the due date: judged by its submission, whenever read


def test_distributions_count_submitted_forms_only(round_):
    result = board.build(user("perf"), YEAR)
    scores = dict(result.scores)
    grades = dict(result.grades)
    # four submitted forms are scored: three fully met (优), the hospital's with shortfalls
    assert sum(scores.values()) == 4 and sum(grades.values()) == 4
    assert grades["优"] == 3
    hospital = SelfEvaluation.objects.get(round=round_, subject__name="看板测试医院项目0")
    assert grades[hospital.grade] >= 1 and hospital.grade != "优"
    assert scores["90 分以上"] == 3


def test_the_board_is_three_queries(round_):
    perf = user("perf")
    board.build(perf, YEAR)  # the user's role assignments are read once and kept on the user
    with CaptureQueriesContext(connection) as captured:
        board.build(perf, YEAR)
    assert len(captured) == 3  # totals with distributions, by region, by department


@pytest.mark.parametrize(
    "who, total, departments",
    [
        ("perf", 7, {"示范市教育局", "示范市卫生健康委员会"}),
        ("leader", 7, {"示范市教育局", "示范市卫生健康委员会"}),
        ("edu_reviewer", 5, {"示范市教育局"}),  # its own department only
        ("desk_edu", 5, {"示范市教育局"}),  # the departments of its desk
        ("desk_social", 2, {"示范市卫生健康委员会"}),
        ("health_preparer", 2, {"示范市卫生健康委员会"}),  # its own unit
        ("county_perf", 0, set()),  # another region
    ],
)
def test_reach_per_persona(round_, who, total, departments):
    result = board.build(user(who), YEAR)
    assert result.total.total == total
    assert {r.name for r in result.departments} == departments


def test_page_and_api(round_, client_as):
    page = client_as("edu_reviewer").get(f"/evaluations/board/?year={YEAR}")
    assert page.status_code == 200
    html = page.content.decode()
    assert 'id="count-total">5<' in html and "示范市卫生健康委员会" not in html
    assert "echarts.min.js" in html and 'data-chart="grades"' in html
    api = client_as("perf").get(f"/api/self-evaluation-board/?fiscal_year={YEAR}")
    assert api.status_code == 200
    data = json.loads(api.content)
    assert data["total"]["total"] == 7 and data["total"]["late_unsubmitted"] == 3
    assert {d["name"] for d in data["departments"]} == {"示范市教育局", "示范市卫生健康委员会"}
    assert [g["grade"] for g in data["grades"]] == ["优", "良", "中", "差"]


def test_one_department_and_out_of_reach(round_, client_as):
    health = _hospital().department
    mine = client_as("perf").get(f"/evaluations/board/?year={YEAR}&department={health.pk}")
    assert 'id="count-total">2<' in mine.content.decode()
    # a department outside the reviewer's reach shows nothing (no names, no counts)
    other = client_as("edu_reviewer").get(f"/api/self-evaluation-board/?fiscal_year={YEAR}&department={health.pk}")
    assert json.loads(other.content)["total"]["total"] == 0
    page = client_as("edu_reviewer").get(f"/evaluations/board/?year={YEAR}&department={health.pk}").content.decode()
    assert "示范市卫生健康委员会" not in page


@pytest.mark.parametrize("who", ["auditadmin", "sysadmin", "public"])
def test_no_reach_is_404(round_, who, client_as):
    assert client_as(who).get("/evaluations/board/").status_code == 404
    # the API answers like an empty list: nothing in reach, nothing counted
    data = json.loads(client_as(who).get(f"/api/self-evaluation-board/?fiscal_year={YEAR}").content)
    assert data["total"]["total"] == 0 and data["departments"] == []


@pytest.mark.parametrize("query", ["fiscal_year=abc", "fiscal_year=20255", "department=x", "department=²"])
def test_bad_parameters_are_400(query, client_as):
    response = client_as("perf").get(f"/api/self-evaluation-board/?{query}")
    assert response.status_code == 400
    assert "应为" in response.content.decode()


def test_bad_page_parameters_fall_back(client_as):
    response = client_as("perf").get("/evaluations/board/?year=abc&department=%C2%B2")
    assert response.status_code == 200


def test_a_compiled_board_is_reused_only_for_the_same_question(round_):
    """The board's statements are compiled once per reach, department and business day (``core.compiled``): a
    later question with another reach, department or day gets its own figures, never the earlier ones."""
    perf = user("perf")
    whole = board.build(perf, YEAR).total.total
    department = Organisation.objects.get(name="示范市卫生健康委员会")
    one = board.build(perf, YEAR, department=department.pk).total.total
    assert 0 < one < whole
    assert board.build(user("edu_reviewer"), YEAR).total.total < whole
    assert board.build(perf, YEAR).total.total == whole
    with clock.pinned(DUE):
        early = board.build(perf, YEAR).total.late_unsubmitted
    assert early == 0 < board.build(perf, YEAR).total.late_unsubmitted

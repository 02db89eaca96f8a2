"""The re-check page's live score (seed 001 第二十一条 抽查复核): as the re-checker types, each row's 复核得分 with its
计分说明 and the total and grade follow (the engine's ``form_scoring.score_form`` through
``recheck_actions.score_item``), nothing saved, the unit's scores never shown before submission; only the re-checker
reaches it; a value the engine cannot read is named in Chinese, a body that is not the item's rows is a 400."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.urls import reverse

from core.testing import client_for
from evaluations import recheck_actions
from evaluations.models import RecheckItem
from evaluations.tests.self_helpers import fill_and_submit, form_of, funded_subject, open_round
from subjects.tests.helpers import user

pytestmark = pytest.mark.django_db


@pytest.fixture
def item():
    subjects = [funded_subject(f"实时复核项目{i}") for i in range(2)]
    evaluation_round = open_round()
    for subject in subjects:
        fill_and_submit(form_of(evaluation_round, subject))
    sample = recheck_actions.draw_sample(user("perf"), evaluation_round, seed=2025, minimum=2)
    item = sample.items.order_by("pk").first()
    RecheckItem.objects.filter(pk=item.pk).update(self_score=Decimal("87.65"), self_grade="良")
    return RecheckItem.objects.get(pk=item.pk)


def _post(item, overrides=None) -> dict:
    """The re-check page's formset as posted: every row at its target (a qualitative row 部分达成 70 %)."""
    data = {}
    for n, own in enumerate(item.indicators.select_related("row").order_by("row__order", "pk")):
        row = own.row
        data[f"rows-{n}-row_id"] = str(row.pk)
        data[f"rows-{n}-applicable"] = "on"
        if row.is_satisfaction:
            data[f"rows-{n}-surveyed"] = "on"
        if row.kind == "qualitative":
            data[f"rows-{n}-band"], data[f"rows-{n}-share"] = "partly", "70"
        else:
            data[f"rows-{n}-actual"] = (overrides or {}).get(row.name, row.target_value)
    data["rows-TOTAL_FORMS"] = data["rows-INITIAL_FORMS"] = str(item.indicators.count())
    return data


def _url(item) -> str:
    return reverse("evaluations:recheck_score", args=[item.pk])


def _row_cell(body: str, row_pk: int) -> str:
    """The row's score cell as sent (templates/evaluations/_recheck_row_score.html is one line)."""
    marker = f'id="recheck-row-score-{row_pk}"'
    assert marker in body, body
    return body.split(marker)[1].split("\n")[0]


def _typed(item, overrides=None) -> dict:
    """What ``_post`` types, as the engine takes it."""
    typed = {}
    for row in item.evaluation.indicators.all():
        values = {"applicable": True, "surveyed": True} if row.is_satisfaction else {"applicable": True}
        if row.kind == "qualitative":
            values.update(band="partly", share=Decimal("70"))
        else:
            values["actual"] = (overrides or {}).get(row.name, row.target_value)
        typed[row.pk] = values
    return typed


def test_each_rows_score_and_explanation_follow_what_is_typed_and_nothing_is_saved(item):
    area = item.evaluation.indicators.get(name="维修校舍面积")
    perf = client_for("perf")
    response = perf.post(_url(item), _post(item, {"维修校舍面积": "1500"}))
    assert response.status_code == 200
    body = response.content.decode()
    # the engine's score of the same values, row by row and in total
    expected = recheck_actions.score_item(item, _typed(item, {"维修校舍面积": "1500"}))
    scored = {r.pk: r for r in expected.rows}
    cell = _row_cell(body, area.pk)
    assert 'hx-swap-oob="true"' in cell and expected.evaluation.total is not None
    assert "10.00" in cell and scored[area.pk].result.explanation in cell  # 1500 ÷ 3000 × 20
    total = body.split('id="live-total"')[1][:40]
    assert f"<b>{expected.evaluation.total}</b>" in total
    assert expected.evaluation.grade in body.split('id="live-grade"')[1][:20]
    for row in item.evaluation.indicators.all():
        assert f'id="recheck-row-score-{row.pk}"' in body  # every row follows
    # typed again: the row and the total move
    full = perf.post(_url(item), _post(item)).content.decode()
    assert "20.00" in _row_cell(full, area.pk) and full != body
    # nothing saved
    fresh = RecheckItem.objects.get(pk=item.pk)
    assert fresh.version == item.version and fresh.total_score is None
    assert fresh.indicators.get(row=area).actual == "" and fresh.indicators.get(row=area).score is None


def test_the_units_scores_stay_hidden(item):
    body = client_for("perf").post(_url(item), _post(item)).content.decode()
    assert "87.65" not in body and "自评" not in body


def test_the_page_shows_the_row_cells_the_live_score_fills(item):
    page = client_for("perf").get(item.get_absolute_url()).content.decode()
    assert f'hx-post="{_url(item)}"' in page and 'hx-include="#recheck-form"' in page
    rows = page.split('id="recheck-rows"')[1]
    for row in item.evaluation.indicators.all():
        assert f'id="recheck-row-score-{row.pk}"' in rows
    assert "hx-swap-oob" not in page  # the page's own cells are swapped into, not swapping
    assert "<script>" not in page  # CSP: no inline script, htmx attributes only


def test_a_value_the_engine_cannot_read_is_named_in_chinese(item):
    perf = client_for("perf")
    response = perf.post(_url(item), _post(item, {"维修校舍面积": "很多"}))
    assert response.status_code == 200
    assert "“维修校舍面积”的“全年实际值”必须是数字，现为“很多”" in response.content.decode()
    qualitative = _post(item)
    key = next(k for k, v in qualitative.items() if v == "70")
    qualitative[key] = "七成"
    assert "必须是数字" in perf.post(_url(item), qualitative).content.decode()


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda d: d.pop("rows-TOTAL_FORMS"), "缺少指标行数"),
        (lambda d: d.update({"rows-0-row_id": "999999"}), "不属于该复核"),
        (lambda d: d.update({"rows-0-row_id": "abc"}), "第 1 项指标"),
        (lambda d: d.update({"rows-0-actual": "9" * 201}), "“复核实际值”"),
    ],
)
def test_a_body_that_is_not_the_items_rows_is_a_400_in_chinese(item, change, message):
    data = _post(item)
    change(data)
    response = client_for("perf").post(_url(item), data)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert RecheckItem.objects.get(pk=item.pk).version == item.version


def test_rows_of_another_recheck_are_refused(item):
    other = item.sample.items.exclude(pk=item.pk).first()
    data = _post(other)
    response = client_for("perf").post(_url(item), data)
    assert response.status_code == 400 and "不属于该复核" in response.content.decode()


@pytest.mark.parametrize("username", ["edu_preparer", "edu_reviewer", "health_preparer", "county_perf", "agency"])
def test_who_is_not_the_rechecker_gets_404(item, username):
    assert client_for(username).post(_url(item), _post(item)).status_code == 404


def test_only_the_assigned_rechecker_and_not_after_submission(item):
    recheck_actions.assign(user("perf"), item, agency=user("agency").organisation)
    item = RecheckItem.objects.get(pk=item.pk)
    assert client_for("perf").post(_url(item), _post(item)).status_code == 404  # assigned away
    agency = client_for("agency")
    assert agency.post(_url(item), _post(item)).status_code == 200
    data = {**_post(item), "version": str(item.version), "opinion": "已核实", "do": "submit"}
    assert agency.post(item.get_absolute_url(), data).status_code == 302
    assert agency.post(_url(item), _post(item)).status_code == 404  # submitted: nothing left to type
    assert client_for("agency").get(_url(item)).status_code in (404, 405)

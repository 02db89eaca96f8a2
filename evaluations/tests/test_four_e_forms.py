"""Purchased services scored by the 4E scheme in a self-evaluation round (issue 13; seed 002 六（二）: 政府购买服务的绩效
评价从经济性、效率性、有效性和公平性四个维度开展): the round's option, the opening's scheme and default dimensions, the
form scored by ``score_four_e`` with the sheet's weights rescaled within each dimension (*practice*, ADR 0040), the
unit's dimension on the page, the API and the Excel file, the refusal of a row without one, the spot re-check and the
Word report.

The worked example is the test subject of ``self_helpers`` (weights 产出 20 + 15 + 5, 成本 10, 效益 30, 满意度 10) as a
purchased service under the default split 经济性 20 / 效率性 25 / 有效性 35 / 公平性 20:
* 经济性: 维修改造成本 10 → 20; 效率性: 维修校舍面积 20 and 按期完工率 5 (already 25);
* 有效性: 工程验收合格率 15 → 11.67 and 消除校舍安全隐患 30 → 23.33 (35 − 11.67, the remainder to the last row);
* 公平性: 师生满意度 10 → 20.
"""

from __future__ import annotations

import io
from decimal import Decimal

import openpyxl
import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from docx import Document

from audit.models import AuditAction, AuditEntry
from core.testing import client_for
from evaluations import form_scoring, opening, recheck_actions, self_actions
from evaluations.choices import FormKind, FourE, SchemeKind
from evaluations.documents import report
from evaluations.documents.xlsx_layout import ACTUAL, DIMENSION, DIMENSION_HEADER, KEY_COLUMN, KEY_HEADER, SHEET_TITLE
from evaluations.models import SelfEvaluation, SelfEvaluationIndicator
from evaluations.tests.self_helpers import YEAR, fill_and_submit, form_of, funded_subject, open_round
from subjects.tests.helpers import user
from targets.choices import Level2
from workflow import actions as workflow

pytestmark = pytest.mark.django_db

D = Decimal
FORMS = "/api/self-evaluations/"
JSON = "application/json"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
DEFAULTS = {  # the opening's default dimension of each test row (FOUR_E_DEFAULTS, *practice*)
    "维修校舍面积": FourE.EFFICIENCY,  # 产出/数量
    "工程验收合格率": FourE.EFFECTIVENESS,  # 产出/质量
    "按期完工率": FourE.EFFICIENCY,  # 产出/时效
    "维修改造成本": FourE.ECONOMY,  # 成本/经济成本
    "消除校舍安全隐患": FourE.EFFECTIVENESS,  # 效益/社会效益
    "师生满意度": FourE.EQUITY,  # 满意度
}
# Worked values: 16 + 5 | 18 | 11.67 + 16.33 | 18 = 85.00, 良 (seed 000 第二十八条).
WORKED = {
    "维修校舍面积": {"actual": "2400"},  # 2400 ÷ 3000 × 20 = 16.00
    "工程验收合格率": {"actual": "100"},  # 11.67 (rescaled)
    "按期完工率": {"actual": "95"},  # 5.00
    "维修改造成本": {"actual": "50"},  # 45 ÷ 50 × 20 (rescaled from 10) = 18.00
    "消除校舍安全隐患": {"band": "partly", "share": "70"},  # 70 % × 23.33 = 16.331 → 16.33
    "师生满意度": {"actual": "81"},  # 81 ÷ 90 × 20 (rescaled from 10) = 18.00
}


@pytest.fixture
def four_e():
    """A round choosing the 4E scheme for purchased services: a purchased service and an ordinary project."""
    service = funded_subject("测试校园保洁服务", kind="purchased_service")
    project = funded_subject("测试校舍维修项目")
    evaluation_round = open_round(purchased_service_four_e=True)
    return evaluation_round, form_of(evaluation_round, service), form_of(evaluation_round, project)


def _values(form, values: dict) -> dict:
    return {row.pk: dict(values.get(row.name, {})) for row in form.indicators.all()}


def _reload(form) -> SelfEvaluation:
    return SelfEvaluation.objects.select_related("round", "scheme", "subject").get(pk=form.pk)


def _save(form, values: dict, **data) -> SelfEvaluation:
    saved = self_actions.save_form(form, user("edu_preparer"), form.version, data=data, rows=_values(form, values))
    return _reload(saved)


# --- opening ----------------------------------------------------------------------------------------------------------


def test_opening_gives_purchased_services_the_4e_scheme_and_default_dimensions(four_e):
    # seed 002 六（二）: the purchased service is scored by the 4E scheme in force; the project stays national
    evaluation_round, service, project = four_e
    assert evaluation_round.purchased_service_scheme.kind == SchemeKind.FOUR_E
    assert (
        service.kind == FormKind.PURCHASED_SERVICE and service.scheme_id == evaluation_round.purchased_service_scheme_id
    )
    assert project.scheme_id == evaluation_round.scheme_id and project.scheme.kind == SchemeKind.NATIONAL
    # budget execution is shown (rate from treasury data), not scored under 4E
    assert service.execution_rate == D("0.9") and service.execution_score is None
    assert project.execution_score == D("9.00")
    assert dict(service.indicators.values_list("name", "dimension")) == DEFAULTS
    assert set(project.indicators.values_list("dimension", flat=True)) == {""}
    # running the opening again creates nothing twice
    rows = SelfEvaluationIndicator.objects.filter(evaluation__round=evaluation_round).count()
    assert opening.create_forms(evaluation_round) == 0
    assert SelfEvaluationIndicator.objects.filter(evaluation__round=evaluation_round).count() == rows
    audit = AuditEntry.objects.filter(
        object_type="evaluations.selfevaluationround", object_id=str(evaluation_round.pk), action=AuditAction.CREATE
    ).get()
    assert "4E" in str(audit.changes["政府购买服务评价方案"])


def test_without_the_option_a_purchased_service_is_scored_as_any_project():
    service = funded_subject("测试校园保洁服务", kind="purchased_service")
    evaluation_round = open_round()
    form = form_of(evaluation_round, service)
    assert evaluation_round.purchased_service_scheme is None
    assert form.scheme.kind == SchemeKind.NATIONAL and form.execution_score == D("9.00")
    assert set(form.indicators.values_list("dimension", flat=True)) == {""}


def test_a_purchased_service_without_indicators_keeps_the_national_scheme():
    # nothing for 4E to score: budget execution alone, as any subject without approved targets
    service = funded_subject("测试无目标购买服务", kind="purchased_service", sheet=False)
    form = form_of(open_round(purchased_service_four_e=True), service)
    assert form.scheme.kind == SchemeKind.NATIONAL and form.execution_score == D("9.00")


def test_every_level_2_indicator_has_a_default_dimension():
    # practice (ADR 0040): every level-2 indicator of the target sheet falls in one of the four dimensions
    assert set(opening.FOUR_E_DEFAULTS["level2"]) == set(Level2.values)
    assert set(opening.FOUR_E_DEFAULTS["level2"].values()) == set(FourE.values)


# --- scoring ----------------------------------------------------------------------------------------------------------


def test_a_worked_4e_form_rescales_the_sheet_weights_within_each_dimension(four_e):
    # seed 002 六（二）: four dimensions, 20 / 25 / 35 / 20 (practice); weights rescaled to each dimension's points
    _, service, _ = four_e
    form = _save(service, WORKED)
    rows = {r.name: r for r in form.indicators.all()}
    assert {name: r.score for name, r in rows.items()} == {
        "维修校舍面积": D("16.00"),
        "工程验收合格率": D("11.67"),
        "按期完工率": D("5.00"),
        "维修改造成本": D("18.00"),
        "消除校舍安全隐患": D("16.33"),
        "师生满意度": D("18.00"),
    }
    assert "绩效目标分值 30 分按比例折算为 23.33 分" in rows["消除校舍安全隐患"].explanation
    assert "折算" not in rows["维修校舍面积"].explanation  # efficiency's weights already add up to 25
    assert (form.total_score, form.grade) == (D("85.00"), "良")  # seed 000 第二十八条: 80 ≤ 85 < 90
    assert form.indicator_score == D("85.00") and form.execution_score is None
    score = form_scoring.score_form(form, list(form.indicators.all()))
    assert [(d.label, d.total, d.full) for d in score.dimensions] == [
        ("经济性", D("18.00"), D("20.00")),
        ("效率性", D("21.00"), D("25.00")),
        ("有效性", D("28.00"), D("35.00")),
        ("公平性", D("18.00"), D("20.00")),
    ]
    assert "本维度指标在绩效目标中的分值合计 45 分，按比例折算为本维度 35 分" in score.dimensions[2].explanation
    assert score.execution.score is None and "不单独计分" in score.execution.explanation
    assert "执行率 90.00%" in score.execution.explanation


def test_a_dimension_with_nothing_applicable_is_left_out_and_the_rest_rescaled_to_100(four_e):
    # seed 002 六（二） with the engine's rule: 公平性 (its only row not applicable) left out, 80 points → 100 (× 1.25)
    _, service, _ = four_e
    form = _save(service, {**WORKED, "师生满意度": {"applicable": False}})
    score = form_scoring.score_form(form, list(form.indicators.all()))
    assert [(d.code, d.total) for d in score.dimensions] == [
        (FourE.ECONOMY, D("22.50")),  # 45 ÷ 50 × 25
        (FourE.EFFICIENCY, D("26.25")),  # 0.8 × 25 + 6.25
        (FourE.EFFECTIVENESS, D("35.00")),  # 14.59 (11.67 × 1.25) + 70 % × 29.1625 = 20.41
        (FourE.EQUITY, None),
    ]
    assert (form.total_score, form.grade) == (D("83.75"), "良")


def test_a_row_without_a_dimension_is_refused_at_submission_naming_it(four_e):
    _, service, _ = four_e
    filled = {
        name: {**values, "deviation_reason": "见说明", "improvement": "加强管理"} for name, values in WORKED.items()
    }
    form = _save(
        service, {**filled, "工程验收合格率": {**filled["工程验收合格率"], "dimension": ""}}, goal_completion="完成"
    )
    assert form.total_score is None  # not scored while a row has no dimension
    with pytest.raises(ValidationError) as refused:
        workflow.submit(form, user("edu_preparer"), form.version)
    assert "第 2 项指标“工程验收合格率”未选择 4E 维度" in str(refused.value)
    form = _save(_reload(form), {"工程验收合格率": {"dimension": FourE.EFFECTIVENESS}})
    workflow.submit(form, user("edu_preparer"), form.version)
    assert _reload(form).submitted_at is not None


def test_the_unit_moves_a_row_to_another_dimension_and_the_history_names_it(four_e):
    _, service, _ = four_e
    form = _save(service, {**WORKED, "按期完工率": {"actual": "95", "dimension": FourE.EFFECTIVENESS}})
    score = form_scoring.score_form(form, list(form.indicators.all()))
    # 效率性: 维修校舍面积 alone, 20 → 25: 2400 ÷ 3000 × 25 = 20.00; 有效性: 15 / 5 / 30 → 10.50 / 3.50 / 21.00:
    # 10.50 + 3.50 + 70 % × 21 = 28.70
    assert (score.dimensions[1].total, score.dimensions[2].total) == (D("20.00"), D("28.70"))
    entries = AuditEntry.objects.filter(object_type="evaluations.selfevaluation", object_id=str(form.pk))
    moved = [e.changes["按期完工率·4E 维度"] for e in entries if "按期完工率·4E 维度" in e.changes]
    assert moved == [["效率性", "有效性"]]


def test_a_dimension_on_a_national_form_is_refused(four_e):
    _, _, project = four_e
    with pytest.raises(ValidationError) as refused:
        _save(project, {"维修校舍面积": {"dimension": FourE.ECONOMY}})
    assert "本自评表不按 4E 方案计分" in str(refused.value)


def test_the_spot_recheck_of_a_4e_form_is_scored_by_4e(four_e):
    # seed 001 第二十一条 抽查复核: the re-checker's values, the unit's dimensions (not a re-check field), scored by 4E
    evaluation_round, service, _ = four_e
    form = fill_and_submit(service)
    sample = recheck_actions.draw_sample(user("perf"), evaluation_round, seed=1, minimum=2)
    item = sample.items.get(evaluation=form)
    values = {
        own.row_id: WORKED[own.row.name] for own in item.indicators.select_related("row") if own.row.name in WORKED
    }
    item = recheck_actions.save_recheck(user("perf"), item, item.version, rows=values, opinion="经核实")
    assert (item.total_score, item.grade, item.execution_score) == (D("85.00"), "良", None)
    score = recheck_actions.score_item(item)
    assert [d.total for d in score.dimensions] == [D("18.00"), D("21.00"), D("28.00"), D("18.00")]


# --- API ------------------------------------------------------------------------------------------------------------


def test_the_api_opens_a_round_with_the_option_and_shows_it(immediate_tasks):
    funded_subject("测试校园保洁服务", kind="purchased_service")
    perf = client_for("perf")
    bad = perf.post(
        "/api/self-evaluation-rounds/",
        {"fiscal_year": YEAR, "due_date": f"{YEAR + 1}-03-31", "purchased_service_four_e": "maybe"},
        content_type=JSON,
    )
    assert bad.status_code == 400 and "purchased_service_four_e" in bad.json()
    response = perf.post(
        "/api/self-evaluation-rounds/",
        {"fiscal_year": YEAR, "due_date": f"{YEAR + 1}-03-31", "purchased_service_four_e": True},
        content_type=JSON,
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["purchased_service_scheme"] and "4E" in body["purchased_service_scheme_name"]


def test_the_api_patches_a_dimension_and_refuses_a_bad_one_naming_row_and_field(four_e):
    _, service, _ = four_e
    client = client_for("edu_preparer")
    area = service.indicators.get(name="维修校舍面积")
    url = f"{FORMS}{service.pk}/"
    bad = client.patch(
        url, {"version": service.version, "rows": [{"id": area.pk, "dimension": "speed"}]}, content_type=JSON
    )
    assert bad.status_code == 400 and "4E 维度" in bad.content.decode() and "speed" in bad.content.decode()
    assert bad.json()["rows"]["0"]["dimension"]  # the first row sent, its field
    assert _reload(service).version == service.version
    ok = client.patch(
        url, {"version": service.version, "rows": [{"id": area.pk, "dimension": "economy"}]}, content_type=JSON
    )
    assert ok.status_code == 200, ok.content
    body = ok.json()
    assert body["scheme_kind"] == SchemeKind.FOUR_E
    shown = next(r for r in body["indicators"] if r["id"] == area.pk)
    assert (shown["dimension"], shown["dimension_display"]) == ("economy", "经济性")
    score = client.post(f"{url}score/", {"rows": []}, content_type=JSON).json()
    assert [d["label"] for d in score["dimensions"]] == ["经济性", "效率性", "有效性", "公平性"]
    assert score["execution_score"] is None and "不单独计分" in score["execution_explanation"]


def test_the_api_refuses_a_dimension_on_a_national_form(four_e):
    _, _, project = four_e
    row = project.indicators.first()
    response = client_for("edu_preparer").patch(
        f"{FORMS}{project.pk}/",
        {"version": project.version, "rows": [{"id": row.pk, "dimension": "economy"}]},
        content_type=JSON,
    )
    assert response.status_code == 400 and "不按 4E 方案计分" in response.json()["rows"][0]


# --- pages ----------------------------------------------------------------------------------------------------------


def test_the_round_page_and_the_opening_form_offer_the_option(client_as):
    funded_subject("测试校园保洁服务", kind="purchased_service")
    client = client_as("perf")
    page = client.get(reverse("evaluations:round_create"))
    assert "政府购买服务按 4E 方案评价" in page.content.decode()
    evaluation_round = open_round(purchased_service_four_e=True)
    shown = client.get(evaluation_round.get_absolute_url()).content.decode()
    assert 'id="purchased-service-scheme"' in shown and "按 4E 方案评价" in shown


def test_the_form_pages_show_the_dimension_only_on_a_4e_form(four_e, client_as):
    _, service, project = four_e
    _save(service, WORKED)
    client = client_as("edu_preparer")
    edit = client.get(reverse("evaluations:form_edit", args=[service.pk])).content.decode()
    assert "<th>4E 维度</th>" in edit and 'name="rows-0-dimension"' in edit
    detail = client.get(service.get_absolute_url()).content.decode()
    assert 'id="score-dimensions"' in detail and "有效性 <b>28.00</b> / 35.00" in detail
    plain = client.get(reverse("evaluations:form_edit", args=[project.pk])).content.decode()
    assert "4E 维度" not in plain and "score-dimensions" not in plain


def test_the_live_score_follows_a_typed_dimension(four_e, client_as):
    _, service, _ = four_e
    form = _save(service, WORKED)
    rows = list(form.indicators.all())
    data = {"rows-TOTAL_FORMS": len(rows), "rows-INITIAL_FORMS": len(rows)}
    for n, row in enumerate(rows):
        data[f"rows-{n}-row_id"] = row.pk
        data.update({f"rows-{n}-{k}": v for k, v in WORKED[row.name].items()})
        data[f"rows-{n}-applicable"] = "on"
        data[f"rows-{n}-dimension"] = "" if row.name == "按期完工率" else row.dimension
    panel = client_as("edu_preparer").post(reverse("evaluations:form_score", args=[form.pk]), data)
    assert panel.status_code == 200
    assert "第 3 项指标“按期完工率”未选择 4E 维度" in panel.content.decode()


# --- documents ------------------------------------------------------------------------------------------------------


def _download(client, form) -> openpyxl.Workbook:
    response = client.get(reverse("evaluations:form_xlsx", args=[form.pk]))
    assert response.status_code == 200
    return openpyxl.load_workbook(io.BytesIO(response.content))


def _sheet_rows(ws) -> tuple[int, dict[str, int]]:
    header = next(r for r in range(1, ws.max_row + 1) if ws.cell(r, KEY_COLUMN).value == KEY_HEADER)
    rows = {ws.cell(r, 3).value: r for r in range(header + 1, ws.max_row + 1) if ws.cell(r, KEY_COLUMN).value}
    return header, rows


def _upload(client, form, wb):
    buffer = io.BytesIO()
    wb.save(buffer)
    upload = SimpleUploadedFile("自评表.xlsx", buffer.getvalue(), content_type=XLSX)
    return client.post(reverse("evaluations:form_xlsx_upload", args=[form.pk]), {"file": upload})


def test_the_workbook_carries_the_dimension_and_reads_it_back(four_e, client_as):
    _, service, project = four_e
    client = client_as("edu_preparer")
    wb = _download(client, service)
    ws = wb[SHEET_TITLE]
    header, rows = _sheet_rows(ws)
    assert ws.cell(header, DIMENSION).value == DIMENSION_HEADER
    assert ws.cell(rows["维修改造成本"], DIMENSION).value == "经济性"
    assert ws.cell(rows["维修改造成本"], DIMENSION).protection.locked is False
    ws.cell(rows["按期完工率"], DIMENSION).value = "有效性"
    ws.cell(rows["维修校舍面积"], ACTUAL).value = 2400
    response = _upload(client, service, wb)
    assert response.status_code == 302, response.content.decode()[:2000]
    stored = dict(_reload(service).indicators.values_list("name", "dimension"))
    assert stored["按期完工率"] == FourE.EFFECTIVENESS and stored["维修改造成本"] == FourE.ECONOMY
    # a national form's workbook has no such column
    plain = _download(client, project)[SHEET_TITLE]
    assert plain.cell(_sheet_rows(plain)[0], DIMENSION).value is None


def test_a_wrong_dimension_label_names_its_cell_and_nothing_changes(four_e, client_as):
    _, service, _ = four_e
    client = client_as("edu_preparer")
    wb = _download(client, service)
    ws = wb[SHEET_TITLE]
    _, rows = _sheet_rows(ws)
    ws.cell(rows["按期完工率"], DIMENSION).value = "速度"
    response = _upload(client, service, wb)
    assert response.status_code == 400
    cell = f"Q{rows['按期完工率']}"
    assert f"{cell} 4E 维度应为：经济性、效率性、有效性、公平性，现为“速度”" in response.content.decode()
    assert _reload(service).version == service.version


def test_the_word_report_lists_the_dimension_subtotals(four_e):
    _, service, _ = four_e
    form = _save(service, WORKED)
    doc = Document(io.BytesIO(report.build(form)))
    cells = [[c.text for c in row.cells] for table in doc.tables for row in table.rows]
    assert ["有效性（4E）", "35.00", "28.00", "80.00%"] in cells
    assert not any(row and row[0] == "预算执行率" for row in cells)
    text = "\n".join(p.text for p in doc.paragraphs)
    assert "预算执行率不单独计分" in text and "自评得分 85.00 分" in text

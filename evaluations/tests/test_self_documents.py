"""The documents of a self-evaluation form (issue 13 "Documents"): the Word report in the outline of seed 003 附件4,
printed by the core.docx rules; the official-layout xlsx downloaded, filled and uploaded again (all or nothing, each
bad cell named); every download gated (404 outside reach) and audited."""

from __future__ import annotations

import io
import re

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from audit.models import AuditAction, AuditEntry
from core.tests import docx_rules as rules
from core.xlsx import put
from evaluations import self_actions
from evaluations.documents import report
from evaluations.documents.xlsx_layout import (
    ACTUAL,
    APPLICABLE,
    BAND,
    KEY_COLUMN,
    KEY_HEADER,
    REASON,
    SHARE,
    SHEET_TITLE,
)
from evaluations.models import SelfEvaluation
from evaluations.tests.self_helpers import MET, YEAR, form_of, funded_subject, open_round
from subjects.tests.helpers import user

pytestmark = pytest.mark.django_db

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
HEADINGS = [
    "一、单位基本情况",
    "二、项目主要内容",
    "三、预期绩效目标",
    "（一）项目预期基本目标或阶段性目标",
    "（二）项目预期政治、经济和社会效益",
    "四、资金到位情况",
    "五、项目执行基本情况",
    "（一）项目总投入情况",
    "（二）项目执行过程中目标、计划调整情况及采取的相关措施",
    "（三）项目的实际支出情况",
    "（四）项目绩效目标或阶段性目标完成情况",
    "（五）项目管理制度及执行情况",
    "六、资金超支（节约）原因",
    "七、项目绩效结果自我评价",
    "（一）项目实现的绩效目标与预期绩效目标的对比分析情况",
    "（二）项目实施对社会的影响以及所起到的政治、经济和社会效益",
    "（三）项目实施的经验、存在的问题和改进建议",
]


def _form():
    subject = funded_subject()
    return form_of(open_round(), subject)


def _filled(overrides: dict | None = None, form=None):
    """A form with every indicator met (or ``overrides``), reasons and measures given: 9 + 90 = 99 points, 优."""
    form = form or _form()
    rows = {r.name: r for r in form.indicators.all()}
    values = {}
    for name, row in rows.items():
        values[row.pk] = {**MET.get(name, {}), **(overrides or {}).get(name, {})}
    values[rows["维修校舍面积"].pk].update(deviation_reason="汛期停工两周", improvement="提前编制施工计划")
    return self_actions.save_form(
        form,
        user("edu_preparer"),
        form.version,
        data={"goal_completion": "完成校舍维修 3,000 平方米", "problems": "雨季影响工期", "measures": "加强进度管理"},
        rows=values,
    )


def _reload(form):
    return SelfEvaluation.objects.select_related("round", "scheme", "subject").get(pk=form.pk)


def _exports(form) -> int:
    return AuditEntry.objects.filter(
        action=AuditAction.EXPORT, object_type="evaluations.selfevaluation", object_id=str(form.pk)
    ).count()


# --- Word ------------------------------------------------------------------------------------------------------------


def test_the_report_follows_the_outline_of_attachment_4_with_amounts_score_and_grade(client_as):
    form = _filled()
    response = client_as("edu_preparer").get(reverse("evaluations:form_report", args=[form.pk]))
    assert response.status_code == 200
    assert "项目支出绩效自评报告" in response["Content-Disposition"] or "%E6" in response["Content-Disposition"]
    doc = rules.document(response.content)
    text = rules.text_of(doc)
    paragraphs = [p.text for p in doc.paragraphs]
    positions = [paragraphs.index(h) for h in HEADINGS]  # every heading of 附件4, in its order
    assert positions == sorted(positions)
    assert "500,000.00 元" in text and "450,000.00 元" in text  # budget and paid, thousands separators
    assert "90.00%" in text  # execution rate
    assert "99.00" in text and "自评等级为“优”" in text
    assert "汛期停工两周" in text and "提前编制施工计划" in text  # deviation reason and measure
    assert "雨季影响工期" in text and "加强进度管理" in text and "完成校舍维修 3,000 平方米" in text
    assert "edu_preparer" not in text  # people by name, never by login


def test_the_report_keeps_the_print_rules():
    form = _filled()
    doc = rules.document(report.build(_reload(form)))
    subject = form.subject
    rules.assert_title_plain(doc, f"{subject.name}{YEAR}年度项目支出绩效自评报告")
    rules.assert_dates_without_leading_zeros(rules.text_of(doc))
    money = doc.tables[1]  # 四、资金到位情况
    assert rules.repeats(money.rows[0])
    rules.assert_money(money.rows[2].cells[1], "500,000.00 元")
    indicators = next(t for t in doc.tables if t.rows[0].cells[0].text == "一级指标")
    assert rules.repeats(indicators.rows[0])
    rules.assert_merged(indicators, 0, range(1, 4))  # 产出指标 over its three rows
    assert all(rules.cant_split(r) for r in indicators.rows[1:])
    tail = [p.text for p in doc.paragraphs[-2:]]
    assert tail[0] == f"{form.organisation.name}（盖章）" and tail[1].endswith("日")
    rules.assert_signature_kept_together(doc, tail)


def test_a_draft_report_says_so_and_a_form_without_a_budget_is_explained():
    form = _form()
    doc = rules.document(report.build(_reload(form)))
    text = rules.text_of(doc)
    assert "草稿：尚未报送" in text
    assert "尚未填写年度总体目标完成情况" in text and "自评结论" in text


# --- xlsx ------------------------------------------------------------------------------------------------------------


def _download(client, form) -> openpyxl.Workbook:
    response = client.get(reverse("evaluations:form_xlsx", args=[form.pk]))
    assert response.status_code == 200 and response["Content-Type"] == XLSX
    return openpyxl.load_workbook(io.BytesIO(response.content))


def _rows(ws) -> dict[str, int]:
    """Indicator name → worksheet row."""
    header = next(r for r in range(1, ws.max_row + 1) if ws.cell(r, KEY_COLUMN).value == KEY_HEADER)
    return {
        ws.cell(r, 3).value: r for r in range(header + 1, ws.max_row + 1) if ws.cell(r, KEY_COLUMN).value is not None
    }


def _upload(client, form, wb, name="自评表.xlsx"):
    buffer = io.BytesIO()
    wb.save(buffer)
    return _post(client, form, buffer.getvalue(), name)


def _alert(response) -> str:
    """The upload page's messages (for a failing assertion)."""
    return " ".join(re.findall(r'id="upload-[^"]*">(.*?)</(?:ul|div)>\s*</div>', response.content.decode(), re.S))


def _post(client, form, content: bytes, name: str):
    return client.post(
        reverse("evaluations:form_xlsx_upload", args=[form.pk]),
        {"file": SimpleUploadedFile(name, content, content_type=XLSX)},
    )


def test_the_workbook_is_laid_out_locked_and_keyed(client_as):
    form = _filled()
    wb = _download(client_as("edu_preparer"), form)
    assert wb.sheetnames == [SHEET_TITLE, "填写说明"]
    ws = wb[SHEET_TITLE]
    assert ws["A1"].value == "项目支出绩效自评表" and ws.protection.sheet
    assert ws.column_dimensions["P"].hidden
    assert ws.cell(1, KEY_COLUMN).value == f"自评表#{form.pk}" and ws.cell(2, KEY_COLUMN).value == form.version
    rows = _rows(ws)
    assert len(rows) == 6
    area = rows["维修校舍面积"]
    assert ws.cell(area, ACTUAL).value == "3000" and ws.cell(area, ACTUAL).protection.locked is False
    assert ws.cell(area, 5).protection.locked and ws.cell(area, 7).protection.locked  # target and weight
    assert ws.cell(rows["消除校舍安全隐患"], BAND).value == "达成"
    assert ws.cell(rows["消除校舍安全隐患"], BAND).protection.locked is False
    assert ws.cell(area, BAND).protection.locked  # a quantitative row has no band
    budget = next(c for row in ws.iter_rows() for c in row if c.value == 500000)
    assert budget.number_format == "#,##0.00" and budget.protection.locked


def test_round_trip_download_fill_upload_saves_and_scores(client_as):
    form = _form()
    client = client_as("edu_preparer")
    wb = _download(client, form)
    ws = wb[SHEET_TITLE]
    rows = _rows(ws)
    for name, values in MET.items():
        if "actual" in values:
            ws.cell(rows[name], ACTUAL).value = float(values["actual"])  # typed as numbers, as Excel stores them
    ws.cell(rows["维修校舍面积"], ACTUAL).value = 2000
    ws.cell(rows["维修校舍面积"], REASON).value = "汛期停工"
    ws.cell(rows["维修校舍面积"], REASON + 1).value = "调整施工计划"
    ws.cell(rows["消除校舍安全隐患"], BAND).value = "达成"
    ws.cell(rows["消除校舍安全隐患"], SHARE).value = 90
    goal = next(r for r in range(1, ws.max_row + 1) if ws.cell(r, 8).value == "实际完成情况") + 1
    put(ws.cell(goal, 8), "=完成大部分维修")  # text that looks like a formula (a text cell, as typed): stays text
    response = _upload(client, form, wb)
    assert response.status_code == 302, _alert(response)
    form = _reload(form)
    scored = {r.name: r for r in form.indicators.all()}
    assert scored["维修校舍面积"].actual == "2000" and scored["维修校舍面积"].deviation_reason == "汛期停工"
    assert scored["消除校舍安全隐患"].band == "achieved" and scored["消除校舍安全隐患"].share == 90
    assert form.goal_completion == "=完成大部分维修"
    assert form.total_score is not None and form.grade
    assert str(scored["维修校舍面积"].score) == "13.33"  # 2000 ÷ 3000 × 20
    assert AuditEntry.objects.filter(
        action=AuditAction.IMPORT, object_type="evaluations.selfevaluation", object_id=str(form.pk)
    ).exists()
    # the file just uploaded is now stale: the form moved on to the next version
    stale = _upload(client, form, wb)
    assert stale.status_code == 400 and "已被修改" in stale.content.decode()


def _bad(client_as, change) -> tuple[str, SelfEvaluation, SelfEvaluation]:
    form = _filled()
    client = client_as("edu_preparer")
    wb = _download(client, form)
    change(wb[SHEET_TITLE], _rows(wb[SHEET_TITLE]))
    before = _reload(form)
    response = _upload(client, form, wb)
    assert response.status_code == 400
    return response.content.decode(), before, _reload(form)


def _unchanged(before, after) -> None:
    assert after.version == before.version and after.total_score == before.total_score
    assert [(r.actual, r.band, r.share) for r in after.indicators.all()] == [
        (r.actual, r.band, r.share) for r in before.indicators.all()
    ]


def test_a_word_for_a_number_is_refused_naming_its_cell_and_nothing_changes(client_as):
    def change(ws, rows):
        ws.cell(rows["维修校舍面积"], ACTUAL).value = "三千"
        ws.cell(rows["工程验收合格率"], ACTUAL).value = 50  # a valid change elsewhere: not written either

    page, before, after = _bad(client_as, change)
    assert re.search(r"H\d+ 全年实际值必须是数字，现为“三千”", page), page  # the cell named: column H, its row
    _unchanged(before, after)


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (lambda ws, rows: setattr(ws.cell(rows["消除校舍安全隐患"], BAND), "value", "很好"), "K"),
        (lambda ws, rows: setattr(ws.cell(rows["消除校舍安全隐患"], SHARE), "value", "120"), "应在 0 到 100 之间"),
        (lambda ws, rows: setattr(ws.cell(rows["维修校舍面积"], APPLICABLE), "value", "也许"), "应填“是”或“否”"),
        (lambda ws, rows: put(ws.cell(rows["维修校舍面积"], ACTUAL), "=1+2"), "必须是数字，现为“=1+2”"),
        (lambda ws, rows: setattr(ws.cell(rows["维修校舍面积"], KEY_COLUMN), "value", 999999), "行标识无效"),
        (lambda ws, rows: ws.delete_rows(rows["师生满意度"]), "缺少指标“师生满意度”"),
    ],
)
def test_bad_cells_are_refused_and_nothing_changes(client_as, change, expected):
    page, before, after = _bad(client_as, change)
    assert expected in page, page
    _unchanged(before, after)


def test_a_formula_is_refused_naming_its_cell(client_as):
    def change(ws, rows):
        ws.cell(rows["维修校舍面积"], ACTUAL).value = "=SUM(1,2)"
        ws.cell(rows["维修校舍面积"], ACTUAL).data_type = "f"

    page, before, after = _bad(client_as, change)
    assert "全年实际值不能填写公式" in page
    _unchanged(before, after)


def test_another_forms_workbook_a_stale_one_a_large_file_and_not_xlsx_are_refused(client_as, settings):
    subject, other = funded_subject(), funded_subject("另一个校舍维修项目")
    evaluation_round = open_round()
    form, other = _filled(form=form_of(evaluation_round, subject)), form_of(evaluation_round, other)
    client = client_as("edu_preparer")
    wb = _download(client, other)
    before = _reload(form)
    response = _upload(client, form, wb)
    assert response.status_code == 400 and "另一张自评表" in response.content.decode()
    _unchanged(before, _reload(form))

    wb = _download(client, form)
    self_actions.save_form(form, user("edu_preparer"), form.version, data={"problems": "别人先改了"})
    response = _upload(client, form, wb)
    assert "已被修改" in response.content.decode()
    assert _reload(form).problems == "别人先改了"

    response = _post(client, form, b"not a workbook at all", "自评表.xlsx")
    assert response.status_code == 400 and "实际是文本文件" in _alert(response), _alert(response)
    settings.JIXIAO_MAX_UPLOAD_BYTES = 2048
    wb = _download(client, form)
    response = _upload(client, form, wb)
    assert response.status_code == 400 and "不能超过" in _alert(response), _alert(response)


def test_only_the_preparer_of_an_editable_form_may_upload(client_as):
    form = _filled()
    wb = _download(client_as("edu_preparer"), form)
    response = _upload(client_as("edu_reviewer"), form, wb)
    assert response.status_code == 400 and "只有本单位的填报人" in response.content.decode()
    assert AuditEntry.objects.filter(action=AuditAction.PERMISSION_DENIED, object_id=str(form.pk)).exists()


# --- gate and audit -----------------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["evaluations:form_report", "evaluations:form_xlsx", "evaluations:form_xlsx_upload"])
def test_out_of_reach_is_404_and_each_download_is_audited(client_as, name):
    form = _filled()
    url = reverse(name, args=[form.pk])
    for outsider in ("health_preparer", "agency", "county_perf"):
        assert client_as(outsider).get(url).status_code == 404, outsider
    assert client_as("edu_preparer").get(reverse(name, args=[999999])).status_code == 404
    before = _exports(form)
    for reader in ("edu_preparer", "edu_reviewer", "perf"):
        assert client_as(reader).get(url).status_code == 200, reader
    expected = 0 if name == "evaluations:form_xlsx_upload" else 3
    assert _exports(form) - before == expected


def test_values_starting_with_equals_are_written_inert(client_as):
    # core.xlsx: text a spreadsheet would read as a formula stays text (quotePrefix), never a live formula
    from core.tests.test_export_cells import PAYLOADS, inert_strings

    form = _form()
    row = form.indicators.order_by("order").first()
    form = self_actions.save_form(
        form,
        user("edu_preparer"),
        form.version,
        data={"problems": PAYLOADS[0]},
        rows={row.pk: {"deviation_reason": PAYLOADS[1], "improvement": PAYLOADS[3]}},
    )
    texts = inert_strings(_download(client_as("edu_preparer"), form))
    assert {PAYLOADS[0], PAYLOADS[1], PAYLOADS[3]} <= set(texts)


@pytest.mark.parametrize("name", ["evaluations:form_report", "evaluations:form_xlsx"])
def test_a_download_costs_a_fixed_number_of_queries(client_as, django_assert_max_num_queries, name):
    form = _filled()
    client = client_as("edu_preparer")
    url = reverse(name, args=[form.pk])
    client.get(url)  # warm the caches of the session and the gate
    with django_assert_max_num_queries(15):  # 11 for the report, 10 for the workbook (session, gate, form, rows …)
        assert client.get(url).status_code == 200

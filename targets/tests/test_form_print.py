"""附件1 as printed on paper (issue 12 §2): every field group of the 项目绩效目标申报表 of 《长治市预算绩效管理办法》
(seed 003 附件1-1 and its 填表说明 附件1-2) in the Excel and Word outputs, 万元 as on the form, the review opinions signed
by name and office, the round trip of the new sections, and the Word print rules."""

import io
from decimal import Decimal

import pytest
from docx import Document
from docx.oxml.ns import qn
from openpyxl import load_workbook

from audit.models import AuditEntry
from core.money import wan, wan_text
from core.tests.docx_rules import assert_dates_without_leading_zeros
from subjects.models import Subject
from subjects.tests.helpers import user
from targets import actions
from targets.documents import form_data, word, xlsx_layout
from targets.models import BudgetItem
from targets.tests.helpers import WALK, fresh, good_sheet, library_subject, walk
from workflow import actions as workflow

pytestmark = pytest.mark.django_db

ITEMS = [
    {
        "name": "屋面防水修缮",
        "previous_amount": Decimal("0"),
        "requested_amount": Decimal("300000.00"),
        "basis": "3,000 平方米 × 100 元/平方米",
    },
    {
        "name": "=监理费",  # text a spreadsheet would read as a formula: stays text
        "previous_amount": Decimal("12345.67"),
        "requested_amount": Decimal("200000.00"),
        "basis": "按工程费的 8% 计取",
    },
]
GRADES = [
    {"year": 2024, "self": "良", "review": "良", "key": ""},
    {"year": 2025, "self": "优", "review": "良", "key": "B"},
]
FACTS = {
    "leader": "郑明远",
    "leader_phone": "0351-6255433",
    "unit_functions": "公益一类事业单位，核定编制 186 名。",
    "summary": "教学楼屋面渗漏，申请资金维修。",
}


def full_sheet(name: str, **subject_fields):
    subject = library_subject(name, **subject_fields)
    Subject.objects.filter(pk=subject.pk).update(**FACTS)
    sheet = good_sheet(subject, prior_grades=GRADES, self_evaluation_year=2026, other_notes="无其他需要说明的事项。")
    return actions.save_sheet(fresh(sheet), user("edu_preparer"), fresh(sheet).version, budget_items=ITEMS)


def workbook(content: bytes):
    return load_workbook(io.BytesIO(content))


def row_of(ws, label: str, column: int = 1) -> int:
    for row in range(1, ws.max_row + 1):
        if str(ws.cell(row=row, column=column).value or "").replace(" ", "") == label:
            return row
    raise AssertionError(f"{label} not found")


def value_right_of(ws, label: str) -> object:
    """The value cell of a label: column B for a label in A, column G for a label in F."""
    for row in range(1, ws.max_row + 1):
        for label_column, value_column in ((1, 2), (6, 7)):
            if ws.cell(row=row, column=label_column).value == label:
                return ws.cell(row=row, column=value_column).value
    raise AssertionError(f"{label} not found")


# --- 万元 (seed 003 附件1: 支出明细预算（万元）, 资金来源计划（万元）) ---------------------------------------------


def test_wan_converts_yuan_with_half_up_rounding_separators_and_fixed_decimals():
    assert wan(Decimal("123456.78")) == Decimal("12.35")
    assert wan(Decimal("150")) == Decimal("0.02")  # 0.015 rounds half up, not to even
    assert wan(Decimal("149.99")) == Decimal("0.01")
    assert wan_text(Decimal("123456789")) == "12,345.68"
    assert wan_text(Decimal("0")) == "0.00" and wan_text(None) == "" and wan(None) is None
    assert wan(Decimal("12345.67"), 6) == Decimal("1.234567")


# --- the xlsx: every field group ---------------------------------------------------------------------------


def test_xlsx_prints_every_field_group_of_attachment_1(client_as):
    """seed 003 附件1-1: 负责人/联系电话, 支出类型, 起止时间, 预算科目, 单位职能概述, 支出概况, 立项依据/可行性/必要性,
    支出明细预算 with 测算依据, 资金来源计划 with 本年度实际安排资金, 前三年绩效等级, 自评计划, 其他说明, 审核意见."""
    sheet = walk(full_sheet("全字段打印项目"), steps=WALK[:2])
    ws = workbook(client_as("edu_preparer").get(f"/targets/{sheet.pk}/xlsx/").content).worksheets[0]
    subject = sheet.subject
    assert value_right_of(ws, "负责人") == "郑明远" and value_right_of(ws, "联系电话") == "0351-6255433"
    assert value_right_of(ws, "支出类型") == "1.基本支出□  2.项目支出☑  3.部门整体支出□"
    assert value_right_of(ws, "起止时间") == "2026年3月1日至2026年11月30日"
    assert value_right_of(ws, "预算科目编码") == "类 205  款 20502  项 2050203"
    assert value_right_of(ws, "单位职能概述") == FACTS["unit_functions"]
    assert value_right_of(ws, "支出概况") == FACTS["summary"]
    assert value_right_of(ws, "立项的依据") == subject.basis
    assert value_right_of(ws, "申报的可行性") == subject.feasibility
    assert value_right_of(ws, "申报的必要性") == subject.necessity
    # 支出明细预算 in 万元: exact value, shown with separators and two decimals
    first = row_of(ws, xlsx_layout.BUDGET_TITLE) + 2
    assert ws.cell(row=first, column=2).value == "屋面防水修缮"
    assert ws.cell(row=first, column=6).value == pytest.approx(30) and ws.cell(row=first, column=6).number_format == (
        "#,##0.00"
    )
    assert ws.cell(row=first, column=8).value == "3,000 平方米 × 100 元/平方米"
    formula = ws.cell(row=first + 1, column=2)
    assert formula.value == "=监理费" and formula.data_type == "s"  # text, never a formula (core.xlsx)
    assert ws.cell(row=first + 1, column=4).value == pytest.approx(1.234567)
    total = row_of(ws, "合计", column=1)
    assert ws.cell(row=total, column=6).value == pytest.approx(50)
    # 资金来源计划: the year's money on 公共预算资金, 本年度实际安排资金 from finance's arrangement
    plan = row_of(ws, xlsx_layout.FUND_TITLE) + 2
    assert ws.cell(row=plan, column=1).value == "一、公共预算资金（一般公共预算：本级）"
    assert ws.cell(row=plan, column=6).value == pytest.approx(50)
    # 评价情况
    grades = row_of(ws, xlsx_layout.PRIOR_TITLE) + 2
    assert [ws.cell(row=grades + n, column=1).value for n in range(3)] == [2023, 2024, 2025]
    assert [ws.cell(row=grades + 2, column=c).value for c in (2, 5, 8)] == ["优", "良", "B"]
    assert value_right_of(ws, "本年度自评计划") == "列入 2026 年度自评范围"
    assert value_right_of(ws, "其他需要说明的情况") == "无其他需要说明的事项。"
    # 审核意见: name and office, never a login name; a step not reached is open for its seal
    opinions = row_of(ws, "审核意见")
    texts = [str(ws.cell(row=opinions + n, column=3).value) for n in range(1, 4)]
    assert ws.cell(row=opinions + 2, column=1).value == "主管部门审核意见"
    assert "审核人：吴审核（示范市教育局）" in texts[1] and "单位公章（盖章）" in texts[1]
    assert form_data.NOT_YET in texts[2]
    assert not any("edu_" in t for t in texts)


def test_arranged_amount_prints_in_the_fund_plan(client_as):
    """seed 003 附件1-2 二（三）3: 本年实际安排资金由市财政局对口科室填写 — the stored arrangement."""
    sheet = full_sheet("实际安排打印项目")
    sheet.subject.year_amounts.update(arranged_amount=Decimal("456789.00"))
    ws = workbook(client_as("edu_preparer").get(f"/targets/{sheet.pk}/xlsx/").content).worksheets[0]
    plan = row_of(ws, xlsx_layout.FUND_TITLE) + 2
    assert ws.cell(row=plan, column=8).value == pytest.approx(45.6789)
    text = word.text_of(client_as("edu_preparer").get(f"/targets/{sheet.pk}/docx/").content)
    assert "45.68" in text  # 万元, rounded half up, two decimals


# --- the round trip ------------------------------------------------------------------------------------------


def test_round_trip_keeps_budget_items_grades_and_notes_to_the_fen(client_as):
    sheet = full_sheet("明细往返项目")
    client = client_as("edu_preparer")
    content = client.get(f"/targets/{sheet.pk}/xlsx/").content
    before = [(b.name, b.previous_amount, b.requested_amount, b.basis) for b in sheet.budget_items.all()]
    response = client.post("/targets/io/", {"file": _upload(content), "reason": "往返"})
    assert response.status_code == 302, response.content.decode()[-2000:]
    after = fresh(sheet)
    assert [(b.name, b.previous_amount, b.requested_amount, b.basis) for b in after.budget_items.all()] == before
    assert after.prior_grades == GRADES and after.self_evaluation_year == 2026
    assert after.other_notes == "无其他需要说明的事项。"


def test_an_upload_changes_the_budget_in_wan_yuan_and_reports_a_bad_amount_at_its_cell(client_as):
    sheet = full_sheet("明细上传项目")
    client = client_as("edu_preparer")
    wb = workbook(client.get(f"/targets/{sheet.pk}/xlsx/").content)
    ws = wb.worksheets[0]
    first = row_of(ws, xlsx_layout.BUDGET_TITLE) + 2
    ws.cell(row=first, column=6).value = "1,234.5"  # 万元
    ws.cell(row=row_of(ws, "本年度自评计划"), column=2).value = "列入 2027 年度自评范围"
    buffer = io.BytesIO()
    wb.save(buffer)
    assert client.post("/targets/io/", {"file": _upload(buffer.getvalue())}).status_code == 302
    after = fresh(sheet)
    assert after.budget_items.first().requested_amount == Decimal("12345000.00")
    assert after.self_evaluation_year == 2027
    ws.cell(row=first, column=6).value = "12,3"  # separators only in groups of three
    buffer = io.BytesIO()
    wb.save(buffer)
    body = client.post("/targets/io/", {"file": _upload(buffer.getvalue())}).content.decode()
    assert f"第 {first} 行 F 列（本年度申请资金（万元））：“12,3”不是金额" in body


def _upload(content: bytes):
    from imports.testing import upload

    return upload(content, "申报表.xlsx")


# --- the Word print ------------------------------------------------------------------------------------------


def _document(client, sheet):
    return Document(io.BytesIO(client.get(f"/targets/{sheet.pk}/docx/").content))


def test_word_prints_every_new_field_in_wan_yuan(client_as):
    sheet = walk(full_sheet("全字段Word项目"), steps=WALK[:1])
    text = word.text_of(client_as("edu_preparer").get(f"/targets/{sheet.pk}/docx/").content)
    for expected in (
        "郑明远",
        "0351-6255433",
        "2.项目支出☑",
        "2026年3月1日至\n2026年11月30日",  # each date whole on its line
        "类 205  款 20502  项 2050203",
        FACTS["unit_functions"],
        FACTS["summary"],
        "立项的依据",
        sheet.subject.basis,
        "申报的可行性",
        "申报的必要性",
        "支出明细预算",
        "屋面防水修缮",
        "30.00",  # 300,000 元 = 30.00 万元
        "3,000 平方米 × 100 元/平方米",
        "资金来源计划",
        "本年度实际安排资金（由财政部门填）",
        "一、公共预算资金（一般公共预算：本级）",
        "50.00",
        "2025 年",
        "列入 2026 年度自评范围",
        "无其他需要说明的事项。",
        "审核人：郑校长（示范市第一中学）",
        "单位公章（盖章）",
    ):
        assert expected in text, expected
    assert "edu_head" not in text and "edu_preparer" not in text


def test_word_layout_rules(client_as):
    """Money right-aligned on one line, dimension cells merged, opinion rows never split, no 《》 in the title,
    dates without leading zeros (issue 12 §2)."""
    sheet = walk(full_sheet("版式规则项目"), steps=WALK[:2])
    doc = _document(client_as("edu_preparer"), sheet)
    title = doc.paragraphs[0].text
    assert title == "项目绩效目标申报表" and "《" not in title and "》" not in title
    budget = next(t for t in doc.tables if t.rows[0].cells[0].text == "序号" and "支出名称" in t.rows[0].cells[1].text)
    money = budget.rows[1].cells[3]
    assert money.text == "30.00"
    assert money._tc.tcPr.find(qn("w:noWrap")) is not None
    assert money.paragraphs[0].alignment == 2  # WD_ALIGN_PARAGRAPH.RIGHT
    # 一级指标 产出指标 spans its three annual rows: one vMerge restart and two continuations
    annual = [t for t in doc.tables if t.rows[0].cells[0].text == "一级指标"][-1]
    marks = [row._tr.tc_lst[0].tcPr.find(qn("w:vMerge")) for row in annual.rows[1:4]]
    assert marks[0].get(qn("w:val")) == "restart" and all(m is not None for m in marks[1:])
    opinions = doc.tables[-1]
    assert opinions.rows[0].cells[0].text == "单位意见"
    for row in opinions.rows:
        assert row._tr.trPr.find(qn("w:cantSplit")) is not None
    text = word.text_of(client_as("edu_preparer").get(f"/targets/{sheet.pk}/docx/").content)
    assert "2026年3月1日" in text and "年03月" not in text and "月01日" not in text
    assert_dates_without_leading_zeros(text)  # no month or day with a leading zero anywhere


# --- entering the new fields: page, API, audit ----------------------------------------------------------------


def test_the_edit_page_saves_budget_lines_grades_and_plan(client_as):
    sheet = good_sheet(library_subject("页面明细项目"))
    client = client_as("edu_preparer")
    body = client.get(f"/targets/{sheet.pk}/edit/").content.decode()
    assert "add-budget-row" in body and "支出明细预算" in body and "grade-0-self" in body
    data = _form_data(sheet)
    data.update(
        {
            "budget-TOTAL_FORMS": "1",
            "budget-INITIAL_FORMS": "0",
            "budget-0-name": "屋面维修",
            "budget-0-previous_amount": "",
            "budget-0-requested_amount": "480000",
            "budget-0-basis": "3,000 平方米 × 160 元",
            "grade-2-self": "良",
            "self_evaluation_year": "2026",
            "other_notes": "无",
        }
    )
    response = client.post(f"/targets/{sheet.pk}/edit/", data)
    assert response.status_code == 302, response.content.decode()[-3000:]
    after = fresh(sheet)
    item = after.budget_items.get()
    assert (item.name, item.previous_amount, item.requested_amount) == ("屋面维修", 0, 480000)
    assert after.prior_grades == [{"year": 2025, "self": "良", "review": "", "key": ""}]
    assert after.self_evaluation_year == 2026
    entry = AuditEntry.objects.filter(object_type="targets.targetsheet", object_id=str(sheet.pk), action="update")
    assert any("[支出明细] 屋面维修" in str(e.changes) for e in entry)
    assert any("前三年绩效评价等级" in str(e.changes) for e in entry)
    edit = client.get(f"/targets/{sheet.pk}/edit/").content.decode()  # the saved lines come back to the page
    assert 'value="屋面维修"' in edit and 'value="480000.00"' in edit
    detail = client.get(f"/targets/{sheet.pk}/").content.decode()
    assert "屋面维修" in detail and "列入 2026 年度自评范围" in detail


def _form_data(sheet) -> dict:
    from targets.forms import prior_grade_initial

    sheet = fresh(sheet)
    data = {
        "version": sheet.version,
        **{k: getattr(sheet, k) for k in ("long_term_goal", "annual_goal", "measure_organisation")},
        **{k: getattr(sheet, k) for k in ("measure_rules", "measure_plan")},
        "serves_public": "on",
        "buys_outputs": "on",
        "ind-TOTAL_FORMS": str(sheet.indicators.count()),
        "ind-INITIAL_FORMS": str(sheet.indicators.count()),
        "stage-TOTAL_FORMS": "0",
        "stage-INITIAL_FORMS": "0",
        "grade-TOTAL_FORMS": "3",
        "grade-INITIAL_FORMS": "3",
    }
    for n, i in enumerate(sheet.indicators.all()):
        for key in actions.INDICATOR_FIELDS:
            data[f"ind-{n}-{key}"] = getattr(i, key)
    for n, row in enumerate(prior_grade_initial(sheet)):
        data[f"grade-{n}-year"] = row["year"]
    return data


def test_the_api_reads_and_writes_the_new_fields(client_as):
    sheet = good_sheet(library_subject("接口明细项目"))
    client = client_as("edu_preparer")
    response = client.patch(
        f"/api/target-sheets/{sheet.pk}/",
        {
            "version": fresh(sheet).version,
            "budget_items": [{"name": "设备购置", "requested_amount": "120000.00", "basis": "40 台 × 3,000 元"}],
            "prior_grades": [{"year": 2025, "self": "优"}],
            "self_evaluation_year": 2026,
            "other_notes": "无",
        },
        content_type="application/json",
        headers={"if-match": str(fresh(sheet).version)},
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["budget_items"][0]["requested_amount"] == "120000.00"
    assert body["prior_grades"] == [{"year": 2025, "self": "优", "review": "", "key": ""}]
    bad = client.patch(
        f"/api/target-sheets/{sheet.pk}/",
        {"prior_grades": [{"year": 2025, "self": "甲"}]},
        content_type="application/json",
        headers={"if-match": str(fresh(sheet).version)},
    )
    assert bad.status_code == 400
    subject = client.get(f"/api/subjects/{sheet.subject_id}/").json()
    assert subject["expense_type"] == "project" and subject["expense_type_display"] == "项目支出"
    assert "leader" in subject and "unit_functions" in subject and "summary" in subject


def test_an_adjustment_copies_the_budget_and_evaluation(client_as):
    """seed 000 第十六条: the adjustment starts from the approved version, 附件1 whole."""
    sheet = walk(full_sheet("调整复制明细项目"))
    copy = actions.adjust(sheet, user("edu_preparer"), "资金调减")
    assert [b.name for b in copy.budget_items.all()] == [i["name"] for i in ITEMS]
    assert copy.prior_grades == GRADES and copy.other_notes == "无其他需要说明的事项。"
    assert BudgetItem.objects.filter(sheet=sheet).count() == 2  # the approved version keeps its own


def test_the_subject_form_takes_leader_phone_functions_and_summary(client_as):
    """seed 003 附件1-2 二（二）5、6、11、12: 负责人, 联系电话, 单位职能概述, 支出概述 are entered with the subject."""
    from subjects.tests.helpers import make_subject

    subject = make_subject(name="负责人录入项目")
    client = client_as("edu_preparer")
    page = client.get(f"/subjects/{subject.pk}/edit/").content.decode()
    for name in ("leader", "leader_phone", "unit_functions", "summary"):
        assert f'name="{name}"' in page, name
    response = client.patch(
        f"/api/subjects/{subject.pk}/",
        {"leader": "郑明远", "leader_phone": "0351-6255433", "summary": "=SUM(A1)"},
        content_type="application/json",
        headers={"if-match": str(subject.version)},
    )
    assert response.status_code == 200, response.content
    entry = AuditEntry.objects.filter(object_type="subjects.subject", object_id=str(subject.pk)).first()
    assert "负责人" in str(entry.changes) and "郑明远" in str(entry.changes)


def test_demo_budget_adds_up_to_the_request():
    from targets.demo import _budget

    subject = Subject(name="第一中学食堂设施改造项目", is_new=False)
    items = _budget(subject, Decimal("860000.00"), Decimal("688000.00"))
    assert sum(i["requested_amount"] for i in items) == Decimal("860000.00")
    # the lines' 上年度资金 add up to the year's, as the 资金来源计划 under them prints it
    assert sum(i["previous_amount"] for i in items) == Decimal("688000.00")
    assert all(i["basis"] for i in items) and items[0]["previous_amount"] > 0
    assert all(i["previous_amount"] == 0 for i in _budget(subject, Decimal("860000.00")))


def test_reviewer_names_not_logins_in_both_outputs(client_as):
    sheet = full_sheet("签名打印项目")
    workflow.submit(sheet, user("edu_preparer"), sheet.version)
    workflow.approve(fresh(sheet), user("edu_head"), fresh(sheet).version, "同意报送")
    client = client_as("edu_preparer")
    text = word.text_of(client.get(f"/targets/{sheet.pk}/docx/").content)
    ws = workbook(client.get(f"/targets/{sheet.pk}/xlsx/").content).worksheets[0]
    cells = " ".join(str(c.value) for row in ws.iter_rows() for c in row if c.value)
    for out in (text, cells):
        assert "郑校长（示范市第一中学）" in out and "edu_head" not in out

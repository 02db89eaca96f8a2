"""Target sheets as documents (docs/decisions/0013): the Excel download in the 附件1 layout of
《长治市预算绩效管理办法》, the upload of a filled sheet (all-or-nothing, cell-precise errors), and the Word
print with the review opinions."""

import io

import pytest
from openpyxl import load_workbook

from audit.models import AuditEntry
from subjects.tests.helpers import user
from targets import actions
from targets.documents import word, xlsx_layout
from targets.models import TargetSheet
from targets.tests.helpers import GOOD_INDICATORS, fresh, good_sheet, library_subject, walk

pytestmark = pytest.mark.django_db


def snapshot(sheet) -> dict:
    sheet = fresh(sheet)
    rows = xlsx_layout.ordered_indicators(sheet)
    return {
        "indicators": [i.snapshot() for h in rows.values() for i in h],
        "stages": [(s.stage, s.start, s.finish) for s in sheet.stages.all()],
        "goals": {k: getattr(sheet, k) for k in xlsx_layout.GOAL_LABELS.values()},
        "flags": (sheet.serves_public, sheet.buys_outputs),
    }


def upload_file(content: bytes, name: str = "申报表.xlsx"):
    from imports.testing import upload

    return upload(content, name)


def post(client, content: bytes, name: str = "申报表.xlsx"):
    return client.post("/targets/io/", {"file": upload_file(content, name), "reason": "测试上传"})


def workbook(content: bytes):
    return load_workbook(io.BytesIO(content))


def saved(wb) -> bytes:
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def find_row(ws, text: str, column: int = 1, start: int = 1) -> int:
    for row in range(start, ws.max_row + 1):
        if str(ws.cell(row=row, column=column).value or "").replace(" ", "") == text:
            return row
    raise AssertionError(f"{text} not found")


def indicator_row(ws, name: str) -> int:
    return find_row(ws, name, column=3)


# --- download --------------------------------------------------------------------------------------------


def test_download_is_the_attachment_1_layout_printable_and_audited(client_as):
    """《长治市预算绩效管理办法》第十一条（四）: 申报材料为附件1 的申报表 — title, project rows, goals, schedule,
    the two indicator tables with merged level-1/level-2 cells, A4 page setup, 宋体."""
    sheet = good_sheet(library_subject("下载版式测试项目"))
    response = client_as("edu_preparer").get(f"/targets/{sheet.pk}/xlsx/")
    assert response.status_code == 200 and "spreadsheet" in response["Content-Type"]
    wb = workbook(response.content)
    ws = wb.worksheets[0]
    assert wb.sheetnames[-1] == xlsx_layout.NOTES_SHEET
    assert ws["A1"].value == "项目绩效目标申报表" and ws["A1"].font.name == "宋体"
    for label in (
        "项目名称",
        "主管部门",
        "资金情况（万元）",
        "长期目标",
        "年度目标",
        "实施进度计划",
        "长期绩效指标",
        "年度绩效指标",
    ):
        find_row(ws, label)
    assert ws.cell(row=find_row(ws, "项目名称"), column=2).value == "下载版式测试项目"
    assert ws.cell(row=find_row(ws, "项目名称"), column=7).value == sheet.subject.code
    assert int(ws.page_setup.paperSize) == 9 and ws.page_setup.orientation == "landscape"
    assert ws.sheet_properties.pageSetUpPr.fitToPage
    first = indicator_row(ws, "维修校舍面积")
    merged = {str(r) for r in ws.merged_cells.ranges}
    # 产出指标 spans its three annual rows (数量/质量/时效) in column A
    assert f"A{first}:A{first + 2}" in merged
    assert ws.cell(row=first, column=4).value == "≥" and ws.cell(row=first, column=5).value == "3000"
    assert ws.cell(row=first, column=6).value == "平方米" and ws.cell(row=first, column=1).border.left.style == "thin"
    entry = AuditEntry.objects.filter(object_type="targets.targetsheet", object_id=str(sheet.pk)).first()
    assert entry.action == "export" and "Excel" in entry.reason


def test_download_outside_reach_is_404(client_as):
    sheet = good_sheet(library_subject("下载越权测试项目"))
    assert client_as("health_preparer").get(f"/targets/{sheet.pk}/xlsx/").status_code == 404
    assert client_as("health_preparer").get(f"/targets/{sheet.pk}/docx/").status_code == 404
    assert client_as("health_preparer").get(f"/api/target-sheet-documents/{sheet.pk}/xlsx/").status_code == 404


def test_filtered_list_download_one_worksheet_per_sheet(client_as):
    good_sheet(library_subject("批量下载甲项目"))
    good_sheet(library_subject("批量下载乙项目"))
    response = client_as("desk_edu").get("/targets/io/xlsx/?q=批量下载")
    assert response.status_code == 200
    wb = workbook(response.content)
    assert len(wb.sheetnames) == 3 and any("批量下载甲项目" in t for t in wb.sheetnames)
    entry = AuditEntry.objects.filter(object_type="targets.targetsheet", action="export").first()
    assert "2 份" in entry.object_repr and "q=" in str(entry.changes)
    # the page offers the filters, 主管部门 among them
    body = client_as("desk_edu").get("/targets/io/").content.decode()
    assert "主管部门" in body and "io-download-form" in body
    api = client_as("desk_edu").get("/api/target-sheet-documents/xlsx/?q=批量下载")
    assert api.status_code == 200 and len(workbook(api.content).sheetnames) == 3


def test_an_empty_sheet_downloads_as_the_blank_template(client_as):
    sheet = actions.create_sheet(library_subject("空白模板测试项目"), user("edu_preparer"), 2026)
    ws = workbook(client_as("edu_preparer").get(f"/targets/{sheet.pk}/xlsx/").content).worksheets[0]
    annual = find_row(ws, "年度绩效指标")
    assert ws.cell(row=annual + 2, column=1).value == "产出指标"
    assert ws.cell(row=annual + 2, column=2).value == "数量指标" and not ws.cell(row=annual + 2, column=3).value


# --- upload ----------------------------------------------------------------------------------------------


def test_round_trip_download_then_upload_keeps_identical_indicators(client_as):
    sheet = good_sheet(library_subject("往返测试项目"))
    before = snapshot(sheet)
    client = client_as("edu_preparer")
    content = client.get(f"/targets/{sheet.pk}/xlsx/").content
    response = post(client, content)
    assert response.status_code == 302, response.content.decode()[-3000:]
    assert snapshot(sheet) == before
    entry = AuditEntry.objects.filter(object_type="targets.targetsheet", object_id=str(sheet.pk)).first()
    assert entry.action == "import" and entry.reason == "测试上传" and "申报表.xlsx" in str(entry.changes)


def test_upload_fills_the_blank_template_and_runs_the_quality_review(client_as):
    sheet = actions.create_sheet(library_subject("模板填写测试项目"), user("edu_preparer"), 2026)
    client = client_as("edu_preparer")
    wb = workbook(client.get(f"/targets/{sheet.pk}/xlsx/").content)
    ws = wb.worksheets[0]
    ws.cell(row=find_row(ws, "年度目标"), column=2).value = "完成 2000 平方米维修"
    annual = find_row(ws, "年度绩效指标")
    row = annual + 2  # 产出指标 / 数量指标
    for column, value in enumerate(["维修面积", "≥", 2000, "平方米", 30, "验收单", "计划标准", ""], start=3):
        ws.cell(row=row, column=column).value = value
    schedule = find_row(ws, "实施进度计划") + 2
    ws.cell(row=schedule, column=2).value = "施工"
    ws.cell(row=schedule, column=7).value = "2026年5月1日"
    ws.cell(row=schedule, column=9).value = "2026-09-30"
    response = post(client, saved(wb))
    assert response.status_code == 302, response.content.decode()[-3000:]
    sheet = fresh(sheet)
    row = sheet.indicators.get()
    assert (row.level1, row.level2, row.name, row.comparator, row.target_value, row.weight) == (
        "output",
        "quantity",
        "维修面积",
        "ge",
        "2000",
        30,
    )
    assert sheet.stages.get().start.isoformat() == "2026-05-01"
    assert sheet.checked_at is not None and sheet.blocking_count > 0  # the review ran (no satisfaction indicator …)


def test_upload_creates_a_draft_sheet_for_a_subject_without_one(client_as):
    template = good_sheet(library_subject("新建来源项目"))
    target = library_subject("上传新建目标项目")
    client = client_as("edu_preparer")
    wb = workbook(client.get(f"/targets/{template.pk}/xlsx/").content)
    ws = wb.worksheets[0]
    ws.cell(row=find_row(ws, "项目名称"), column=7).value = target.code
    assert post(client, saved(wb)).status_code == 302
    created = TargetSheet.objects.get(subject=target)
    assert created.status == "draft" and created.indicators.count() == len(GOOD_INDICATORS)


def test_each_kind_of_error_is_reported_at_its_cell_and_nothing_is_written(client_as):
    """Vocabulary of 附件1 (一级/二级指标), 指标性质 ≥ ≤ = 定性, numbers for quantitative values, dates, 分值."""
    sheet = good_sheet(library_subject("错误定位测试项目"))
    before = snapshot(sheet)
    client = client_as("edu_preparer")
    wb = workbook(client.get(f"/targets/{sheet.pk}/xlsx/").content)
    ws = wb.worksheets[0]
    title = ws.title
    ws.cell(row=find_row(ws, "年度目标"), column=2).value = ""
    area = indicator_row(ws, "维修校舍面积")
    ws.cell(row=area, column=5).value = "三千"  # quantitative, not a number
    quality = indicator_row(ws, "工程验收合格率")
    ws.cell(row=quality, column=4).value = ">"  # not a comparator
    timely = indicator_row(ws, "按期完工率")
    ws.cell(row=timely, column=7).value = 150  # weight out of range
    cost = indicator_row(ws, "维修改造成本")
    ws.cell(row=cost, column=1).value = "投入指标"  # not a level 1
    satisfaction = indicator_row(ws, "师生满意度")
    ws.cell(row=satisfaction, column=2).value = "数量指标"  # not under 满意度指标
    schedule = find_row(ws, "实施进度计划") + 2
    ws.cell(row=schedule, column=7).value = "2026-02-30"
    response = post(client, saved(wb))
    assert response.status_code == 200
    body = response.content.decode()
    expected = [
        f"工作表“{title}”第 {area} 行 E 列（指标值）：定量指标的指标值须为数值",
        f"工作表“{title}”第 {quality} 行 D 列（指标性质）：“&gt;”不是指标性质",
        f"工作表“{title}”第 {timely} 行 G 列（分值）：分值 150 超出范围",
        f"工作表“{title}”第 {cost} 行 A 列（一级指标）：“投入指标”不是一级指标",
        f"工作表“{title}”第 {satisfaction} 行 B 列（二级指标）：“数量指标”不属于“满意度指标”",
        f"工作表“{title}”第 {schedule} 行 G 列（开始时间）：日期“2026-02-30”不存在",
        "B 列（年度目标）：必填",
    ]
    for text in expected:
        assert text in body, text
    assert "没有写入" in body
    assert snapshot(sheet) == before


def test_all_or_nothing_across_worksheets(client_as):
    good = good_sheet(library_subject("全有全无甲项目"))
    bad = good_sheet(library_subject("全有全无乙项目"))
    before = snapshot(good)
    client = client_as("edu_preparer")
    wb = workbook(client.get("/targets/io/xlsx/?q=全有全无").content)
    first = next(ws for ws in wb.worksheets if "甲" in ws.title)
    first.cell(row=indicator_row(first, "维修校舍面积"), column=5).value = "4000"  # a valid change
    second = next(ws for ws in wb.worksheets if "乙" in ws.title)
    second.cell(row=indicator_row(second, "工程验收合格率"), column=7).value = "很多"
    response = post(client, saved(wb))
    assert "不是数值：分值须为 0 到 100 之间的数" in response.content.decode()
    assert snapshot(good) == before and fresh(bad).indicators.count() == len(GOOD_INDICATORS)


def test_approved_or_in_review_sheet_is_refused_with_a_clear_message(client_as):
    """《长治市预算绩效管理办法》第十五条: 批复的绩效目标一般不予调整，确需调整的重新报批 — not by upload."""
    client = client_as("edu_preparer")
    approved = walk(good_sheet(library_subject("上传已批复项目")))
    content = client.get(f"/targets/{approved.pk}/xlsx/").content
    body = post(client, content).content.decode()
    assert "已审核通过" in body and "申请调整" in body
    in_review = good_sheet(library_subject("上传审核中项目"))
    from workflow import actions as workflow

    workflow.submit(in_review, user("edu_preparer"), in_review.version)
    content = client.get(f"/targets/{in_review.pk}/xlsx/").content
    assert "正在审核中" in post(client, content).content.decode()


def test_forged_upload_for_a_subject_outside_the_users_scope_is_404(client_as, persona):
    own = good_sheet(library_subject("伪造来源项目"))
    hospital = persona("health_preparer").role_assignments()[0].organisation
    foreign = library_subject("伪造目标医院项目", by="health_preparer", organisation=hospital)
    client = client_as("edu_preparer")
    wb = workbook(client.get(f"/targets/{own.pk}/xlsx/").content)
    ws = wb.worksheets[0]
    ws.cell(row=find_row(ws, "项目名称"), column=7).value = foreign.code
    response = post(client, saved(wb))
    assert response.status_code == 404
    assert not TargetSheet.objects.filter(subject=foreign).exists()
    assert AuditEntry.objects.filter(action="permission_denied", object_repr=foreign.code).exists()
    api = client.post("/api/target-sheet-documents/upload/", {"file": upload_file(saved(wb))})
    assert api.status_code == 404


def test_a_reviewer_may_not_upload(client_as):
    sheet = good_sheet(library_subject("审核人上传项目"))
    content = client_as("desk_edu").get(f"/targets/{sheet.pk}/xlsx/").content
    body = post(client_as("edu_reviewer"), content).content.decode()
    assert "只有项目单位的填报人" in body


def test_file_too_large_and_not_xlsx(client_as, settings):
    sheet = good_sheet(library_subject("文件大小测试项目"))
    client = client_as("edu_preparer")
    content = client.get(f"/targets/{sheet.pk}/xlsx/").content
    settings.JIXIAO_MAX_UPLOAD_BYTES = 1024
    body = post(client, content).content.decode()
    assert "文件不能超过" in body
    settings.JIXIAO_MAX_UPLOAD_BYTES = 20 * 1024 * 1024
    body = post(client, b"not a workbook", "x.xlsx").content.decode()
    assert "文件内容与扩展名不符：x.xlsx 实际是文本文件，只能上传 Excel 文件" in body


def test_api_upload_reports_issues_and_saves(client_as):
    sheet = good_sheet(library_subject("接口上传测试项目"))
    client = client_as("edu_preparer")
    content = client.get(f"/api/target-sheet-documents/{sheet.pk}/xlsx/").content
    response = client.post("/api/target-sheet-documents/upload/", {"file": upload_file(content)})
    assert response.status_code == 200 and response.json()["sheets"][0]["id"] == sheet.pk
    wb = workbook(content)
    ws = wb.worksheets[0]
    ws.cell(row=indicator_row(ws, "维修校舍面积"), column=4).value = "大于"
    response = client.post("/api/target-sheet-documents/upload/", {"file": upload_file(saved(wb))})
    assert response.status_code == 400 and "（指标性质）" in response.json()["issues"][0]


# --- Word ------------------------------------------------------------------------------------------------


def test_word_print_has_indicators_and_the_review_opinions_of_each_step(client_as):
    """《长治市预算绩效管理办法》附件1 审核意见: 主管部门审核意见, 财政局业务科室审核意见, 预算绩效管理科审核意见."""
    sheet = good_sheet(library_subject("打印测试项目"))
    from workflow import actions as workflow

    workflow.submit(sheet, user("edu_preparer"), sheet.version, "请审核")
    opinions = {
        "edu_head": "同意报送",
        "edu_reviewer": "绩效目标符合申报要求，建议安排资金",
        "desk_edu": "业务科室同意",
    }
    for username, opinion in opinions.items():
        sheet = fresh(sheet)
        workflow.approve(sheet, user(username), sheet.version, opinion)
    response = client_as("desk_edu").get(f"/targets/{sheet.pk}/docx/")
    assert response.status_code == 200 and "wordprocessingml" in response["Content-Type"]
    text = word.text_of(response.content)
    for expected in (
        "项目绩效目标申报表",
        "打印测试项目",
        "维修校舍面积",
        "≥3000平方米",
        "长期绩效指标",
        "年度绩效指标",
        "单位意见",
        "主管部门审核意见",
        "财政部门业务科室审核意见",
        "财政部门预算绩效管理科审核意见",
        "绩效目标符合申报要求，建议安排资金",
        "业务科室同意",
        "吴审核（示范市教育局）",  # the reviewer by name and office, as signed on paper (issue 12 §2)
        "（尚未审核）",
    ):
        assert expected in text, expected
    assert "edu_reviewer" not in text and "edu_preparer" not in text  # never a login name
    entry = AuditEntry.objects.filter(object_type="targets.targetsheet", object_id=str(sheet.pk)).first()
    assert entry.action == "export" and "Word" in entry.reason
    api = client_as("desk_edu").get(f"/api/target-sheet-documents/{sheet.pk}/docx/")
    assert api.status_code == 200


def test_detail_page_offers_the_documents(client_as):
    sheet = good_sheet(library_subject("详情按钮测试项目"))
    body = client_as("edu_preparer").get(f"/targets/{sheet.pk}/").content.decode()
    assert f"/targets/{sheet.pk}/xlsx/" in body and f"/targets/{sheet.pk}/docx/" in body and "upload-xlsx" in body
    body = client_as("desk_edu").get(f"/targets/{sheet.pk}/").content.decode()
    assert "download-docx" in body and "upload-xlsx" not in body

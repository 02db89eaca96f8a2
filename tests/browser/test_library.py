"""The project library end to end: a school enters a new project, the bureau and the finance desk review it,
admission is refused until the ex-ante assessment has cleared it, the bureau assesses it, finance approves the
assessment (予以支持, with its Word report), the desk admits the subject (已入库), the budget section is refused until the
year's targets are approved (no target, no budget) and then funds it."""

import io
import re
import time
import zipfile
from decimal import Decimal

import pytest
from playwright.sync_api import expect

from tests.browser.helpers import app_shell, review

pytestmark = pytest.mark.browser

ORG = "示范市第一中学"
REQUESTED = "1280000.00"
ARRANGED = "1200000.00"
NOT_ASSESSED_TEXT = "尚无审核通过且结论为“予以支持”或“完善后予以支持”的评估，不得入库或安排预算"


def approve_targets(live_app, subject_id: str) -> None:
    code = f"""
from subjects.models import Subject
from targets.demo import approved_targets
from accounts.models import User
users = {{u.username: u for u in User.objects.filter(username__in=["edu_preparer", "edu_head", "edu_reviewer", "desk_edu", "perf", "leader", "budget"])}}
approved_targets(Subject.objects.get(pk={subject_id}), users, reason="浏览器测试")
"""
    app_shell(live_app, code)


def test_subject_is_assessed_admitted_and_funded(ui_as, live_app):
    stamp = time.strftime("%H%M%S")
    name = f"示范市第一中学智慧教室建设项目（{stamp}）"

    # 1. The school's preparer enters a new project and submits it into the review chain.
    school = ui_as("edu_preparer")
    page = school.page
    school.goto("/subjects/")
    expect(school.heading()).to_have_text("项目库")
    with page.expect_navigation():
        page.click("#create")
    expect(page).to_have_url(re.compile(r"/subjects/new/$"))
    year = int(page.input_value("#id_fiscal_year"))
    page.fill("#id_name", name)
    page.select_option("#id_kind", "project")
    expect(page.locator("#id_organisation option:checked")).to_have_text(ORG)
    page.fill("#id_start_year", str(year))
    page.fill("#id_end_year", str(year))
    page.select_option("#id_duration", "one_off")
    page.check("#id_is_new")
    page.select_option("#id_budget_kind", "general")
    page.check("input[name=fund_sources][value=local]")
    page.fill("#id_function_subject_code", "2050203")  # 教育支出 · 普通教育 · 初中教育
    page.select_option("#id_category", "administrative")
    page.select_option("#id_sub_category", "purchase")
    page.fill("#id_start_date", f"{year}-03-01")
    page.fill("#id_end_date", f"{year}-12-31")
    page.fill("#id_basis", "《教育信息化2.0行动计划》；《示范市“十四五”教育事业发展规划》关于推进智慧校园建设的要求。")
    page.fill(
        "#id_feasibility",
        "学校已完成校园网升级改造，机房与电力容量满足需要；设备采购纳入政府集中采购目录，实施条件成熟。",
    )
    page.fill(
        "#id_necessity", "现有 36 间普通教室多媒体设备使用已超过 8 年，故障率高，无法满足信息化教学和课后服务需要。"
    )
    page.fill("#id_previous_amount", "0")
    page.fill("#id_requested_amount", REQUESTED)
    page.fill("#id_reason", f"浏览器测试 {stamp}")
    school.shot("library-01-preparer-form")
    with page.expect_navigation():
        page.click("#submit")
    expect(page.locator(".alert-success")).to_contain_text("已保存：")
    expect(school.heading()).to_have_text(name)
    match = re.search(r"/subjects/(\d+)/$", page.url)
    assert match, page.url
    subject_url = match.group(0)
    expect(page.locator("#stage")).to_have_text("申报中")
    expect(page.locator("#needs-assessment")).to_have_text("须事前绩效评估")
    expect(page.locator("#year-amounts tbody tr").first).to_contain_text("1,280,000.00")
    review(school, "submit", "请审核智慧教室建设项目")
    expect(page.locator(".alert-success")).to_contain_text("已提交")
    expect(page.locator("#current-step")).to_have_text("主管部门审核")
    school.shot("library-02-preparer-submitted")

    # 2. The bureau approves its step; the finance desk cannot admit the subject before the assessment.
    bureau = ui_as("edu_reviewer")
    bureau.goto(subject_url)
    expect(bureau.heading()).to_have_text(name)
    review(bureau, "approve", "同意，报财政审核")
    expect(bureau.page.locator(".alert-success")).to_contain_text("已审核通过")
    expect(bureau.page.locator("#current-step")).to_have_text("财政业务科室审核")

    desk = ui_as("desk_edu")
    desk.goto(subject_url)
    expect(desk.page.locator("#admission-problems")).to_contain_text(NOT_ASSESSED_TEXT)
    review(desk, "approve", "同意入库")
    refusal = desk.page.locator(".alert-danger")
    expect(refusal).to_contain_text("不能入库：该项目须开展事前绩效评估")
    expect(refusal).to_contain_text(NOT_ASSESSED_TEXT)
    expect(desk.page.locator("#stage")).to_have_text("申报中")
    expect(desk.page.locator("#current-step")).to_have_text("财政业务科室审核")
    desk.shot("library-03-desk-admission-refused")

    # 3. The bureau starts the ex-ante assessment, scores every point and submits it.
    page = bureau.page
    bureau.goto(subject_url)
    with page.expect_navigation():
        page.click("#start-assessment")
    # the subject is a searchable picker (no menu of every subject): the id is chosen, the box shows its name
    expect(page.locator("#id_subject_value")).to_have_value(re.search(r"\d+", subject_url).group(0))
    expect(page.locator("#id_subject")).to_have_value(re.compile("智慧教室建设项目"))
    expect(page.locator("#id_kind")).to_have_value("department")
    with page.expect_navigation():
        page.click("#submit")
    expect(page.locator(".alert-success")).to_contain_text("已发起")
    match = re.search(r"/assessments/(\d+)/$", page.url)
    assert match, page.url
    assessment_url = match.group(0)
    score_inputs = page.locator('#score-form input[name^="score_"]')
    count = score_inputs.count()
    assert count > 0
    total = Decimal("0")
    for i in range(count):
        field = score_inputs.nth(i)
        weight = Decimal(field.get_attribute("max"))
        score = (weight * Decimal("0.9")).quantize(Decimal("0.01"))
        total += score
        field.fill(str(score))
        point = field.get_attribute("name").removeprefix("score_")
        page.fill(
            f'#score-form textarea[name="finding_{point}"]',
            f"要点 {i + 1}：依据充分、论证到位，得 {score} 分（满分 {weight}）。",
        )
    assert total >= 80, total  # 予以支持 at 80 and above in the seeded template
    page.fill("#summary", "项目立项依据充分，建设内容与学校信息化教学需求相符，预算测算基本合理，绩效目标明确可衡量。")
    page.fill("#suggestions", "建议分批采购、统一运维，并将设备使用率纳入年度绩效监控。")
    bureau.shot("library-04-reviewer-scoring")
    with page.expect_navigation():
        page.click("#save-scores")
    expect(page.locator(".alert-success")).to_contain_text("已保存评分")
    expect(page.locator("#total-score")).to_have_text(f"{total:.2f}")
    review(bureau, "submit", "部门评估完成，请财政审核")
    expect(page.locator(".alert-success")).to_contain_text("已提交")
    expect(page.locator("#current-step")).to_have_text("财政业务科室审核")
    expect(page.locator("#conclusion-badge")).to_have_text("予以支持")

    desk.goto(assessment_url)
    review(desk, "approve", "评分合理，同意")
    expect(desk.page.locator(".alert-success")).to_contain_text("已审核通过")
    expect(desk.page.locator("#current-step")).to_have_text("预算绩效管理科审核")

    perf = ui_as("perf")
    page = perf.page
    perf.goto(assessment_url)
    review(perf, "approve", "同意评估结论")
    expect(page.locator(".alert-success")).to_contain_text("已审核通过")
    expect(page.locator("#conclusion-badge")).to_have_text("予以支持")
    expect(page.locator("#total-score")).to_have_text(f"{total:.2f}")
    expect(page.locator("#gate")).to_have_text("已满足事前评估条件")
    expect(page.locator("#review-status")).to_contain_text("审核通过")
    perf.shot("library-05-perf-approved")

    with page.expect_download() as info:
        page.click("#download-report")
    download = info.value
    assert download.suggested_filename.endswith(".docx"), download.suggested_filename
    content = open(download.path(), "rb").read()
    assert content[:4] == b"PK\x03\x04"
    assert "word/document.xml" in zipfile.ZipFile(io.BytesIO(content)).namelist()
    from docx import Document

    doc = Document(io.BytesIO(content))
    text = "\n".join(
        [p.text for p in doc.paragraphs]
        + [cell.text for table in doc.tables for row in table.rows for cell in row.cells]
    )
    assert name in text
    assert f"总得分 {total.normalize():f} 分，评估结论为：予以支持" in text

    # 4. Now the desk admits the subject, and the budget section arranges its money.
    page = desk.page
    desk.goto(subject_url)
    expect(page.locator("#admission-problems")).to_have_count(0)
    expect(page.locator("#subject-assessments tbody tr").first).to_contain_text("予以支持")
    review(desk, "approve", "事前评估予以支持，同意入库")
    expect(page.locator(".alert-success")).to_contain_text("已审核通过")
    expect(page.locator("#stage")).to_have_text("已入库")
    expect(page.locator("#review-status")).to_contain_text("审核通过")
    desk.shot("library-06-desk-admitted")

    # 5. No target, no budget (长治市办法第十一条（一）): the budget section is refused until the targets are approved.
    budget = ui_as("budget")
    page = budget.page
    budget.goto(subject_url)
    expect(page.locator("#stage")).to_have_text("已入库")
    page.fill("#id_amount", ARRANGED)
    page.fill("#lifecycle-form #id_reason", "按预算评审结果核减后安排")
    with page.expect_navigation():
        page.click("#action-fund")
    expect(page.locator(".alert-danger")).to_contain_text("尚未编制")
    expect(page.locator(".alert-danger")).to_contain_text("第十一条（一）")
    expect(page.locator("#stage")).to_have_text("已入库")
    budget.shot("library-07-budget-refused-without-targets")
    # The school's targets, filled and approved along their chain (tests/browser/test_targets.py walks the sheet
    # through its pages; here the actions do it in the app's database).
    approve_targets(live_app, re.search(r"\d+", subject_url).group(0))

    budget.goto(subject_url)
    page.fill("#id_amount", ARRANGED)
    page.fill("#lifecycle-form #id_reason", "按预算评审结果核减后安排")
    with page.expect_navigation():
        page.click("#action-fund")
    expect(page.locator(".alert-success")).to_contain_text("已办理，当前阶段：已安排预算")
    expect(page.locator("#stage")).to_have_text("已安排预算")
    expect(page.locator("#year-amounts tbody tr").first).to_contain_text("1,200,000.00")
    budget.shot("library-08-budget-funded")

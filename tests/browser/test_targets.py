"""A target sheet end to end in the browser: the school's preparer opens the demo draft of 第一中学学生资助补助,
sees the automatic review's blocking finding on vague wording (《长治市预算绩效管理办法》第十三条), adds an
indicator picked from the indicator library, fixes the vague value, saves (the finding is gone) and submits;
the unit head, the department, the finance desk and the performance section approve it (审核通过)."""

import re

import pytest
from playwright.sync_api import expect

from tests.browser.helpers import app_shell, review

pytestmark = pytest.mark.browser

SUBJECT = "第一中学学生资助补助"


def test_sheet_filled_from_the_library_fixed_and_approved(ui_as):
    school = ui_as("edu_preparer")
    page = school.page
    school.goto("/targets/")
    expect(school.heading()).to_have_text("绩效目标申报表")
    with page.expect_navigation():
        page.locator("#table-container a", has_text=SUBJECT).first.click()
    match = re.search(r"/targets/(\d+)/$", page.url)
    assert match, page.url
    sheet_url = match.group(0)

    # 1. The demo draft carries a blocking finding: a quantitative indicator named 明显提高 with no number.
    vague = page.locator("#quality-findings .finding[data-rule=vague_wording]")
    expect(vague).to_be_visible()
    expect(vague).to_contain_text("阻断")
    school.shot("targets-01-draft-with-finding")

    # 2. Edit: pick a satisfaction indicator from the library into the first blank row, fix the vague value.
    with page.expect_navigation():
        page.click("#edit")
    page.fill("#pick-query", "满意度")
    page.press("#pick-query", "Enter")
    first = page.locator("[data-pick-results] button").first
    expect(first).to_be_visible()
    picked = first.inner_text()
    first.click()
    rows = page.locator("[data-indicator-row]")
    filled = None
    for i in range(rows.count()):
        row = rows.nth(i)
        if (
            row.locator("[name$='-library_indicator']").count()
            and row.locator("[name$='-library_indicator']").input_value()
        ):
            filled = row
    assert filled is not None, "the picked indicator was not placed in a row"
    expect(filled.locator("[name$='-level1']")).to_have_value("satisfaction")
    picked_name = filled.locator("[name$='-name']").input_value()
    assert picked_name and picked_name in picked
    filled.locator("[name$='-target_value']").fill("95")
    filled.locator("[name$='-unit']").fill("%")
    filled.locator("[name$='-comparator']").select_option("ge")
    filled.locator("[name$='-weight']").fill("0")
    filled.locator("[name$='-data_source']").fill("问卷调查")
    # The demo draft's vague quantitative indicator (seed 003 第十三条（二）): its name says 明显提高 with no number.
    vague_row = rows.filter(has=page.locator("[name$='-name'][value='教学质量明显提高']"))
    expect(vague_row).to_have_count(1)
    vague_row.locator("[name$='-name']").fill("教学质量达标率")
    school.shot("targets-02-edit-picked-and-fixed")
    with page.expect_navigation():
        page.click("#submit")
    expect(page.locator(".alert-success")).to_be_visible()
    expect(page).to_have_url(re.compile(sheet_url + "$"))
    expect(page.locator("#quality-findings .finding[data-rule=vague_wording]")).to_have_count(0)
    expect(page.locator("#quality-findings .finding .badge.bg-red")).to_have_count(0)
    expect(page.locator("#tree-annual")).to_contain_text(picked_name)
    school.shot("targets-03-saved-no-blocking-finding")

    # 3. Submit, then every reviewer of the chain approves it.
    review(school, "submit", "请审核学生资助补助绩效目标")
    expect(page.locator(".alert-success")).to_contain_text("已提交")
    for persona, opinion in [
        ("edu_head", "同意"),
        ("edu_reviewer", "同意报送财政"),
        ("desk_edu", "审核通过"),
        ("perf", "绩效目标审核通过"),
        ("leader", "局务会研究同意"),  # the budget cycle (seed 003 第十二条): 局领导审定, then 预算管理科批复
        ("budget", "同意，随预算批复"),
    ]:
        reviewer = ui_as(persona)
        reviewer.goto(sheet_url)
        expect(reviewer.page.locator("#quality-findings")).to_be_visible()
        review(reviewer, "approve", opinion)
        expect(reviewer.page.locator(".alert-success")).to_be_visible()
    expect(reviewer.page.locator("#review-status .badge").first).to_have_text("审核通过")
    reviewer.shot("targets-04-approved")


def _draft_sheet(live_app, annual_goal: str = "") -> str:
    """The id of the editable sheet of 第一中学校舍维修改造项目 (created in the live app's database when missing)."""
    return app_shell(
        live_app,
        "from accounts.models import User\n"
        "from subjects.models import Subject\n"
        "from targets import actions\n"
        "from targets.models import TargetSheet\n"
        "s = Subject.objects.get(name='第一中学校舍维修改造项目')\n"
        "sheet = TargetSheet.objects.filter(subject=s).first() or actions.create_sheet("
        "s, User.objects.get(username='edu_preparer'), s.fiscal_year, reason='浏览器测试')\n"
        + (f"TargetSheet.objects.filter(pk=sheet.pk).update(annual_goal={annual_goal!r})\n" if annual_goal else "")
        + "print(sheet.pk)",
    ).split()[-1]


def test_rows_are_added_in_the_page_and_the_grid_takes_the_width(ui_as, live_app):
    """Issue 12 §7: 添加行 adds an indicator row (and a stage row) without a save, numbered as the formset expects;
    the grid is not capped at the page's usual width."""
    pk = _draft_sheet(live_app)
    school = ui_as("edu_preparer")
    page = school.page
    school.goto(f"/targets/{pk}/edit/")
    rows = page.locator("#indicator-table tbody tr")
    before = rows.count()
    prefix = page.locator("#add-indicator-row").get_attribute("data-prefix")
    total = page.locator(f"#id_{prefix}-TOTAL_FORMS")
    assert int(total.input_value()) == before
    page.click("#add-indicator-row")
    page.click("#add-indicator-row")
    expect(rows).to_have_count(before + 2)
    assert int(total.input_value()) == before + 2
    assert rows.last.locator(f"[name='{prefix}-{before + 1}-name']").count() == 1
    stage_rows = page.locator("#stage-table tbody tr")
    stages_before = stage_rows.count()
    page.click("#add-stage-row")
    expect(stage_rows).to_have_count(stages_before + 1)
    width = page.evaluate("document.querySelector('#indicator-table').getBoundingClientRect().width")
    assert width > 1320, width  # not the 1,320 px container any more (the browser window is wider)
    school.shot("targets-05-rows-added")
    school.assert_clean("targets-rows")


def test_a_recommendation_is_added_in_place_and_saved_with_the_form(ui_as, live_app):
    """Issue 12 §7: 指标推荐's 添加 puts the indicator into the grid on the page (no reload, nothing typed is lost);
    the preparer sets its weight and saves it with the rest."""
    pk = _draft_sheet(live_app, annual_goal="完成校舍维修改造，消除安全隐患。")
    school = ui_as("edu_preparer")
    page = school.page
    school.goto(f"/targets/{pk}/edit/")
    page.fill("#id_long_term_goal", "校舍安全达标。")  # typed, not yet saved
    buttons = page.locator("#recommendations [data-fill-indicator]")
    expect(buttons.first).to_be_visible()
    name = page.locator("#recommendations tbody tr").first.get_attribute("data-suggestion")
    rows = page.locator("#indicator-table tbody tr")
    before = rows.count()
    buttons.first.click()
    expect(buttons.first).to_have_text("已加入表格")
    filled = page.locator("#indicator-table [name$='-name']").evaluate_all("els => els.map(e => e.value)")
    assert name in filled, filled
    assert rows.count() in (before, before + 1)  # a blank row is used first, else one is added
    expect(page.locator("#id_long_term_goal")).to_have_value("校舍安全达标。")
    school.shot("targets-06-recommendation-in-place")
    assert "/recommend/add/" not in page.content()

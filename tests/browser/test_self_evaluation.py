"""A self-evaluation end to end (issue 13): the performance section opens a year's self-evaluation and watches the
forms being created; the school's preparer fills its form, watches the score and grade follow what it types without
saving, gives the reason and measure for a deviation, saves and submits; its head, the department, the finance desk
and the performance section approve; the form shows 审核通过.

The browser server runs with the database task backend (as in production), so this module starts its own
``manage.py db_worker`` for the forms to be created. The year is one the demo has not opened (2024), with one subject
of 第一中学 funded, its targets approved and its treasury data loaded (evaluations/tests/self_helpers.py)."""

import re
import subprocess
import sys

import pytest
from playwright.sync_api import expect

from tests.browser.helpers import BASE_DIR, app_shell, review, stop

pytestmark = pytest.mark.browser

YEAR = 2024
SUBJECT = "浏览器测试校舍维修项目"


@pytest.fixture(scope="module")
def worker(live_app):
    log = (live_app.log_path.parent / "db_worker_self_evaluation.log").open("w")
    proc = subprocess.Popen(
        [sys.executable, "manage.py", "db_worker", "--no-startup-delay", "--interval", "0.2", "--no-reload"],
        cwd=BASE_DIR,
        env=live_app.env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    yield proc
    stop(proc)
    log.close()


def _prepare_subject(live_app) -> None:
    """A 2024 subject of 第一中学: arranged 500,000.00, allocated, paid 450,000.00, targets approved."""
    script = (
        "from evaluations.tests import self_helpers\n"
        f"self_helpers.YEAR = {YEAR}\n"
        "from subjects.models import Subject\n"
        f"if not Subject.objects.filter(name='{SUBJECT}').exists():\n"
        f"    self_helpers.funded_subject('{SUBJECT}')\n"
        "print('ok')\n"
    )
    assert "ok" in app_shell(live_app, script)


def _path(page) -> str:
    return re.sub(r"^https?://[^/]+", "", page.url).split("#")[0]


def _row(page, name: str):
    return page.locator("#row-formset tbody tr", has_text=name)


def test_a_self_evaluation_is_opened_filled_with_a_live_score_and_approved(ui_as, live_app, worker):
    _prepare_subject(live_app)

    # The performance section opens the 2024 self-evaluation and watches the forms being created.
    perf = ui_as("perf")
    page = perf.page
    perf.goto("/evaluations/rounds/")
    with page.expect_navigation():
        page.click("#create")
    expect(perf.heading()).to_have_text("开启单位自评")
    page.fill("#id_fiscal_year", str(YEAR))
    page.fill("#id_name", f"示范市 {YEAR} 年度绩效自评（浏览器测试）")
    page.fill("#id_due_date", "2026-10-31")
    page.fill("#id_notice", "请各单位对照批复的绩效目标如实自评，并上传佐证材料。")
    perf.shot("self-evaluation-01-open")
    with page.expect_navigation():
        page.click("#submit")
    expect(page.locator(".alert-success")).to_contain_text("已开启")
    expect(page.locator("#round-status")).to_have_text("进行中", timeout=60_000)  # htmx polls, then reloads
    expect(page.locator("#count-total")).not_to_have_text("0")
    perf.shot("self-evaluation-02-round")
    perf.assert_clean("round")

    # The school's preparer finds its form and fills it; the score follows what it types, nothing saved.
    unit = ui_as("edu_preparer")
    page = unit.page
    unit.goto("/evaluations/forms/?q=" + SUBJECT)
    with page.expect_navigation():
        page.locator("#table-container a", has_text=SUBJECT).first.click()
    expect(unit.heading()).to_have_text(SUBJECT)
    expect(page.locator("#budget")).to_have_text("500,000.00")
    expect(page.locator("#paid")).to_have_text("450,000.00")
    with page.expect_navigation():
        page.click("#edit")
    total, grade = page.locator("#score-total"), page.locator("#score-grade")
    before = total.inner_text()
    _row(page, "维修校舍面积").locator("input[name$='-actual']").fill("3000")
    expect(total).not_to_have_text(before)
    for name, value in [("工程验收合格率", "100"), ("按期完工率", "95"), ("维修改造成本", "45"), ("师生满意度", "92")]:
        _row(page, name).locator("input[name$='-actual']").fill(value)
    qualitative = _row(page, "消除校舍安全隐患")
    qualitative.locator("select[name$='-band']").select_option("achieved")
    qualitative.locator("input[name$='-share']").fill("100")
    expect(total).to_have_text("99.00")
    expect(grade).to_have_text("优")
    # A shortfall: the score and grade drop and the deviation needs a reason and a measure.
    _row(page, "维修校舍面积").locator("input[name$='-actual']").fill("1500")
    expect(total).to_have_text("89.00")
    expect(grade).to_have_text("良")
    expect(page.locator("#score-rows tr", has_text="维修校舍面积")).to_contain_text("须填写偏差原因和改进措施")
    expect(page.locator("#deviation-missing")).to_contain_text("维修校舍面积")
    unit.shot("self-evaluation-03-live-score")
    shortfall = _row(page, "维修校舍面积")
    shortfall.locator("textarea[name$='-deviation_reason']").fill("汛期停工两个月，部分校舍顺延至次年维修")
    shortfall.locator("textarea[name$='-improvement']").fill("调整施工计划，次年一季度完成剩余面积")
    expect(page.locator("#deviation-missing")).to_have_count(0)
    page.fill("#id_goal_completion", "完成校舍维修 1,500 平方米，消除主要安全隐患，师生满意度 92%。")
    with page.expect_navigation():
        page.click("#submit")
    expect(page.locator(".alert-success")).to_contain_text("已保存")
    expect(page.locator("#total-score")).to_have_text("89.00")
    expect(page.locator("#grade")).to_have_text("良")
    expect(page.locator("#submission-problems")).to_have_count(0)
    unit.shot("self-evaluation-04-saved")
    review(unit, "submit", "请审核")
    expect(page.locator(".alert-success")).to_contain_text("已提交")
    form_path = _path(page)
    unit.assert_clean("form")

    # The chain: the unit's head, the department, the finance desk, the performance section.
    for username in ("edu_head", "edu_reviewer", "desk_edu", "perf"):
        reviewer = ui_as(username)
        reviewer.goto(form_path)
        expect(reviewer.page.locator("#action-approve")).to_be_visible()
        review(reviewer, "approve", "同意")
        expect(reviewer.page.locator(".alert-success")).to_contain_text("审核通过")
        reviewer.assert_clean(f"review by {username}")
    unit.goto(form_path)
    expect(page.locator("#review-status")).to_contain_text("审核通过")
    expect(page.locator("#edit")).to_have_count(0)
    unit.shot("self-evaluation-05-approved")

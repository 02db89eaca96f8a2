"""The spot re-check page in a browser (issue 13, seed 001 第二十一条): the performance section opens a pending
re-check of the demo's sample, sees the unit's data but not its scores, types a lower actual value and watches that
row's 复核得分 with its 计分说明 and the total change without saving; the demo's submitted re-check shows both scores
side by side. Nothing is saved: the demo stays as it was for the other browser tests."""

import re

import pytest
from playwright.sync_api import expect

from tests.browser.helpers import app_shell

pytestmark = pytest.mark.browser


def _ids(live_app) -> tuple[int, int]:
    """(a pending re-check with a numeric indicator, the submitted one) of the demo's sample."""
    out = app_shell(
        live_app,
        "from evaluations.models import RecheckItem\n"
        "pending = RecheckItem.objects.filter(status='pending', rechecker=None, agency=None,"
        " evaluation__indicators__kind='positive').order_by('pk').first()\n"
        "done = RecheckItem.objects.filter(status='submitted').order_by('pk').first()\n"
        "print(pending.pk, done.pk)\n",
    )
    pending, done = out.split()[-2:]
    return int(pending), int(done)


def test_the_recheck_page_scores_each_row_as_the_rechecker_types(ui_as, live_app):
    pending, done = _ids(live_app)
    ui = ui_as("perf")
    page = ui.page
    ui.goto(f"/evaluations/rechecks/{pending}/")
    expect(page.locator("#blind-note")).to_contain_text("复核提交后显示")
    expect(page.locator("#side-by-side")).to_have_count(0)
    row = page.locator("#recheck-rows tbody tr").filter(has=page.locator("input[placeholder='复核实际值']")).first
    box = row.locator("input[placeholder='复核实际值']")
    target = row.locator("td").nth(1).inner_text().split()[0]
    number = re.sub(r"[^0-9.]", "", target)
    assert number, f"a numeric target: {target!r}"
    score = row.locator(".row-score")
    box.fill(number)
    expect(score).not_to_have_text("—")
    full = score.inner_text()
    box.fill(str(float(number) / 2))
    expect(score).not_to_have_text(full)  # half the target: a lower row score, shown without saving
    expect(row.locator(".row-explanation")).to_contain_text("实际值")
    ui.shot("recheck-01-live-row-score")
    ui.goto(f"/evaluations/rechecks/{pending}/")
    expect(row.locator("input[placeholder='复核实际值']")).to_have_value(re.compile(r"^$|^[0-9.]+$"))
    ui.goto(f"/evaluations/rechecks/{done}/")
    expect(page.locator("#side-by-side")).to_be_visible()
    expect(page.locator("#recheck-status")).to_have_text("已复核")
    ui.shot("recheck-02-submitted-side-by-side")

"""The treasury uploads a payment CSV and watches the progress bar until the background job has loaded it.

The browser server runs with the database task backend (as in production), so this module starts its own
``manage.py db_worker`` on the browser database for the duration of the test and stops it afterwards."""

import csv
import io
import subprocess
import sys
import time

import pytest
from playwright.sync_api import expect

from core.clock import DEMO_TODAY
from tests.browser.helpers import BASE_DIR, app_shell, stop

pytestmark = pytest.mark.browser

ROWS = 60_000  # enough for the bar to be seen moving on a slow machine, small enough for a test


@pytest.fixture(scope="module")
def worker(live_app):
    log = (live_app.log_path.parent / "db_worker.log").open("w")
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


def _subject_codes(live_app) -> list[tuple[str, str]]:
    """(project code, payer code) of the demo city's subjects, read from the browser database."""
    script = (
        "from subjects.models import Subject\n"
        "for s in Subject.objects.filter(organisation__region__code='990100').select_related('organisation')"
        ".order_by('code')[:20]:\n    print(s.code, s.organisation.budget_code)"
    )
    out = app_shell(live_app, script)
    return [tuple(line.split()) for line in out.splitlines() if len(line.split()) == 2]


def _payment_csv(codes: list[tuple[str, str]], stamp: str) -> bytes:
    year = (
        DEMO_TODAY.year
    )  # the browser app's business date is the demo's (JIXIAO_BUSINESS_DATE=demo), not the wall clock
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(
        [
            "支付凭证号",
            "支付日期",
            "单位预算编码",
            "项目编码",
            "金额",
            "预算类别",
            "资金来源",
            "经济分类",
            "收款人",
            "用途",
        ]
    )
    for n in range(ROWS):
        code, payer = codes[n % len(codes)] if n % 100 else ("BROWSER-UNKNOWN", "101")
        writer.writerow(
            [
                f"BT{stamp}-{n:06d}",
                f"{year}-{1 + n % 6:02d}-{1 + n % 28:02d}",
                payer,
                code,
                f"{100 + n % 900}.{n % 100:02d}",
                "一般公共预算",
                "本级",
                "30201",
                "示范办公用品商贸有限公司",
                "办公用品采购",
            ]
        )
    return out.getvalue().encode("gbk")  # as the treasury system exports it


def test_treasury_uploads_payments_and_watches_the_progress(ui_as, live_app, worker, tmp_path):
    stamp = time.strftime("%H%M%S")
    path = tmp_path / f"国库支付明细-{stamp}.csv"
    codes = _subject_codes(live_app)
    path.write_bytes(_payment_csv(codes, stamp))

    treasury = ui_as("treasury")
    page = treasury.page
    treasury.goto("/stage/monitoring/")
    with page.expect_navigation():
        page.locator("#stage-links").get_by_role("link", name="国库支付明细").click()
    expect(treasury.heading()).to_have_text("国库支付明细")
    with page.expect_navigation():
        page.get_by_role("link", name="导入文件").click()
    expect(treasury.heading()).to_have_text("导入国库支付明细")
    page.set_input_files("#id_file", str(path))
    treasury.shot("payments-01-upload")
    with page.expect_navigation():
        page.click("#submit-load")

    # The job page: the bar is shown and polled (htmx, every second) until the job is done.
    job_url = page.url
    assert "/execution/jobs/" in job_url
    expect(page.locator("#import-progress")).to_be_visible()
    treasury.shot("payments-02-progress")
    seen = set()
    deadline = time.monotonic() + 240
    while time.monotonic() < deadline:
        status = page.locator("#import-job").get_attribute("data-status")
        seen.add(status)
        if status in ("succeeded", "failed"):
            break
        page.wait_for_timeout(300)
    assert page.url == job_url  # updated in place, never reloaded
    expect(page.locator("#import-status")).to_have_text("导入成功", timeout=5_000)
    expect(page.locator("#import-progress")).to_have_count(0)
    assert seen & {"pending", "running"}, seen
    expect(page.locator('#load-summary [data-count="total"]')).to_have_text(str(ROWS))
    expect(page.locator('#load-summary [data-count="inserted"]')).to_have_text(str(ROWS))
    expect(page.locator('#load-summary [data-count="unmatched"]')).to_contain_text(str(ROWS // 100))
    treasury.shot("payments-03-done")

    # The payments are in the list; the unknown project code waits in the queue.
    treasury.goto(f"/execution/payments/?q=BT{stamp}-000001")
    expect(page.locator("#payments tbody tr")).to_have_count(1)
    treasury.goto("/execution/unmatched/")
    row = page.locator('#unmatched-groups tr[data-code="BROWSER-UNKNOWN"]')
    expect(row).to_be_visible()
    # Matched with the searchable picker (issue 12 §5): type part of a code or name, choose, 匹配.
    row.locator("[data-picker-query]").fill(codes[0][0])
    choice = row.locator("[data-picker-choice]").first
    expect(choice).to_contain_text(codes[0][0])
    choice.click()
    treasury.shot("payments-04-unmatched")
    with page.expect_navigation():
        row.locator(".match-form button[type=submit]").click()
    expect(page.locator(".alert-success")).to_contain_text("已将项目编码 BROWSER-UNKNOWN 匹配到")
    expect(page.locator('#unmatched-groups tr[data-code="BROWSER-UNKNOWN"]')).to_have_count(0)
    treasury.shot("payments-05-matched")

"""Editing a record through the UI shows the field-level change, with its reason, in the audit admin's view."""

import re
import time

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser

ORG = "示范市第一中学"


def test_organisation_edit_appears_in_the_audit_log(ui):
    page = ui.page
    stamp = time.strftime("%H%M%S")
    new_phone = f"0990-6{stamp}"
    reason = f"核对联系电话（浏览器测试 {stamp}）"

    # The system administrator finds the school through the organisation list and edits its phone.
    ui.login("sysadmin")
    with page.expect_navigation():
        page.click('#stage-nav a[data-stage="system"]')
    with page.expect_navigation():
        page.locator("#stage-links").get_by_role("link", name="机构", exact=True).click()
    page.fill("#id_q", ORG)
    with page.expect_response(lambda r: "q=" in r.url and r.request.headers.get("hx-request") == "true"):
        page.press("#id_q", "Enter")
    link = page.locator("#table-container").get_by_role("link", name=ORG, exact=True)
    with page.expect_navigation():
        link.click()
    expect(ui.heading()).to_have_text(ORG)
    with page.expect_navigation():
        page.click("#edit")
    expect(ui.heading()).to_have_text(f"编辑机构：{ORG}")
    old_phone = page.input_value("#id_phone")
    page.fill("#id_phone", new_phone)
    page.fill("#id_reason", reason)
    ui.shot("audit-01-sysadmin-edit")
    with page.expect_navigation():
        page.click("#submit")
    expect(page.locator(".alert-success")).to_contain_text("已保存")
    expect(page.locator("dl")).to_contain_text(new_phone)
    history = page.locator("#record-history tbody tr").first
    expect(history).to_contain_text("联系电话")
    expect(history).to_contain_text(new_phone)
    expect(history).to_contain_text(reason)
    ui.shot("audit-02-sysadmin-saved")
    ui.logout()

    # The audit administrator filters the trail down to the change and reads it field by field.
    ui.login("auditadmin")
    with page.expect_navigation():
        page.click('#stage-nav a[data-stage="system"]')
    with page.expect_navigation():
        page.locator("#stage-links").get_by_role("link", name="审计日志").click()
    expect(ui.heading()).to_have_text("审计日志")
    with page.expect_response(lambda r: "action=update" in r.url and r.request.headers.get("hx-request") == "true"):
        page.select_option("#id_action", "update")
    page.fill("#id_q", stamp)
    with page.expect_response(lambda r: f"q={stamp}" in r.url and r.request.headers.get("hx-request") == "true"):
        page.press("#id_q", "Enter")
    expect(page).to_have_url(re.compile(rf"action=update.*q={stamp}|q={stamp}.*action=update"))
    rows = page.locator("#table-container tbody tr")
    expect(rows).to_have_count(1)
    row = rows.first
    expect(row).to_contain_text("系统管理员")
    expect(row).to_contain_text("修改")
    expect(row).to_contain_text(ORG)
    expect(row).to_contain_text(f"联系电话：{old_phone or '（空）'} → {new_phone}")
    expect(row).to_contain_text(reason)
    ui.shot("audit-03-auditadmin-list")

    with page.expect_navigation():
        row.locator("td").first.get_by_role("link").click()
    expect(page.locator("dl")).to_contain_text(reason)
    change = page.locator("#audit-changes tbody tr", has_text="联系电话")
    expect(change.locator("td")).to_have_text(["联系电话", old_phone or "（空）", new_phone])
    ui.shot("audit-04-auditadmin-detail")
    ui.logout()

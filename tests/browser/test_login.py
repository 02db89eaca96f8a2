"""Sign-in guards seen in the browser: lockout after repeated wrong passwords."""

import pytest
from playwright.sync_api import expect

from tests.browser.helpers import LOCKOUT_USER

pytestmark = pytest.mark.browser


def test_five_wrong_passwords_lock_the_account(ui):
    # LOCKOUT_USER exists only in the browser database, so locking it leaves every demo persona usable.
    page = ui.page
    error = page.locator("#login-error")
    for attempt in range(1, 5):
        ui.submit_login(LOCKOUT_USER, "wrong-password")
        expect(error).to_have_text(f"用户名或密码错误（再错 {5 - attempt} 次将锁定账户）")
    ui.submit_login(LOCKOUT_USER, "wrong-password")
    expect(error).to_have_text("连续 5 次密码错误，账户已锁定 30 分钟")
    ui.shot("login-locked")

    # Even the right password is refused while the lock lasts.
    ui.submit_login(LOCKOUT_USER)
    expect(error).to_contain_text("账户已锁定，请于")
    expect(page.locator("#user-menu")).to_have_count(0)

"""Sign-in guards seen in the browser: lockout after repeated wrong passwords, told to no one who signs in."""

import pytest
from playwright.sync_api import expect

from accounts.signin import FAILURE_MESSAGE
from tests.browser.helpers import LOCKOUT_USER

pytestmark = pytest.mark.browser


def test_five_wrong_passwords_lock_the_account(ui):
    # LOCKOUT_USER exists only in the browser database, so locking it leaves every demo persona usable.
    page = ui.page
    error = page.locator("#login-error")
    for _ in range(5):
        # One message for a wrong password, an unknown user and a locked account: no count of tries left.
        ui.submit_login(LOCKOUT_USER, "wrong-password")
        expect(error).to_have_text(FAILURE_MESSAGE)
    ui.shot("login-locked")

    # Even the right password is refused while the lock lasts, with the same message.
    ui.submit_login(LOCKOUT_USER)
    expect(error).to_have_text(FAILURE_MESSAGE)
    expect(page.locator("#user-menu")).to_have_count(0)

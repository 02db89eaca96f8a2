"""Every demo persona signs in (the three administrators with their second factor), walks every stage of the
navigation and the functions each stage offers them, and signs out. Each page is saved as a screenshot under
var/test-artifacts/screenshots/<database>/<persona>-<nn>-<page>.png."""

import re

import pytest
from playwright.sync_api import expect

from accounts.roles import ADMIN_ROLES
from core.navigation import OUTSIDE_ROLES, STAGES
from demo.seed import ACCOUNTS

pytestmark = pytest.mark.browser


def _slug(href: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", href.lower()).strip("-") or "root"


def _function_links(page) -> list[str]:
    links = page.locator("#stage-links a")
    return [links.nth(i).get_attribute("href") for i in range(links.count())]


def _sysadmin_pages(ui, shot):
    page = ui.page
    ui.goto("/organisations/")
    expect(page.locator("#table-container").get_by_role("link", name="示范市第一中学", exact=True)).to_be_visible()
    expect(page.get_by_role("link", name="新增")).to_be_visible()
    ui.goto("/accounts/users/")
    expect(ui.heading()).to_have_text("用户")
    expect(page.locator("#table-container").get_by_role("link", name="edu_preparer", exact=True)).to_be_visible()
    shot("users")


def _secadmin_pages(ui, shot):
    page = ui.page
    ui.goto("/stage/system/")
    with page.expect_navigation():
        page.locator("#stage-links").get_by_role("link", name="安全策略").click()
    expect(ui.heading()).to_have_text("安全策略")
    expect(page.locator("#id_max_failures")).to_have_value("5")
    # 取消 goes back to the previous page (without an inline script: the CSP forbids them).
    with page.expect_navigation():
        page.get_by_role("link", name="取消").click()
    expect(page).to_have_url(re.compile(r"/stage/system/$"))
    ui.goto("/accounts/users/")
    with page.expect_navigation():
        page.locator("#table-container").get_by_role("link", name="edu_preparer", exact=True).click()
    expect(ui.heading()).to_contain_text("冯填报")
    expect(page.locator("#role-table")).to_contain_text("单位填报人")
    expect(page.locator("#grant-form")).to_be_visible()
    expect(page.locator("#grant-form select[name=role]")).to_be_visible()
    expect(page.locator("#user-menu")).to_have_text("安全管理员")  # the shell still shows who is signed in
    shot("user-detail")


def _auditadmin_pages(ui, shot):
    page = ui.page
    ui.goto("/audit/")
    expect(ui.heading()).to_have_text("审计日志")
    rows = page.locator("#table-container tbody tr")
    expect(rows.first).to_be_visible()
    # Its own sign-in is the newest entry.
    expect(rows.first).to_contain_text("登录成功")
    expect(rows.first).to_contain_text("auditadmin")
    expect(page.locator("#export-xlsx")).to_be_visible()


ADMIN_PAGES = {"sysadmin": _sysadmin_pages, "secadmin": _secadmin_pages, "auditadmin": _auditadmin_pages}


@pytest.mark.parametrize("account", ACCOUNTS, ids=[a.username for a in ACCOUNTS])
def test_persona_walks_the_navigation(ui, account):
    page, name = ui.page, account.username
    counter = iter(range(100))

    def shot(label):
        ui.shot(f"{name}-{next(counter):02d}-{label}")

    ui.login(name, otp_shot=f"{name}-otp")
    expect(page.locator("#my-roles")).to_contain_text(account.role.label)
    me = page.locator("#user-menu")
    expect(me).to_have_text(account.name)
    shot("home")

    stage_links = page.locator("#stage-nav a[data-stage]")
    keys = [stage_links.nth(i).get_attribute("data-stage") for i in range(stage_links.count())]
    # 三员分立: the administrators work in 系统管理 only; the staff of the administration see every stage; the outside
    # roles see only the stages that offer them something (never 系统管理 or the monitoring data).
    if account.role in ADMIN_ROLES:
        stages = [s for s in STAGES if s.admin]
    elif account.role in OUTSIDE_ROLES:
        stages = [s for s in STAGES if s.key in keys]
        assert "indicators" in keys and "system" not in keys and "monitoring" not in keys
    else:
        stages = STAGES
    assert keys == [s.key for s in stages]

    functions: list[str] = []
    for stage in stages:
        with page.expect_navigation():
            page.click(f'#stage-nav a[data-stage="{stage.key}"]')
        expect(page).to_have_url(re.compile(rf"/stage/{stage.key}/$"))
        expect(ui.heading()).to_have_text(stage.label)
        expect(page.locator("#stage-nav li.active a")).to_have_attribute("data-stage", stage.key)
        expect(me).to_have_text(account.name)
        shot(stage.key)
        functions += [href for href in _function_links(page) if href not in functions]
        ui.assert_clean(f"stage {stage.key}")

    # 待办 in the top bar lists what waits for this persona, as many items as its badge says.
    badge = int(page.locator('#nav-todo [data-testid="todo-total"]').inner_text())
    with page.expect_navigation():
        page.click("#nav-todo")
    expect(ui.heading()).to_have_text("待办事项")
    if badge:
        expect(page.locator("#todo-table tbody tr a")).to_have_count(badge)
    else:
        expect(page.locator("#todo-table tbody")).to_contain_text("暂无待办事项")
    shot("todo")
    ui.assert_clean("待办")

    # The functions the stages list for this persona all open (every one is tried before failing).
    broken = []
    for href in functions:
        response = page.goto(href)
        shot(_slug(href))
        if response is None or not response.ok:
            broken.append(f"{href} → {response and response.status}")
            ui.watch.take_problems()  # the error response itself is reported here
            continue
        expect(ui.heading()).to_be_visible()
        expect(me).to_have_text(account.name)
        ui.assert_clean(href)

    if name in ADMIN_PAGES:
        ADMIN_PAGES[name](ui, shot)
        ui.assert_clean(f"{name}'s administration pages")

    ui.logout()
    assert not broken, f"{name}: links on the stage pages that do not open:\n  " + "\n  ".join(broken)

"""The page shell in the browser: the fiscal-year switcher, and the htmx-driven list tables."""

import re

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser


def _is_htmx(response) -> bool:
    return response.request.headers.get("hx-request") == "true"


def test_fiscal_year_switcher_changes_the_displayed_year(ui_as):
    ui = ui_as("perf")
    page = ui.page
    switcher = page.locator("#fiscal-year")
    year = int(switcher.input_value())
    options = [int(v) for v in switcher.locator("option").evaluate_all("os => os.map(o => o.value)")]
    assert year in options and year - 1 in options
    expect(page.locator(".page-header")).to_contain_text(f"{year} 预算年度")

    # Choosing a year submits the form (jixiao.js, no inline script) and comes back to the same page.
    with page.expect_navigation():
        switcher.select_option(str(year - 1))
    expect(page).to_have_url(ui.app.url + "/")
    expect(page.locator(".page-header")).to_contain_text(f"{year - 1} 预算年度")
    expect(switcher).to_have_value(str(year - 1))
    ui.shot("fiscal-year-switched")

    # The choice is kept for the session, on every page.
    with page.expect_navigation():
        page.click('#stage-nav a[data-stage="targets"]')
    expect(page.locator("#fiscal-year")).to_have_value(str(year - 1))
    with page.expect_navigation():
        page.locator("#fiscal-year").select_option(str(year))
    expect(page).to_have_url(re.compile(r"/stage/targets/$"))
    expect(page.locator("#fiscal-year")).to_have_value(str(year))


def test_organisation_table_filters_sorts_and_pages(ui_as):
    ui = ui_as("perf")
    page = ui.page
    with page.expect_navigation():
        page.click('#stage-nav a[data-stage="system"]')
    with page.expect_navigation():
        page.locator("#stage-links").get_by_role("link", name="机构", exact=True).click()
    expect(ui.heading()).to_have_text("机构")
    footer = page.locator("#table-container .card-footer")
    expect(footer).to_contain_text("第 1/")
    total = int(re.search(r"共 (\d+) 条", footer.inner_text()).group(1))
    page.evaluate("window.__notReloaded = true")

    # Filter by 类型: htmx swaps the table in place and pushes the filtered address.
    with page.expect_response(lambda r: "kind=unit" in r.url and _is_htmx(r)) as info:
        page.select_option("#id_kind", "unit")
    assert info.value.ok
    expect(page).to_have_url(re.compile(r"kind=unit"))
    kinds = page.locator("#table-container tbody tr td:nth-child(2)")
    expect(kinds.first).to_have_text("预算单位")
    assert set(kinds.all_inner_texts()) == {"预算单位"}
    expect(footer).to_contain_text("第 1/")
    units = int(re.search(r"共 (\d+) 条", footer.inner_text()).group(1))
    assert 25 < units < total
    assert page.evaluate("window.__notReloaded") is True

    # Sort by 名称 (a plain link: the whole page is rendered again, keeping the filter).
    header = page.locator("#table-container thead th", has_text="名称")
    with page.expect_navigation():
        header.get_by_role("link").click()
    expect(page).to_have_url(re.compile(r"sort=name"))
    expect(page).to_have_url(re.compile(r"kind=unit"))
    expect(page.locator("#table-container thead th", has_text="名称")).to_have_class(re.compile(r"\basc\b"))
    expect(page.locator("#id_kind")).to_have_value("unit")
    names_page1 = page.locator("#table-container tbody tr td:first-child").all_inner_texts()
    assert len(names_page1) == 25

    # Next page through htmx: sort and filter carried along, no reload.
    page.evaluate("window.__notReloaded = true")
    with page.expect_response(lambda r: "page=2" in r.url and _is_htmx(r)) as info:
        page.locator("#table-container .pagination").get_by_role("link", name="下一页").click()
    assert info.value.ok
    expect(footer).to_contain_text("第 2/")
    expect(page).to_have_url(re.compile(r"page=2"))
    for part in ("sort=name", "kind=unit"):
        expect(page).to_have_url(re.compile(part))
    names_page2 = page.locator("#table-container tbody tr td:first-child").all_inner_texts()
    assert names_page2 and not set(names_page2) & set(names_page1)
    assert set(page.locator("#table-container tbody tr td:nth-child(2)").all_inner_texts()) == {"预算单位"}
    assert page.evaluate("window.__notReloaded") is True
    ui.shot("organisations-filtered-sorted-page2")

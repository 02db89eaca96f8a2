"""Searchable pickers in the browser (issue 16, ADR 0028): the 主管部门 filter of the project library is a text box
that searches the departments the user may reach, not a menu of every department."""

import re

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser


def test_the_department_picker_searches_and_filters_the_list(ui_as):
    ui = ui_as("perf")
    page = ui.page
    ui.goto("/subjects/")
    footer = page.locator("#table-container .card-footer")
    total = int(re.search(r"共 (\d+) 条", footer.inner_text()).group(1))
    picker = page.locator("[data-picker]").filter(has=page.locator('input[name="department"]'))
    assert picker.locator("select, option").count() == 0  # no menu of options in the page

    query = picker.locator("[data-picker-query]")
    query.focus()  # the first focus lists the first matches of an empty search
    expect(picker.locator("[data-picker-choice]").first).to_be_visible()
    with page.expect_response(lambda r: "/pick/department/" in r.url and "q=" in r.url and "%E6%95%99" in r.url):
        query.fill("教育")
    page.wait_for_timeout(100)  # htmx swaps the results just after the response
    choices = picker.locator("[data-picker-choice]")
    expect(choices.first).to_be_visible()
    assert all("教育" in text for text in choices.all_inner_texts())
    ui.shot("picker-results")
    chosen = choices.first.get_attribute("data-text")
    chosen_id = choices.first.get_attribute("data-id")
    with page.expect_response(lambda r: f"department={chosen_id}" in r.url):
        choices.first.click()
    expect(page).to_have_url(re.compile(rf"department={chosen_id}"))
    expect(query).to_have_value(chosen)
    expect(footer).not_to_contain_text(f"共 {total} 条")
    ui.shot("picker-chosen")

    # A search that finds nothing says so; clearing the box drops the filter.
    query.fill("不存在的部门名称")
    expect(picker.locator("[data-picker-results]")).to_contain_text("没有找到")
    with page.expect_response(lambda r: "/subjects/" in r.url and f"department={chosen_id}" not in r.url):
        query.fill("")
    expect(footer).to_contain_text(f"共 {total} 条")
    ui.assert_clean("picker")


def test_a_round_names_its_key_subjects_with_a_picker_of_several(ui_as):
    """The new-round form (issue 12 §4): 重点监控项目 are chips added by searching, removable, submitted as a list."""
    ui = ui_as("perf")
    page = ui.page
    ui.goto("/monitoring/rounds/new/")
    picker = page.locator("[data-picker-multiple]")
    assert page.locator('select[name="key_subjects"]').count() == 0
    query = picker.locator("[data-picker-query]")
    for text in ("校园安保", "食堂设施"):
        with page.expect_response(lambda r: "/pick/key_subject/" in r.url and "q=" in r.url):
            query.fill(text)
        page.wait_for_timeout(100)
        choice = picker.locator("[data-picker-choice]").first
        expect(choice).to_contain_text(text)
        choice.click()
        expect(query).to_have_value("")
    chips = picker.locator("[data-picker-chip]")
    expect(chips).to_have_count(2)
    ui.shot("round-key-subjects")
    chips.nth(1).locator("[data-picker-remove]").click()
    expect(chips).to_have_count(1)
    page.fill("#id_name", "浏览器重点监控")
    page.select_option("#id_scope", "key")
    with page.expect_navigation():
        page.locator("form [type=submit]").last.click()
    expect(page.locator(".alert-success")).to_contain_text("已发起")
    expect(page.locator("body")).to_contain_text("第一中学校园安保服务")
    ui.shot("round-key-created")
    ui.assert_clean("round-picker")

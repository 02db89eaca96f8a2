"""The expert's day (issue 12 §1, §8; 长治市《预算绩效管理办法》第十四条): the review commissioned by the performance
section waits in the expert's 待办; the expert opens the target sheet from there, answers with a conclusion and an
opinion, and the performance section then reads both third-party opinions on the sheet."""

import re

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser

SUBJECT = "第一中学实验室设备购置项目"


def test_the_expert_answers_from_the_todo_and_finance_reads_it(ui_as):
    expert = ui_as("expert")
    page = expert.page
    with page.expect_navigation():
        page.click("#nav-todo")
    item = page.locator("#todo-table tbody tr a", has_text=f"绩效目标第三方评审：{SUBJECT}")
    expect(item).to_have_count(1)
    expert.shot("expert-01-todo")
    with page.expect_navigation():
        item.click()
    expect(expert.heading()).to_have_text(SUBJECT)
    card = page.locator("#third-party-reviews")
    expect(card).to_contain_text("沈专家")
    # the agency's review (already answered) is not the expert's to read
    expect(card.locator("tbody tr[id^=third-party-review-]")).to_have_count(1)
    expect(card).not_to_contain_text("成本指标仅列总额")
    form = card.locator("form.review-answer")
    form.get_by_label("修改完善后可安排预算").check()
    form.locator("textarea[name=opinion]").fill(
        "年度目标与设备购置内容对应；建议补充设备使用率指标，并按台套细化成本。"
    )
    expert.shot("expert-02-answer")
    with page.expect_navigation():
        form.get_by_role("button", name="提交评审意见").click()
    expect(page.locator(".alert-success")).to_contain_text("评审意见已提交")
    expect(card.locator("form.review-answer")).to_have_count(0)
    expect(card).to_contain_text("建议补充设备使用率指标")
    expert.assert_clean("expert-review")

    perf = ui_as("perf")
    perf.goto(re.sub(r"^https?://[^/]+", "", page.url).split("#")[0])
    reviews = perf.page.locator("#third-party-reviews tbody tr[id^=third-party-review-]")
    expect(reviews).to_have_count(2)
    expect(perf.page.locator("#third-party-reviews")).to_contain_text("成本指标仅列总额")
    expect(perf.page.locator("#third-party-reviews")).to_contain_text("建议补充设备使用率指标")
    perf.shot("perf-third-party-reviews")
    perf.assert_clean("perf-third-party-reviews")

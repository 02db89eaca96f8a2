"""运行监控总览 in a real browser: the finance user opens the dashboard, the vendored ECharts draws the bar chart of
execution rate by department (a canvas, no request outside the app, no CSP violation), drills down to a
department and to a subject's figures over time (a line chart)."""

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser


def _canvas_drawn(page, selector: str) -> bool:
    """The chart element holds a canvas with something painted on it."""
    return page.evaluate(
        """(selector) => {
        const canvas = document.querySelector(selector + " canvas");
        if (!canvas || canvas.width === 0 || canvas.height === 0) return false;
        const data = canvas.getContext("2d").getImageData(0, 0, canvas.width, canvas.height).data;
        for (let i = 3; i < data.length; i += 4) { if (data[i] !== 0) return true; }
        return false;
    }""",
        selector,
    )


def test_dashboard_renders_the_chart_and_drills_down(ui_as):
    ui = ui_as("perf")
    page = ui.page
    ui.goto("/monitoring/dashboard/")
    expect(ui.heading()).to_have_text("运行监控总览")
    expect(page.locator("#kpi-cards")).to_contain_text("预算执行率")
    expect(page.locator("#rate-chart[data-rendered='1'] canvas")).to_have_count(1)
    page.wait_for_function("document.querySelector('#rate-chart canvas').width > 0")
    page.wait_for_timeout(800)  # the bars' entry animation
    assert _canvas_drawn(page, "#rate-chart")
    expect(page.locator("#region-rollup")).to_be_visible()
    ui.shot("monitoring-01-dashboard")

    # Drill down: a department, then one of its subjects' figures over time.
    with page.expect_navigation():
        page.locator("#rollup-table tbody tr a").first.click()
    expect(page.locator("#drill-crumbs li").nth(1)).to_be_visible()  # (a department with one unit opens on it)
    expect(page.locator("#rate-chart canvas")).to_have_count(1)
    ui.shot("monitoring-02-department")
    while page.locator("#subject-table").count() == 0:
        with page.expect_navigation():
            page.locator("#rollup-table tbody tr a").first.click()
    with page.expect_navigation():
        page.locator("#subject-table tbody tr a").first.click()
    expect(page.locator("#history-chart[data-rendered='1'] canvas")).to_have_count(1)
    page.wait_for_timeout(800)
    assert _canvas_drawn(page, "#history-chart")
    expect(page.locator("#history-table tbody tr").first).to_be_visible()
    ui.shot("monitoring-03-subject")

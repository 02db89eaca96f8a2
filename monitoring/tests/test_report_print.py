"""The monitoring report follows the Word print rules of every output (issue 12 §2, core.docx): a title without
《》, the data date without leading zeros (2026年7月1日), money right-aligned on one line, the unit's cell merged over
its projects, a header row that repeats on the next page."""

import datetime

import pytest
from django.urls import reverse
from docx.shared import Cm

from core.docx import fit_cm
from core.tests import docx_rules as rules
from monitoring.choices import RoundScope
from monitoring.tests.helpers import CANTEEN, SECURITY, SPORTS, open_round, table_of

pytestmark = pytest.mark.django_db


@pytest.fixture
def report(persona, client_as):
    # Given a round of three projects of 示范市第一中学 with data as of 1 July (single-digit month and day)
    monitoring_round = open_round(
        persona("perf"),
        scope=RoundScope.KEY,
        key=[SECURITY, CANTEEN, SPORTS],
        name="版式测试",
        as_of=datetime.date(2026, 7, 1),
        due=datetime.date(2026, 7, 20),
    )
    table = table_of(monitoring_round, SECURITY)
    url = reverse("monitoring:round_report", args=[monitoring_round.pk, "department", table.subject.department_id])
    response = client_as("perf").get(url)
    assert response.status_code == 200
    return monitoring_round, rules.document(response.content)


def test_title_and_dates(report):
    monitoring_round, doc = report
    rules.assert_title_plain(doc, f"示范市教育局{monitoring_round.fiscal_year}年度绩效运行监控报告")
    text = rules.text_of(doc)
    assert "数据截至2026年7月1日" in text and "截至2026年7月1日，可用预算" in text
    rules.assert_dates_without_leading_zeros(text)


def test_money_right_aligned_and_unit_merged(report):
    _, doc = report
    grid = doc.tables[0]
    header = [c.text for c in grid.rows[0].cells]
    assert header[:4] == ["实施单位", "项目", "可用预算", "累计支付"]
    assert "金额单位：元" in [p.text for p in doc.paragraphs]
    assert rules.repeats(grid.rows[0]) and rules.cant_split(grid.rows[0])
    body = grid.rows[1:]
    assert len(body) == 3
    for row in body:
        rules.assert_money(row.cells[2])
        rules.assert_money(row.cells[3])
        assert "," in row.cells[2].text or row.cells[2].text == "0.00"
        assert rules.cant_split(row)
    # the money columns are wide enough for the amounts on one line (w:noWrap alone does not keep them whole)
    assert grid.columns[2].width >= Cm(fit_cm([row.cells[2].text for row in body], 9) - 0.01)  # twips rounding
    # the three projects of 示范市第一中学 share one merged unit cell
    rules.assert_merged(grid, 0, range(1, 4))
    assert grid.rows[1].cells[0].text == "示范市第一中学"

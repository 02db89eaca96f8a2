"""The assessment report follows the Word print rules of every output (issue 12 §2, core.docx): its title is not
wrapped in 《》, dates print without leading zeros (2026年3月1日), the requested amount is right-aligned on one line,
each 评估维度 cell is merged over its points and subtotal, and the assessor's signature keeps together under room for
its seal."""

import datetime
from decimal import Decimal

import pytest

from assessments import documents
from assessments.tests.helpers import department_assessment, make_subject, walk
from core import clock
from core.tests import docx_rules as rules
from subjects.models import SubjectYearAmount

pytestmark = pytest.mark.django_db


@pytest.fixture
def report():
    # Given an assessment approved on 2026-07-01 (a single-digit month and day)
    subject = make_subject("版式校园安保购买项目")
    SubjectYearAmount.objects.create(subject=subject, fiscal_year=2026, requested_amount=Decimal("1234567.80"))
    with clock.pinned(datetime.date(2026, 7, 1)):
        assessment = walk(department_assessment(subject, fraction="0.9"))
    return assessment, rules.document(documents.build(assessment))


def test_title_and_dates(report):
    _, doc = report
    rules.assert_title_plain(doc, "版式校园安保购买项目事前绩效评估报告")
    text = rules.text_of(doc)
    assert "2026年3月1日至2026年11月30日" in text  # 实施期限
    rules.assert_dates_without_leading_zeros(text)


def test_requested_amount_is_money(report):
    _, doc = report
    facts = doc.tables[0]
    cells = [c for r in facts.rows for c in r.cells]
    label = next(n for n, c in enumerate(cells) if c.text == "本年度申请金额")
    rules.assert_money(cells[label + 1], "1,234,567.80 元")


def test_dimension_cells_merged_over_points_and_subtotal(report):
    assessment, doc = report
    table = doc.tables[1]
    assert [c.text for c in table.rows[0].cells] == ["评估维度", "评估要点", "分值", "得分", "评估意见"]
    assert rules.repeats(table.rows[0]) and rules.cant_split(table.rows[0])
    dimensions = [s.point.dimension for s in assessment.scores.select_related("point").order_by("point__order")]
    row = 1
    for dimension in dict.fromkeys(dimensions):
        points = dimensions.count(dimension)
        span = range(row, row + points + 1)  # its points and its 小计
        rules.assert_merged(table, 0, span)
        assert table.rows[span[0]].cells[0].text == dimension
        assert table.rows[span[-1]].cells[1].text == "小计"
        row = span[-1] + 1
    last = table.rows[-1]
    assert last.cells[0].text == "合计" and rules.cant_split(last)


def test_signature_with_room_for_the_seal(report):
    assessment, doc = report
    rules.assert_signature_kept_together(doc, [f"{assessment.assessor}（盖章）", "2026年7月1日"])

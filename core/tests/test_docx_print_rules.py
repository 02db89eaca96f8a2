"""The shared Word print helpers (issue 12 §2, core.docx): dates without leading zeros, titles broken between phrases
and never wrapped in 《》, money columns wide enough for their amounts."""

import datetime

from core import docx as style
from core.tests import docx_rules as rules


def test_cn_date_has_no_leading_zeros():
    assert style.cn_date(datetime.date(2026, 7, 1)) == "2026年7月1日"
    assert style.cn_date(None) == ""
    rules.assert_dates_without_leading_zeros("2026年7月1日 2026年12月31日")
    for bad in ("2026年07月01日", "2026年7月01日", "截至07月31日"):
        assert rules.LEADING_ZERO_DATE.search(bad), bad


def test_title_on_one_line_when_it_fits_else_between_phrases():
    doc = style.new_document()
    style.title(doc, ["示范市", "2026年度绩效运行监控报告"])
    style.title(doc, ["第一中学课后托管服务购买项目", "事前绩效评估报告"])
    short, long = doc.paragraphs[0], doc.paragraphs[1]
    assert short.text == "示范市2026年度绩效运行监控报告"
    assert long.text == "第一中学课后托管服务购买项目\n事前绩效评估报告"
    rules.assert_title_plain(doc, "示范市2026年度绩效运行监控报告")


def test_a_money_column_fits_its_widest_amount():
    narrow = style.fit_cm(["945,000.00"], 9)
    wide = style.fit_cm(["945,000.00", "8,907,122.00"], 9)
    assert wide > narrow >= style.CELL_PADDING_CM
    assert style.fit_cm([], 9, minimum=2.0) == 2.0

"""Cell parsers: what a finance clerk types into Excel, and the message for what cannot be read."""

import datetime
from decimal import Decimal

import pytest

from imports.parsers import Boolean, Choice, Date, Integer, Text, Yuan
from organisations.choices import OrgKind, RegionLevel


@pytest.mark.parametrize(
    "value",
    [
        "2025-03-31",
        "2025/3/31",
        "2025.3.31",
        "2025年3月31日",
        "2025年03月31号",
        "20250331",
        " 2025-03-31 ",
        "２０２５－０３－３１",
        "2025-03-31 00:00:00",
        datetime.date(2025, 3, 31),
        datetime.datetime(2025, 3, 31, 9, 30),
    ],
)
def test_dates_in_the_usual_chinese_formats(value):
    assert Date()(value) == datetime.date(2025, 3, 31)


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("2025-02-30", "日期“2025-02-30”不存在（2025 年 2 月没有 30 日）"),
        ("2025/13/01", "不存在"),
        ("明天", "“明天”不是日期"),
        ("31/03/2025", "不是日期"),
        (45747.0, "“45747”不是日期"),
        (True, "不是日期"),
    ],
)
def test_wrong_dates_are_named(value, message):
    with pytest.raises(ValueError, match=message):
        Date()(value)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (1234.5, Decimal("1234.50")),
        (1234, Decimal("1234.00")),
        ("1,234.56", Decimal("1234.56")),
        ("12,345,678.90", Decimal("12345678.90")),
        ("￥12", Decimal("12.00")),
        ("12元", Decimal("12.00")),
        ("１２.３", Decimal("12.30")),
        (0.1 + 0.2, Decimal("0.30")),  # a formula's floating-point noise is not a third decimal
    ],
)
def test_amounts_are_decimal_yuan_to_the_fen(value, expected):
    amount = Yuan()(value)
    assert amount == expected and isinstance(amount, Decimal)
    assert amount.as_tuple().exponent == -2


@pytest.mark.parametrize(
    ("value", "message"),
    [
        (12.345, "超过两位小数"),
        ("12.345", "超过两位小数"),
        ("12万", "万元"),
        ("一百", "不是金额"),
        (-5, "不能为负数"),
        (datetime.date(2025, 1, 1), "不是金额"),
        ("NaN", "不是金额"),
        ("12,3", "千分位逗号位置不对"),  # issue 12 §5: not 123.00
        ("1,2,3,4", "千分位逗号位置不对"),
        ("1234,567.00", "千分位逗号位置不对"),
    ],
)
def test_wrong_amounts_are_named(value, message):
    with pytest.raises(ValueError, match=message):
        Yuan()(value)


def test_integers_text_booleans_and_choices():
    assert Integer()(12.0) == 12 and Integer()("1,200") == 1200
    with pytest.raises(ValueError, match="不能有小数"):
        Integer()(1.5)
    with pytest.raises(ValueError, match="小于下限 0"):
        Integer(minimum=0)("-1")
    # A budget code typed as a number keeps its digits, not "101001.0".
    assert Text()(101001.0) == "101001" and Text()("  示范 ") == "示范"
    with pytest.raises(ValueError, match="超过上限 6 个字"):
        Text(6)("9901001")
    assert Boolean()("是") is True and Boolean()("停用") is False and Boolean()(1.0) is True
    with pytest.raises(ValueError, match="请填“是”或“否”"):
        Boolean()("也许")
    kind = Choice(OrgKind)
    assert kind("主管部门") == OrgKind.DEPARTMENT and kind("department") == OrgKind.DEPARTMENT
    assert kind.label(OrgKind.UNIT) == "预算单位" and kind.blank == ""
    assert Choice(RegionLevel)("县区") == RegionLevel.COUNTY and Choice(RegionLevel).blank is None
    with pytest.raises(ValueError, match="可填：财政局、财政局科室"):
        kind("局")

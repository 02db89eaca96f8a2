"""Cell parsers of the Excel import framework.

A parser turns one non-blank cell value, as python-calamine reads it (str, float, int, bool,
date, datetime …), into the value an importer works with, or raises ``ValueError`` with a Chinese
message that names the problem. Blank cells never reach a parser: the framework gives the
column's ``blank`` value instead (``""`` for text, ``None`` otherwise).
"""

from __future__ import annotations

import datetime
import re
import unicodedata
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

FEN = Decimal("0.01")
# Thousands separators only in groups of three: "12,3" or "1,2,3,4" are not numbers (issue 12 §5).
THOUSANDS = re.compile(r"[+-]?[0-9]{1,3}(,[0-9]{3})+(\.[0-9]*)?")


def normalise(text: str) -> str:
    """Full-width digits, letters and punctuation to half-width; trimmed."""
    return unicodedata.normalize("NFKC", text).strip()


def _shown(value) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


class Parser:
    blank = None
    hint = ""  # shown in the template's notes sheet
    do_not_call_in_templates = True

    def __call__(self, value):
        raise NotImplementedError


class Text(Parser):
    """Text. Numbers typed into a text column (budget codes, phone numbers) become their digits."""

    blank = ""
    hint = "文字"

    def __init__(self, max_length: int | None = None):
        self.max_length = max_length

    def __call__(self, value):
        if isinstance(value, bool):
            raise ValueError("应填写文字，不能是逻辑值（TRUE/FALSE）")
        if isinstance(value, (datetime.date, datetime.time, datetime.timedelta)):
            raise ValueError("应填写文字，不能是日期或时间；请将单元格格式设为“文本”后重新填写")
        text = _shown(value).strip() if isinstance(value, (int, float)) else str(value).strip()
        if self.max_length and len(text) > self.max_length:
            raise ValueError(f"长度为 {len(text)} 个字，超过上限 {self.max_length} 个字")
        return text


class Integer(Parser):
    hint = "整数"

    def __init__(self, minimum: int | None = None, maximum: int | None = None):
        self.minimum, self.maximum = minimum, maximum

    def __call__(self, value):
        if isinstance(value, bool) or isinstance(value, (datetime.date, datetime.time, datetime.timedelta)):
            raise ValueError(f"“{value}”不是整数")
        if isinstance(value, float):
            if not value.is_integer():
                raise ValueError(f"“{value}”不是整数，不能有小数")
            number = int(value)
        elif isinstance(value, int):
            number = value
        else:
            text = normalise(str(value))
            if "," in text and not THOUSANDS.fullmatch(text):
                raise ValueError(f"“{value}”不是整数（千分位逗号应每三位一组）")
            text = text.replace(",", "")
            if not re.fullmatch(r"[+-]?\d+", text):
                raise ValueError(f"“{value}”不是整数")
            if len(text) > 30:  # int() refuses thousands of digits with Python's own (English) message
                raise ValueError(f"“{text[:20]}…”共 {len(text)} 位，不是有效整数")
            number = int(text)
        if self.minimum is not None and number < self.minimum:
            raise ValueError(f"{number} 小于下限 {self.minimum}")
        if self.maximum is not None and number > self.maximum:
            raise ValueError(f"{number} 大于上限 {self.maximum}")
        return number


class Yuan(Parser):
    """An amount in yuan, to the fen, as ``Decimal`` (never float): 1234.5 → Decimal("1234.50")."""

    hint = "金额（元），最多两位小数"
    _STRIP = re.compile(r"[,\s¥￥]|元$")

    def __init__(self, allow_negative: bool = False, max_digits: int = 16):
        self.allow_negative, self.max_digits = allow_negative, max_digits

    def __call__(self, value):
        if isinstance(value, bool) or isinstance(value, (datetime.date, datetime.time, datetime.timedelta)):
            raise ValueError(f"“{value}”不是金额")
        if isinstance(value, (int, float)):
            # repr() is the shortest text that reads back as the same double: 1234.56, not 1234.5600000001.
            amount = Decimal(repr(value)) if isinstance(value, float) else Decimal(value)
        else:
            written = re.sub(r"\s|[¥￥]|元$", "", normalise(str(value)))
            if "," in written and not THOUSANDS.fullmatch(written):
                raise ValueError(f"金额“{value}”的千分位逗号位置不对（应每三位一组，如 1,234,567.50）")
            text = self._STRIP.sub("", normalise(str(value)))
            if "万" in text:
                raise ValueError(f"“{value}”：请以“元”为单位填写数字，不要带“万元”")
            try:
                amount = Decimal(text)
            except InvalidOperation:
                raise ValueError(f"“{value}”不是金额，应为数字，如 12500.00") from None
        # NaN and infinity (a number cell of a hand-made file may hold them: 1e309 reads as infinity), and numbers
        # too large to round to the fen at all (1e309 or thirty nines as text): refused before any rounding.
        if not amount.is_finite():
            raise ValueError(f"“{_shown(value)}”不是金额")
        if amount.adjusted() >= self.max_digits:
            raise ValueError(f"金额“{value}”过大")
        if isinstance(value, float) and amount != amount.quantize(FEN):
            rounded = amount.quantize(FEN, rounding=ROUND_HALF_UP)
            if abs(amount - rounded) > Decimal("0.000001"):
                raise ValueError(f"金额“{_shown(value)}”超过两位小数，请精确到分")
            amount = rounded
        if amount != amount.quantize(FEN, rounding=ROUND_HALF_UP):
            raise ValueError(f"金额“{value}”超过两位小数，请精确到分")
        amount = amount.quantize(FEN)
        if amount < 0 and not self.allow_negative:
            raise ValueError(f"金额“{value}”不能为负数")
        if len(amount.as_tuple().digits) > self.max_digits:
            raise ValueError(f"金额“{value}”过大")
        return amount


_DATE_PATTERNS = [
    re.compile(r"(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*[日号]?(?:\s+\d{1,2}:\d{2}(?::\d{2})?)?"),
    re.compile(r"(\d{4})(\d{2})(\d{2})"),
]


class Date(Parser):
    hint = "日期，如 2025-03-31、2025/3/31、2025.3.31、2025年3月31日 或 20250331"

    def __call__(self, value):
        if isinstance(value, datetime.datetime):
            return value.date()
        if isinstance(value, datetime.date):
            return value
        if isinstance(value, (bool, int, float, datetime.time, datetime.timedelta)):
            raise ValueError(f"“{_shown(value)}”不是日期，应写作 2025-03-31 或 2025年3月31日")
        text = normalise(str(value))
        for pattern in _DATE_PATTERNS:
            match = pattern.fullmatch(text)
            if match:
                year, month, day = (int(g) for g in match.groups())
                try:
                    return datetime.date(year, month, day)
                except ValueError:
                    raise ValueError(f"日期“{value}”不存在（{year} 年 {month} 月没有 {day} 日）") from None
        raise ValueError(f"“{value}”不是日期，应写作 2025-03-31 或 2025年3月31日")


class Boolean(Parser):
    hint = "填“是”或“否”"
    TRUE = {"是", "启用", "有效", "y", "yes", "true", "1", "√", "✓"}
    FALSE = {"否", "停用", "禁用", "无效", "n", "no", "false", "0", "×", "✗"}

    def __call__(self, value):
        if isinstance(value, bool):
            return value
        if isinstance(value, (int, float)) and value in (0, 1):
            return bool(value)
        text = normalise(str(value)).lower()
        if text in self.TRUE:
            return True
        if text in self.FALSE:
            return False
        raise ValueError(f"“{_shown(value)}”无法识别，请填“是”或“否”")


class Choice(Parser):
    """One of a Django choices class, written as its Chinese label (the stored code is accepted too)."""

    def __init__(self, choices):
        self.by_text = {}
        for value, label in choices.choices:
            self.by_text[normalise(str(label))] = value
            self.by_text[str(value)] = value
        self.labels = [str(label) for _, label in choices.choices]
        self.label_of = {value: str(label) for value, label in choices.choices}
        self.blank = "" if all(isinstance(v, str) for v in self.label_of) else None
        self.hint = "可填：" + "、".join(self.labels)

    def __call__(self, value):
        found = self.by_text.get(normalise(_shown(value)))
        if found is None:
            raise ValueError(f"“{_shown(value)}”不是可选的值，可填：" + "、".join(self.labels))
        return found

    def label(self, value) -> str:
        return self.label_of.get(value, str(value or ""))

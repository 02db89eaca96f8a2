"""Reading the sheet-owned sections of 附件1 that ``xlsx_read`` leaves to this module: 支出明细预算 (amounts in 万元,
back to yuan), 以前年度绩效评价情况, 本年度自评计划 and 其他需要说明的情况. A workbook of the older layout has none of
them and is read as before (nothing of these is changed). The 支出基本情况 and 支出立项情况 belong to the subject and
are changed on the subject's page: an upload does not read them."""

from __future__ import annotations

import re
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from core.money import WAN
from targets.documents.xlsx_layout import (
    BUDGET_COLUMNS,
    BUDGET_TITLE,
    FUND_TITLE,
    OTHER_NOTES,
    PRIOR_COLUMNS,
    PRIOR_TITLE,
    SELF_EVALUATION,
    TOTAL_LABEL,
)
from targets.models import GRADE_KEYS, GRADES

_AMOUNT = re.compile(r"^(\d{1,3}(,\d{3})+|\d+)(\.\d+)?$")  # thousands separators only in groups of three
_YEAR = re.compile(r"(?<!\d)(\d{4})(?!\d)")
_HEADERS = {
    "name": "支出名称",
    "previous_amount": "上年度资金",
    "requested_amount": "本年度申请资金",
    "basis": "测算依据及说明",
}


def _wan_to_yuan(reader, row: int, key: str, required: bool) -> Decimal | None:
    """A 万元 cell as yuan to the fen; reports a cell that is not a non-negative amount."""
    from targets.documents.xlsx_read import _blank, _text

    column, header = BUDGET_COLUMNS[key], f"{_HEADERS[key]}（万元）"
    value = reader.at(row, column)
    if _blank(value):
        if required:
            reader.report("必填，不能为空", row, column, header)
        return None if required else Decimal("0")
    text = _text(value)
    try:
        if isinstance(value, bool) or not _AMOUNT.match(text):
            raise InvalidOperation
        yuan = (Decimal(text.replace(",", "")) * WAN).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    except InvalidOperation:
        reader.report(f"“{text}”不是金额：请填写不小于 0 的数（单位：万元）", row, column, header)
        return None
    return yuan


def read_budget(reader) -> None:
    from targets.documents.xlsx_read import _blank, _label

    title_row = reader.find(BUDGET_TITLE)
    if title_row is None:
        return  # the older layout: the sheet's 支出明细预算 stays as it is
    items = []
    row = title_row + 2  # below the header row
    while row <= len(reader.grid):
        first = _label(reader.at(row, 1))
        if first in (TOTAL_LABEL, FUND_TITLE):
            break
        cells = [reader.at(row, c) for c in BUDGET_COLUMNS.values()]
        if all(_blank(v) for v in cells):
            row += 1
            continue
        name = reader.text(row, BUDGET_COLUMNS["name"], _HEADERS["name"], max_length=200, required=True)
        previous = _wan_to_yuan(reader, row, "previous_amount", required=False)
        requested = _wan_to_yuan(reader, row, "requested_amount", required=True)
        basis = reader.text(row, BUDGET_COLUMNS["basis"], _HEADERS["basis"], max_length=2000)
        items.append({"name": name, "previous_amount": previous, "requested_amount": requested, "basis": basis})
        row += 1
    reader.result.budget_items = items


def read_evaluation(reader) -> None:
    from targets.documents.xlsx_read import _blank, _label, _text

    title_row = reader.find(PRIOR_TITLE)
    if title_row is not None:
        grades = []
        for row in range(title_row + 2, title_row + 5):
            year_text = _text(reader.at(row, PRIOR_COLUMNS["year"]))
            if not year_text.isdigit() or not 2000 <= int(year_text) <= 2100:
                reader.report("年度应为四位数字，请勿修改", row, PRIOR_COLUMNS["year"], "年度")
                continue
            entry = {"year": int(year_text)}
            for key, header in zip(GRADE_KEYS, ("单位自评等级", "市财政局审核等级", "重点评价等级"), strict=True):
                value = _label(reader.at(row, PRIOR_COLUMNS[key]))
                if value and value not in GRADES:
                    reader.report(f"“{value}”不是评价等级，可填：{'、'.join(GRADES)}", row, PRIOR_COLUMNS[key], header)
                    value = ""
                entry[key] = value
            grades.append(entry)
        reader.result.data["prior_grades"] = grades
    row = reader.find(SELF_EVALUATION)
    if row is not None:
        value = reader.at(row, 2)
        text = _text(value)
        found = _YEAR.search(text)
        if found and 2000 <= int(found.group(1)) <= 2100:
            reader.result.data["self_evaluation_year"] = int(found.group(1))
        elif _blank(value) or not re.search(r"\d", text):
            reader.result.data["self_evaluation_year"] = None
        else:
            reader.report(f"“{text}”中没有四位数的年度，如“列入 2027 年度自评范围”", row, 2, SELF_EVALUATION)
    row = reader.find(OTHER_NOTES)
    if row is not None:
        reader.result.data["other_notes"] = reader.text(row, 2, OTHER_NOTES, max_length=5000)

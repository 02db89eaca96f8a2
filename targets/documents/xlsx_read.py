"""Reading an uploaded workbook of target sheets (python-calamine): every worksheet with a 项目编码 cell is one
target sheet, read against the layout of ``xlsx_layout``. The whole file is checked without touching the
database; every problem names its worksheet, row, column and column title (“工作表“…”第 12 行 E 列（指标值）：
……”). Applying the result is ``targets.documents.upload``."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from openpyxl.utils import get_column_letter

from core import files
from imports.framework import ImportFileError, check_upload, open_workbook
from imports.parsers import Boolean, Date, normalise
from subjects.models import Subject
from targets.choices import LEVEL2_OF, QUANTITATIVE, Level1, Level2, Standard
from targets.documents.xlsx_layout import (
    BUYS,
    CODE,
    COLUMNS,
    COMPARATOR_TEXT,
    FOOTER,
    GOAL_LABELS,
    HORIZON_TITLES,
    INDICATOR_HEADERS,
    LEVEL2_ALIASES,
    NOTES_SHEET,
    SCHEDULE_COLUMNS,
    SCHEDULE_TITLE,
    SERVES,
    STOP_LABELS,
    TOTAL_LABEL,
    YEAR,
)
from targets.documents.xlsx_read_more import read_budget, read_evaluation
from targets.models import TargetSheet, parse_number


@dataclass
class Issue:
    message: str
    sheet: str
    row: int | None = None
    column: int | None = None  # 1-based
    header: str = ""

    def __str__(self) -> str:
        where = f"工作表“{self.sheet}”" if self.sheet else ""
        if self.row and self.column:
            where += f"第 {self.row} 行 {get_column_letter(self.column)} 列（{self.header}）"
        elif self.row:
            where += f"第 {self.row} 行" + (f"（{self.header}）" if self.header else "")
        return f"{where}：{self.message}"


@dataclass
class Parsed:
    """One worksheet, read and checked: the values to write, or its issues."""

    title: str
    code: str = ""
    year: int | None = None
    data: dict = field(default_factory=dict)
    stages: list[dict] = field(default_factory=list)
    indicators: list[dict] = field(default_factory=list)
    budget_items: list[dict] | None = None  # None: a workbook of the older layout, without 支出明细预算
    subject: Subject | None = None
    sheet: TargetSheet | None = None  # the editable sheet to update; None: create one


def _blank(value) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _number_text(value) -> str:
    return f"{value.normalize():f}" if isinstance(value, Decimal) else str(value)


def _text(value) -> str:
    if _blank(value):
        return ""
    if isinstance(value, float):
        return _number_text(Decimal(repr(value)))
    if isinstance(value, (datetime.date, datetime.datetime)):
        return value.strftime("%Y-%m-%d")
    return str(value).strip()


def _label(value) -> str:
    return "".join(normalise(_text(value)).split())


class _Reader:
    def __init__(self, title: str, grid: list[list]):
        self.title, self.grid = title, grid
        self.issues: list[Issue] = []
        self.result = Parsed(title)

    def at(self, row: int, column: int):
        cells = self.grid[row - 1] if 0 < row <= len(self.grid) else []
        return cells[column - 1] if column - 1 < len(cells) else None

    def report(self, message: str, row: int | None = None, column: int | None = None, header: str = "") -> None:
        self.issues.append(Issue(message, self.title, row, column, header))

    def text(self, row, column, header, max_length=None, required=False) -> str:
        value = self.at(row, column)
        if isinstance(value, bool):
            self.report("应填写文字，不能是逻辑值（TRUE/FALSE）", row, column, header)
            return ""
        text = _text(value)
        if required and not text:
            self.report("必填，不能为空", row, column, header)
        if max_length and len(text) > max_length:
            self.report(f"长度为 {len(text)} 个字，超过上限 {max_length} 个字", row, column, header)
        return text

    def find(self, label: str, column: int = 1, start: int = 1) -> int | None:
        for row in range(start, len(self.grid) + 1):
            if _label(self.at(row, column)) == label:
                return row
        return None

    # the information block and goals

    def read_head(self) -> None:
        pairs = {}
        for row in range(1, len(self.grid) + 1):
            for label_column, value_column in ((1, 2), (6, 7)):
                label = _label(self.at(row, label_column))
                if label in (CODE, YEAR, SERVES, BUYS) and label not in pairs:
                    pairs[label] = (row, value_column)
            if _label(self.at(row, 1)) in HORIZON_TITLES:
                break
        if CODE not in pairs:
            self.report(f"找不到“{CODE}”：请使用系统下载的申报表，不要删除表头的项目信息")
            return
        row, column = pairs[CODE]
        self.result.code = self.text(row, column, CODE, required=True)
        if YEAR not in pairs:
            self.report(f"找不到“{YEAR}”：请使用系统下载的申报表")
        else:
            row, column = pairs[YEAR]
            value = self.at(row, column)
            try:
                year = int(Decimal(_text(value)))
                if isinstance(value, bool) or not 2000 <= year <= 2100 or Decimal(_text(value)) != year:
                    raise ValueError
            except (InvalidOperation, ValueError):
                self.report(f"“{_text(value)}”不是年度，应为四位数字，如 2026", row, column, YEAR)
            else:
                self.result.year = year
        for label, key in ((SERVES, "serves_public"), (BUYS, "buys_outputs")):
            if label not in pairs:
                continue
            row, column = pairs[label]
            value = self.at(row, column)
            if _blank(value):
                self.report("必填，请填“是”或“否”", row, column, label)
                continue
            try:
                self.result.data[key] = Boolean()(value)
            except ValueError as exc:
                self.report(str(exc), row, column, label)
        for label, key in GOAL_LABELS.items():
            row = self.find(label)
            if row is None:
                self.report(f"找不到“{label}”一行：请使用系统下载的申报表")
                continue
            self.result.data[key] = self.text(row, 2, label, required=key == "annual_goal")

    # 实施进度计划

    def read_schedule(self) -> None:
        title_row = self.find(SCHEDULE_TITLE)
        if title_row is None:
            self.report(f"找不到“{SCHEDULE_TITLE}”：请使用系统下载的申报表")
            return
        row = title_row + 2  # below the header row
        while row <= len(self.grid):
            first = _label(self.at(row, 1))
            if first in HORIZON_TITLES or first in STOP_LABELS or first.startswith(FOOTER[:6]):
                break
            content = self.text(row, SCHEDULE_COLUMNS["stage"], "实施内容", max_length=200)
            start, finish = self.at(row, SCHEDULE_COLUMNS["start"]), self.at(row, SCHEDULE_COLUMNS["finish"])
            if not content and _blank(start) and _blank(finish):
                row += 1
                continue
            if not content:
                self.report("必填，不能为空", row, SCHEDULE_COLUMNS["stage"], "实施内容")
            dates = {}
            for key, value, header in (("start", start, "开始时间"), ("finish", finish, "完成时间")):
                if _blank(value):
                    self.report("必填，不能为空", row, SCHEDULE_COLUMNS[key], header)
                    continue
                try:
                    dates[key] = Date()(value)
                except ValueError as exc:
                    self.report(str(exc), row, SCHEDULE_COLUMNS[key], header)
            if len(dates) == 2 and dates["finish"] < dates["start"]:
                self.report("完成时间不能早于开始时间", row, SCHEDULE_COLUMNS["finish"], "完成时间")
            self.result.stages.append({"stage": content, **dates})
            row += 1

    # 长期绩效指标 / 年度绩效指标

    def read_indicators(self) -> None:
        for title, horizon in HORIZON_TITLES.items():
            title_row = self.find(title)
            if title_row is None:
                self.report(f"找不到“{title}”：请使用系统下载的申报表")
                continue
            header_row = title_row + 1
            for column, header in enumerate(INDICATOR_HEADERS, start=1):
                if _label(self.at(header_row, column)) != header:
                    self.report(
                        f"指标表的列应依次为：{'、'.join(INDICATOR_HEADERS)}（请勿增删或调换列）",
                        header_row,
                        column,
                        header,
                    )
                    return
            self._indicator_block(horizon, header_row + 1)

    def _indicator_block(self, horizon: str, row: int) -> None:
        level1 = level2 = None  # carried down the merged cells
        while row <= len(self.grid):
            first = _label(self.at(row, 1))
            if first in HORIZON_TITLES or first in STOP_LABELS or first == TOTAL_LABEL or first.startswith(FOOTER[:6]):
                break
            cells = [self.at(row, c) for c in range(1, COLUMNS + 1)]
            if all(_blank(v) for v in cells):
                row += 1
                continue
            level1 = self._level1(row, level1)
            level2 = self._level2(row, level1, level2)
            if all(_blank(v) for v in cells[2:]):
                row += 1  # a skeleton row of the blank template: level names only
                continue
            values = {"horizon": horizon, "level1": level1, "level2": level2}
            values["name"] = self.text(row, 3, "三级指标", max_length=200, required=True)
            values["comparator"] = self._comparator(row)
            values["target_value"] = self._target_value(row, values["comparator"])
            values["unit"] = self.text(row, 6, "计量单位", max_length=30)
            values["weight"] = self._weight(row)
            values["data_source"] = self.text(row, 8, "数据来源", max_length=200)
            values["standard"] = self._standard(row)
            values["last_year_actual"] = self.text(row, 10, "上年实际值", max_length=200)
            self.result.indicators.append(values)
            row += 1

    def _level1(self, row: int, carried):
        value = _label(self.at(row, 1))
        if not value:
            if carried is None:
                self.report("必填：第一个指标行须填写一级指标", row, 1, "一级指标")
            return carried
        found = next((v for v, label in Level1.choices if label == value or v == value), None)
        if found is None:
            self.report(f"“{value}”不是一级指标，可填：{'、'.join(Level1.labels)}", row, 1, "一级指标")
        return found

    def _level2(self, row: int, level1, carried):
        value = _label(self.at(row, 2))
        if not value:
            carried = carried if carried in LEVEL2_OF.get(level1, ()) else None
            if carried is None and level1 is not None:
                self.report("必填：须填写二级指标（属于“" + Level1(level1).label + "”）", row, 2, "二级指标")
            return carried
        if level1 is None:
            return None
        found = LEVEL2_ALIASES.get((level1, value)) or next(
            (v for v, label in Level2.choices if label == value or v == value), None
        )
        allowed = LEVEL2_OF.get(level1, ())
        if found is None or found not in allowed:
            names = "、".join(Level2(v).label for v in allowed)
            prefix = f"“{value}”不属于“{Level1(level1).label}”" if found else f"“{value}”不是二级指标"
            self.report(f"{prefix}，可填：{names}", row, 2, "二级指标")
            return None
        return found

    def _comparator(self, row: int):
        value = self.at(row, 4)
        text = _label(value)
        if not text:
            self.report("必填，请填 ≥、≤、= 或 定性", row, 4, "指标性质")
            return None
        found = COMPARATOR_TEXT.get(text)
        if found is None:
            self.report(f"“{text}”不是指标性质，请填 ≥（正向）、≤（反向）、=（等于）或 定性", row, 4, "指标性质")
        return found

    def _target_value(self, row: int, comparator) -> str:
        text = self.text(row, 5, "指标值", max_length=200, required=True)
        if text and comparator in QUANTITATIVE and parse_number(text) is None:
            self.report(
                f"定量指标的指标值须为数值（“{text}”不是数值；计量单位请写在 F 列，文字描述请将指标性质改为“定性”）",
                row,
                5,
                "指标值",
            )
        return text

    def _weight(self, row: int) -> Decimal:
        value = self.at(row, 7)
        if _blank(value):
            return Decimal("0")
        try:
            if isinstance(value, bool):
                raise InvalidOperation
            number = Decimal(repr(value)) if isinstance(value, float) else Decimal(normalise(str(value)))
            if not number.is_finite():
                raise InvalidOperation
        except InvalidOperation:
            self.report(f"“{_text(value)}”不是数值：分值须为 0 到 100 之间的数", row, 7, "分值")
            return Decimal("0")
        if not Decimal("0") <= number <= Decimal("100"):
            self.report(f"分值 {_text(value)} 超出范围：须在 0 到 100 之间", row, 7, "分值")
        elif number != number.quantize(Decimal("0.01")):
            self.report(f"分值 {_text(value)} 超过两位小数", row, 7, "分值")
        return number.quantize(Decimal("0.01")) if number.is_finite() and abs(number) < 1000 else Decimal("0")

    def _standard(self, row: int) -> str:
        text = _label(self.at(row, 9))
        if not text:
            return Standard.PLAN
        found = next((v for v, label in Standard.choices if label == text or v == text), None)
        if found is None:
            self.report(f"“{text}”不是可选的设定依据，可填：{'、'.join(Standard.labels)}", row, 9, "设定依据")
            return Standard.PLAN
        return found


def read(upload) -> tuple[list[Parsed], list[Issue]]:
    """Read an uploaded workbook: the parsed worksheets and every problem found (no database access)."""
    try:
        files.validate_upload_size(upload)
    except ValidationError as exc:
        raise ImportFileError(exc.messages[0]) from None
    check_upload(upload.file if hasattr(upload, "file") else upload, upload.name, upload.size)
    book = open_workbook(upload.file if hasattr(upload, "file") else upload)
    parsed, issues = [], []
    for name in book.sheet_names:
        if name == NOTES_SHEET:
            continue
        grid = book.get_sheet_by_name(name).to_python(skip_empty_area=False)
        if not any(_label(c) == CODE for cells in grid[:20] for c in cells):
            continue  # not a target sheet (e.g. a scratch worksheet)
        reader = _Reader(name, grid)
        reader.read_head()
        reader.read_schedule()
        reader.read_indicators()
        read_budget(reader)
        read_evaluation(reader)
        parsed.append(reader.result)
        issues.extend(reader.issues)
    if not parsed:
        raise ImportFileError(f"文件中没有绩效目标申报表：每个工作表须有“{CODE}”一格，请使用系统下载的申报表或模板")
    codes = {}
    for item in parsed:
        key = (item.code, item.year)
        if item.code and key in codes:
            issues.append(Issue(f"与工作表“{codes[key]}”是同一项目同一年度，请合并为一个工作表", item.title))
        codes[key] = item.title
    return parsed, issues

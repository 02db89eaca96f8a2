"""Reading a filled 项目支出绩效自评表 (python-calamine, as the target sheet's reader) for one form, without touching the
database: the file is checked as a whole (``imports.framework.check_upload``: size, a real .xlsx, zip-bomb guard), then
the key column (this form? the version downloaded?), then every cell the unit may type. Each problem names its cell and
column, e.g. “H16 全年实际值必须是数字，现为“三千””. ``upload`` applies the result.

Formulas: a cell that holds a formula is refused (the value a spreadsheet cached for it is not what the unit typed,
and the file may have been calculated by nobody); text that merely begins with “=” is text (a number cell then says
it is not a number). The writer never writes a formula (``core.xlsx``)."""

from __future__ import annotations

import datetime
import html
import re
import zipfile
from dataclasses import dataclass, field
from decimal import Decimal
from xml.etree import ElementTree

from django.core.exceptions import ValidationError
from openpyxl.utils import get_column_letter

from core import files
from evaluations import form_scoring, self_actions
from evaluations.choices import Band, FourE, IndicatorKind
from evaluations.documents.xlsx_layout import (
    ACTUAL,
    APPLICABLE,
    BAND,
    BAND_LABELS,
    DIMENSION,
    DIMENSION_HEADER,
    DIMENSION_LABELS,
    GOAL_HEADERS,
    GOAL_SPLIT,
    HEADERS,
    IMPROVEMENT,
    KEY_COLUMN,
    KEY_HEADER,
    KEY_PREFIX,
    NARRATIVE,
    REASON,
    SHARE,
    SHEET_TITLE,
    SURVEYED,
)
from evaluations.scoring import number
from imports.framework import ImportFileError, check_upload, open_workbook
from imports.parsers import Boolean, normalise

MAX_TEXT = 2000  # characters of a row's reason or measure
MAX_ACTUAL = 200  # SelfEvaluationIndicator.actual


@dataclass
class Issue:
    message: str
    row: int | None = None
    column: int | None = None  # 1-based
    header: str = ""

    @property
    def cell(self) -> str:
        return f"{get_column_letter(self.column)}{self.row}" if self.row and self.column else ""

    def __str__(self) -> str:
        if self.cell:
            return f"{self.cell} {self.header}{self.message}"
        if self.row:
            return f"第 {self.row} 行：{self.message}"
        return self.message


@dataclass
class Parsed:
    version: int | None = None
    data: dict = field(default_factory=dict)  # the narrative: self_actions.FORM_FIELDS
    rows: dict = field(default_factory=dict)  # {row id: {field: value}}, as save_form takes them


def _blank(value) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _text(value) -> str:
    if _blank(value):
        return ""
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, float):
        return f"{Decimal(repr(value)).normalize():f}"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, (datetime.date, datetime.datetime)):
        return value.strftime("%Y-%m-%d")
    return str(value).strip()


def _label(value) -> str:
    return "".join(normalise(_text(value)).split())


def _key_number(value) -> int | None:
    text = _text(value)
    return int(text) if text.isdecimal() and len(text) < 12 else None


class _Reader:
    def __init__(self, grid: list[list], form, rows: list, formulas: set[tuple[int, int]]):
        self.grid, self.form, self.formulas = grid, form, formulas
        self.by_id = {r.pk: r for r in rows}
        self.rows = rows
        self.four_e = form_scoring.is_four_e(form)  # its rows carry a 4E dimension (column Q)
        self.issues: list[Issue] = []
        self.result = Parsed()

    def at(self, row: int, column: int):
        cells = self.grid[row - 1] if 0 < row <= len(self.grid) else []
        return cells[column - 1] if column - 1 < len(cells) else None

    def report(self, message: str, row: int | None = None, column: int | None = None, header: str = "") -> None:
        self.issues.append(Issue(message, row, column, header))

    def find(self, label: str, column: int = 1) -> int | None:
        for row in range(1, len(self.grid) + 1):
            if _label(self.at(row, column)) == label:
                return row
        return None

    def typed(self, row: int, column: int, header: str):
        """The value of a cell the unit may type; a formula is refused."""
        if (row, column) in self.formulas:
            self.report("不能填写公式，请直接填写数值或文字", row, column, header)
            return None
        return self.at(row, column)

    def text(self, row: int, column: int, header: str, max_length: int = MAX_TEXT) -> str:
        value = self.typed(row, column, header)
        text = _text(value)
        if len(text) > max_length:
            self.report(f"长度为 {len(text)} 个字，超过上限 {max_length} 个字", row, column, header)
            return text[:max_length]
        return text

    # the key: this form, the version downloaded

    def read_key(self) -> bool:
        key = _text(self.at(1, KEY_COLUMN))
        expected = f"{KEY_PREFIX}{self.form.pk}"
        if not key.startswith(KEY_PREFIX):
            raise ImportFileError("文件中找不到自评表的标识：请使用在本自评表页面下载的 Excel，不要复制到新的工作簿")
        if key != expected:
            raise ImportFileError(
                "这是另一张自评表的文件，不能上传到本自评表：请在本自评表页面下载后填写"
                f"（本自评表为“{self.form.subject.name}”）"
            )
        version = _key_number(self.at(2, KEY_COLUMN))
        if version is None:
            raise ImportFileError("文件中的自评表版本标识已损坏：请重新下载后填写")
        self.result.version = version
        if version != self.form.version:
            raise ImportFileError(
                f"自评表在您下载之后已被修改（下载时为第 {version} 版，现为第 {self.form.version} 版），"
                "为免覆盖他人的修改，请重新下载后再填写上传"
            )
        return True

    # 年度总体目标 and the narratives

    def read_narrative(self) -> None:
        header_row = next(
            (
                row
                for row in range(1, len(self.grid) + 1)
                if _label(self.at(row, 1)) == GOAL_HEADERS[0]
                and _label(self.at(row, GOAL_SPLIT + 1)) == GOAL_HEADERS[1]
            ),
            None,
        )
        if header_row is None:
            self.report(f"找不到“{GOAL_HEADERS[1]}”：请使用系统下载的自评表，不要删除表中的栏目")
        else:
            self.result.data["goal_completion"] = self.text(
                header_row + 1, GOAL_SPLIT + 1, GOAL_HEADERS[1], self_actions.NARRATIVE_MAX
            )
        for label, name in NARRATIVE.items():
            row = self.find(_label(label))  # compared as read: full-width brackets become half-width
            if row is None:
                self.report(f"找不到“{label}”一行：请使用系统下载的自评表")
                continue
            self.result.data[name] = self.text(row, 3, label, self_actions.NARRATIVE_MAX)

    # the indicator rows

    def read_rows(self) -> None:
        header_row = next(
            (r for r in range(1, len(self.grid) + 1) if _text(self.at(r, KEY_COLUMN)) == KEY_HEADER), None
        )
        if header_row is None:
            self.report("找不到绩效指标表的表头：请使用系统下载的自评表")
            return
        for column, header in enumerate(HEADERS, start=1):
            if _label(self.at(header_row, column)) != _label(header):
                self.report(f"指标表的列应依次为：{'、'.join(HEADERS)}（请勿增删或调换列）", header_row, column, header)
                return
        if self.four_e and _label(self.at(header_row, DIMENSION)) != _label(DIMENSION_HEADER):
            self.report(
                f"找不到“{DIMENSION_HEADER}”列：请使用系统下载的自评表", header_row, DIMENSION, DIMENSION_HEADER
            )
            return
        seen: dict[int, int] = {}
        for row in range(header_row + 1, len(self.grid) + 1):
            key = self.at(row, KEY_COLUMN)
            if _blank(key):
                continue
            pk = _key_number(key)
            indicator = self.by_id.get(pk) if pk is not None else None
            if indicator is None:
                self.report("行标识无效：这一行不是本自评表的指标行，请勿复制或新增指标行", row)
                continue
            if pk in seen:
                self.report(f"与第 {seen[pk]} 行是同一项指标“{indicator.name}”，请勿复制指标行", row)
                continue
            seen[pk] = row
            self.result.rows[pk] = self._row(row, indicator)
        for indicator in self.rows:
            if indicator.pk not in seen:
                self.report(f"缺少指标“{indicator.name}”一行：请勿删除指标行，不适用的指标在“是否适用”列填“否”")

    def _row(self, row: int, indicator) -> dict:
        values = {}
        header = HEADERS[ACTUAL - 1]
        actual = self.text(row, ACTUAL, header, MAX_ACTUAL)
        if actual and indicator.kind != IndicatorKind.QUALITATIVE:
            try:
                number(normalise(actual))
            except ValueError:
                self.report(f"必须是数字，现为“{actual}”（指标“{indicator.name}”为定量指标）", row, ACTUAL, header)
            else:
                actual = normalise(actual).replace(",", "")
        values["actual"] = actual
        values["applicable"] = self._yes_no(row, APPLICABLE, default=True)
        if indicator.is_satisfaction:
            values["surveyed"] = self._yes_no(row, SURVEYED, default=True)
        if indicator.kind == IndicatorKind.QUALITATIVE:
            values["band"] = self._band(row)
            values["share"] = self._share(row)
        values["deviation_reason"] = self.text(row, REASON, HEADERS[REASON - 1])
        values["improvement"] = self.text(row, IMPROVEMENT, HEADERS[IMPROVEMENT - 1])
        if self.four_e:
            values["dimension"] = self._dimension(row)
        return values

    def _dimension(self, row: int) -> str:
        """A 4E dimension by its Chinese name (or its code); blank is none chosen (refused at submission)."""
        text = _label(self.typed(row, DIMENSION, DIMENSION_HEADER))
        if not text:
            return ""
        found = next((v for v, label in FourE.choices if _label(label) == text or v == text), None)
        if found is None:
            self.report(f"应为：{'、'.join(DIMENSION_LABELS)}，现为“{text}”", row, DIMENSION, DIMENSION_HEADER)
            return ""
        return found

    def _yes_no(self, row: int, column: int, default: bool) -> bool:
        header = HEADERS[column - 1]
        value = self.typed(row, column, header)
        if _blank(value):
            return default
        try:
            return Boolean()(value)
        except ValueError:
            self.report(f"应填“是”或“否”，现为“{_text(value)}”", row, column, header)
            return default

    def _band(self, row: int) -> str:
        header = HEADERS[BAND - 1]
        text = _label(self.typed(row, BAND, header))
        if not text:
            return ""
        found = next((v for v, label in Band.choices if _label(label) == text or v == text), None)
        if found is None:
            self.report(f"应为：{'、'.join(BAND_LABELS)}，现为“{text}”", row, BAND, header)
            return ""
        return found

    def _share(self, row: int):
        header = HEADERS[SHARE - 1]
        value = self.typed(row, SHARE, header)
        if _blank(value):
            return None
        text = _text(value).removesuffix("%").strip()
        try:
            share = number(normalise(text))
        except ValueError:
            self.report(f"必须是数字，现为“{_text(value)}”", row, SHARE, header)
            return None
        if not Decimal("0") <= share <= Decimal("100"):
            self.report(f"应在 0 到 100 之间，现为 {text}", row, SHARE, header)
            return None
        if share != share.quantize(Decimal("0.01")):
            self.report(f"最多两位小数，现为 {text}", row, SHARE, header)
            return None
        return share


# --- formulas ------------------------------------------------------------------------------------------------------

_CELL_REF = re.compile(r"^([A-Z]{1,3})([0-9]+)$")


def _column_number(letters: str) -> int:
    n = 0
    for ch in letters:
        n = n * 26 + ord(ch) - 64
    return n


def _attributes(tag: str) -> dict[str, str]:
    return {k.split(":")[-1]: html.unescape(v) for k, v in re.findall(r'([\w:]+)="([^"]*)"', tag)}


def _sheet_path(archive: zipfile.ZipFile, title: str) -> str | None:
    """The part name of the worksheet called ``title`` (workbook.xml → its relationship)."""
    workbook = archive.read("xl/workbook.xml").decode("utf-8", "replace")
    rel_id = None
    for tag in re.findall(r"<(?:\w+:)?sheet\b[^>]*>", workbook):
        attrs = _attributes(tag)
        if attrs.get("name") == title:
            rel_id = attrs.get("id")
    if rel_id is None:
        return None
    rels = archive.read("xl/_rels/workbook.xml.rels").decode("utf-8", "replace")
    for tag in re.findall(r"<(?:\w+:)?Relationship\b[^>]*>", rels):
        attrs = _attributes(tag)
        if attrs.get("Id") == rel_id:
            target = attrs.get("Target", "")
            return target.lstrip("/") if target.startswith("/") else f"xl/{target}"
    return None


def formula_cells(fileobj, title: str) -> set[tuple[int, int]]:
    """(row, column) of every cell of worksheet ``title`` that holds a formula."""
    position = fileobj.tell()
    found = set()
    try:
        with zipfile.ZipFile(fileobj) as archive:
            path = _sheet_path(archive, title)
            if path is None or path not in archive.namelist():
                return found
            with archive.open(path) as part:
                reference = None
                for event, element in ElementTree.iterparse(part, events=("start", "end")):
                    name = element.tag.rsplit("}", 1)[-1]
                    if event == "start" and name == "c":
                        reference = element.get("r")
                    elif event == "start" and name == "f" and reference:
                        match = _CELL_REF.match(reference)
                        if match:
                            found.add((int(match.group(2)), _column_number(match.group(1))))
                    elif event == "end" and name in ("c", "row"):
                        element.clear()
    except (KeyError, zipfile.BadZipFile, ElementTree.ParseError, OSError):
        raise ImportFileError(
            "文件无法读取：内容已损坏或不是 Excel 工作簿，请在 Excel 中重新保存为 .xlsx 后再上传"
        ) from None
    finally:
        fileobj.seek(position)
    return found


def read(upload, form) -> tuple[Parsed, list[Issue]]:
    """Read an uploaded workbook for ``form``: the values to save and every problem found. Raises
    ``ImportFileError`` for a file that cannot be this form's (too large, not an .xlsx, another form, stale)."""
    try:
        files.validate_upload_size(upload)
    except ValidationError as exc:
        raise ImportFileError(exc.messages[0]) from None
    source = upload.file if hasattr(upload, "file") else upload
    check_upload(source, upload.name, upload.size)
    book = open_workbook(source)
    if SHEET_TITLE not in book.sheet_names:
        raise ImportFileError(f"文件中没有“{SHEET_TITLE}”工作表：请使用在本自评表页面下载的 Excel，不要改动工作表名称")
    grid = book.get_sheet_by_name(SHEET_TITLE).to_python(skip_empty_area=False)
    reader = _Reader(grid, form, list(form.indicators.all()), formula_cells(source, SHEET_TITLE))
    reader.read_key()
    reader.read_narrative()
    reader.read_rows()
    return reader.result, reader.issues

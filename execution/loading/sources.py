"""Reading what is loaded: CSV and XLSX files and API records, each as a ``Source`` (a header and an iterator of
(line number, text cells)), and the header mapped onto a kind's columns.

- the format is told by content, not by file name (a real .xlsx, else CSV text; an old .xls is refused with a hint);
- the encoding of a CSV file is detected from its first MB holding a non-ASCII byte: UTF-8 with BOM, UTF-8, else
  GB18030 (⊇ GBK, what government systems export); bytes the chosen encoding cannot decode are reported with the
  encodings tried and the first line holding them (``encoding_error``), never as Python's codec error;
- ``_csv_chunks`` cuts a CSV file's bytes into pieces ending at a record boundary (a newline with an even number of
  quotes before it), for PostgreSQL's ``COPY`` to parse as they are, and ``_csv_middle`` finds such a boundary near
  the middle, so that a large file can be staged as two halves side by side (``staging.py``);
- every cell becomes text (XLSX numbers and dates included): the SQL of the loader checks and converts them.

``LoadFileError`` is a file that cannot be loaded as a whole (not CSV/XLSX, unreadable encoding, no header, a row
whose column count differs from the header's).
"""

from __future__ import annotations

import codecs
import csv
import datetime
import logging
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

from execution.loading.kinds import Kind, LoadError

ZIP_MAGIC = b"PK\x03\x04"
OLE_MAGIC = b"\xd0\xcf\x11\xe0"
SNIFF_BYTES = 1 << 20

logger = logging.getLogger(__name__)


class LoadFileError(Exception):
    """The file as a whole cannot be loaded (not CSV/XLSX, unreadable encoding, header missing)."""


# --- a CSV file's bytes, for PostgreSQL's COPY ------------------------------------------------------------------


def _csv_chunks(
    path: Path, size: int = 4 << 20, *, start: int | None = None, end: int | None = None
) -> Iterator[bytes]:
    """The file after its header line (and BOM), or its bytes from ``start`` (a record boundary) to ``end``, in
    pieces that end at a record boundary: a newline with an even number of quote characters before it (CSV doubles
    quotes inside quoted fields). Trailing blank lines at the end of the file dropped."""
    with open(path, "rb") as fh:
        if start is None:
            if not fh.readline():
                return
        else:
            fh.seek(start)
        left = None if end is None else end - fh.tell()
        rest = b""
        while True:
            block = fh.read(size if left is None else min(size, left))
            if left is not None:
                left -= len(block)
            buffer = rest + block
            if not block and end is not None:  # a range ends at a record boundary: nothing to trim
                if buffer:
                    yield buffer
                return
            if not block:
                buffer = buffer.rstrip(b"\r\n \t")
                if buffer:
                    yield buffer + b"\n"
                return
            cut = len(buffer)
            while True:
                cut = buffer.rfind(b"\n", 0, cut)
                if cut < 0 or buffer.count(b'"', 0, cut) % 2 == 0:
                    break
            if cut < 0:
                rest = buffer
                continue
            yield buffer[: cut + 1]
            rest = buffer[cut + 1 :]


def _csv_middle(path: Path, block: int = 4 << 20) -> tuple[int, int] | None:
    """A record boundary near the middle of the file, for staging the two halves side by side: (offset of the
    second half, number of lines of the first half after the header). Reads the first half once in blocks."""
    size = path.stat().st_size
    with open(path, "rb") as fh:
        if not fh.readline():
            return None
        middle = fh.tell() + (size - fh.tell()) // 2
        quotes = lines = 0
        while fh.tell() < middle:
            data = fh.read(min(block, middle - fh.tell()))
            quotes += data.count(b'"')
            lines += data.count(b"\n")
        ahead = fh.read(1 << 20)
    newline = -1
    while (newline := ahead.find(b"\n", newline + 1)) >= 0:
        if (quotes + ahead.count(b'"', 0, newline)) % 2 == 0:
            return middle + newline + 1, lines + ahead.count(b"\n", 0, newline + 1)
    return None


# --- reading ------------------------------------------------------------------------------------------------


def detect_format(path: str | Path) -> str:
    """ "xlsx" or "csv" by content, not by file name; LoadFileError for anything else."""
    with open(path, "rb") as fh:
        head = fh.read(8192)
    if head.startswith(ZIP_MAGIC):
        return "xlsx"
    if head.startswith(OLE_MAGIC):
        raise LoadFileError("这是旧版 .xls 文件或加密的 Excel 文件，请另存为 .xlsx 或 CSV（逗号分隔）后再上传")
    if not head.strip():
        raise LoadFileError("文件是空的")
    if b"\x00" in head:
        raise LoadFileError("文件不是 CSV 文本文件，也不是 .xlsx 文件")
    return "csv"


def detect_encoding(path: str | Path) -> str:
    """utf-8-sig (Excel's UTF-8 CSV), utf-8, or GB18030 (a superset of GBK, what government systems export), judged
    on the first ``SNIFF_BYTES`` that hold a non-ASCII byte (ASCII says nothing about the encoding)."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    with open(path, "rb") as fh:
        block = fh.read(SNIFF_BYTES)
        if block.startswith(codecs.BOM_UTF8):
            return "utf-8-sig"
        while block:
            try:
                decoder.decode(block, final=False)
            except UnicodeDecodeError:
                return "gb18030"
            if not block.isascii():
                return "utf-8"
            block = fh.read(SNIFF_BYTES)
    return "utf-8"


def undecodable_line(path: str | Path, encoding: str) -> int | None:
    """The first line (from 1) holding bytes ``encoding`` cannot decode; None when the whole file decodes. Lines are
    cut at b"\\n", a byte no UTF-8 or GB18030 multi-byte character contains."""
    codec = "utf-8" if encoding.startswith("utf-8") else encoding
    with open(path, "rb") as fh:
        for number, raw in enumerate(fh, start=1):
            try:
                raw.decode(codec)
            except UnicodeDecodeError:
                return number
    return None


def encoding_error(path: str | Path, encoding: str, line: int | None = None) -> LoadFileError:
    """A file the detected encoding cannot decode: which encodings were tried and the first line that broke (found
    here; ``line`` is what another reader reported, for bytes this one decodes)."""
    line = undecodable_line(path, encoding) or line
    tried = "UTF-8（文件带 BOM）" if encoding == "utf-8-sig" else "UTF-8、GB18030"
    where = f"第 {line} 行含有无法解码的字节" if line else "文件中含有无法解码的字节"
    error = LoadFileError(
        f"文件编码无法识别：已尝试 {tried}；{where}。请另存为 UTF-8 或 GB18030 编码的 CSV 后重新上传。"
    )
    error.line = line
    return error


def count_lines(path: str | Path) -> int:
    count = 0
    with open(path, "rb") as fh:
        while chunk := fh.read(1 << 20):
            count += chunk.count(b"\n")
    return count


def _cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, datetime.datetime):
        return value.date().isoformat()
    if isinstance(value, (datetime.date, Decimal, int)):
        return str(value)
    return str(value)


@dataclass
class Source:
    """Rows to load: a header and an iterator of (line number, cells)."""

    header: list[str]
    rows: Iterator[tuple[int, list]]
    estimated_rows: int = 0
    close: Callable[[], None] = lambda: None
    csv_path: Path | None = None  # a CSV file PostgreSQL may COPY as it is (see Loader._stage_csv)
    encoding: str = ""


def open_csv(path: str | Path) -> Source:
    encoding = detect_encoding(path)
    fh = open(path, encoding=encoding, newline="", errors="strict")
    reader = csv.reader(fh)
    try:
        header = next(reader, None)  # (decodes the first 8 KB)
    except UnicodeDecodeError:
        fh.close()
        raise encoding_error(path, encoding) from None
    except csv.Error as exc:
        fh.close()
        raise LoadFileError(f"无法读取文件：{exc}") from None
    if header is None:
        fh.close()
        raise LoadFileError("文件是空的")

    width = len(header)

    def rows():
        try:
            for cells in reader:
                if cells and any(cells):
                    if len(cells) != width:
                        error = LoadFileError("列数多于表头" if len(cells) > width else "列数少于表头（或是空行）")
                        error.line = reader.line_num
                        raise error
                    yield reader.line_num, cells
        except UnicodeDecodeError:
            raise encoding_error(path, encoding) from None
        except csv.Error as exc:
            raise LoadFileError(f"第 {reader.line_num} 行不是有效的 CSV：{exc}") from None

    return Source(
        header=header,
        rows=rows(),
        estimated_rows=max(count_lines(path) - 1, 1),
        close=fh.close,
        csv_path=Path(path),
        encoding=encoding,
    )


def open_xlsx(path: str | Path) -> Source:
    from python_calamine import CalamineError, CalamineWorkbook

    try:
        book = CalamineWorkbook.from_path(str(path))
        sheet = book.get_sheet_by_index(0)
    except (CalamineError, Exception) as exc:  # calamine raises several types for broken files
        logger.info("unreadable xlsx %s: %s", path, exc)
        raise LoadFileError(
            "无法读取 Excel 文件：文件已损坏、不完整或不是 .xlsx 工作簿（如只上传了一部分，或是改了扩展名的其他文件）。"
            "请在 Excel 或 WPS 中打开确认后另存为 .xlsx 再上传"
        ) from None
    iterator = iter(sheet.iter_rows())
    header = next(iterator, None)
    if header is None:
        book.close()
        raise LoadFileError("工作表是空的")

    def rows():
        for number, cells in enumerate(iterator, start=2):
            values = [_cell(c) for c in cells]
            if any(values):
                yield number, values

    return Source(
        header=[_cell(h) for h in header], rows=rows(), estimated_rows=max(sheet.total_height - 1, 1), close=book.close
    )


def open_file(path: str | Path) -> Source:
    return open_xlsx(path) if detect_format(path) == "xlsx" else open_csv(path)


def records_source(kind: Kind, records: Iterable[dict]) -> Source:
    """API records (dicts keyed by field key or Chinese header) as a source; line = record number."""
    header = kind.keys

    def rows():
        for number, record in enumerate(records, start=1):
            if not isinstance(record, dict):
                yield number, [""] * len(header)
                continue
            yield number, [_cell(record.get(f.key, record.get(f.header))) for f in kind.fields]

    return Source(header=header, rows=rows())


def map_header(kind: Kind, header: list[str]) -> tuple[list[int | None], list[LoadError]]:
    """Index of each field's column in the file (None: optional and absent) and the header's problems."""
    names = {}
    for f in kind.fields:
        for spelling in (f.header, f.key, *f.aliases):
            names[spelling] = f.key
    positions: dict[str, int] = {}
    errors = []
    for i, raw in enumerate(header):
        text = str(raw or "").replace("\ufeff", "").strip().replace("*", "").strip()
        key = names.get(text)
        if key is None:
            continue
        if key in positions:
            errors.append(LoadError(1, "", f"列“{kind.field(key).header}”出现了两次"))
            continue
        positions[key] = i
    for f in kind.fields:
        if f.required and f.key not in positions:
            errors.append(LoadError(1, "", f"缺少列“{f.header}”"))
    return [positions.get(k) for k in kind.keys], errors

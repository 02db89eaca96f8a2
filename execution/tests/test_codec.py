"""A CSV file with bytes its encoding cannot decode: the error names the encodings tried and the first line that broke,
in Chinese, never Python's or PostgreSQL's codec error (issue 17 §10). Small files break while the header is read
(the first 8 KB are decoded then), large ones while the rows are read (SQLite) or copied (PostgreSQL's COPY)."""

import pytest

from execution import loading
from execution.tests.helpers import PAYMENT_HEADER, csv_bytes, payment


def message(line: int, tried: str = "UTF-8、GB18030") -> str:
    return (
        f"文件编码无法识别：已尝试 {tried}；第 {line} 行含有无法解码的字节。"
        "请另存为 UTF-8 或 GB18030 编码的 CSV 后重新上传。"
    )


def problems(load, path) -> list[tuple[int | None, str]]:
    """(line, message) of each problem: a file broken in its first 8 KB is refused as a whole (LoadFileError, shown by
    the job as one problem on that line), one broken further down stops the load at that line."""
    try:
        result = load(None, path=path)
    except loading.LoadFileError as exc:
        return [(getattr(exc, "line", None), str(exc))]
    assert not result.ok
    return [(e.line, e.message) for e in result.errors]


def broken_file(tmp_path, subject, rows: int, bad_line: int, encoding: str = "gbk"):
    """A payment file whose ``bad_line`` (counting the header as line 1) holds a lone GB18030 lead byte."""
    lines = csv_bytes(
        PAYMENT_HEADER,
        [
            payment(f"C{i}", subject.code, "10.00", payer=subject.organisation.budget_code, summary="办公用品")
            for i in range(rows)
        ],
        encoding=encoding,
    ).split(b"\r\n")
    lines[bad_line - 1] += b",\xb7"  # (an extra column too: the encoding must be reported first)
    path = tmp_path / "broken.csv"
    path.write_bytes(b"\r\n".join(lines))
    return path


@pytest.mark.parametrize(("rows", "bad_line"), [(5, 4), (800, 600)], ids=["in-the-first-8KB", "far-down"])
def test_undecodable_bytes_name_the_encodings_and_the_line(load, city_subject, tmp_path, rows, bad_line):
    path = broken_file(tmp_path, city_subject, rows, bad_line)
    assert path.stat().st_size > 8192 or rows < 10

    assert problems(load, path) == [(bad_line, message(bad_line))]


def test_a_utf8_file_with_a_bom_names_utf8_only(load, city_subject, tmp_path):
    path = broken_file(tmp_path, city_subject, 5, 3, encoding="utf-8-sig")
    assert problems(load, path) == [(3, message(3, "UTF-8（文件带 BOM）"))]


def test_an_ascii_start_does_not_decide_the_encoding(tmp_path):
    """The first megabyte all ASCII says nothing: the first non-ASCII bytes decide (GBK here, not UTF-8)."""
    path = tmp_path / "ascii-first.csv"
    path.write_bytes(
        b"voucher_number,amount\r\n" + b"A1,10\r\n" * (loading.SNIFF_BYTES // 7 + 10) + "办公".encode("gbk")
    )
    assert loading.detect_encoding(path) == "gb18030"
    path.write_bytes(b"a,b\r\n" * 10 + "办公".encode())
    assert loading.detect_encoding(path) == "utf-8"


def test_the_job_shows_the_line(immediate_tasks, treasury, city_subject, tmp_path):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from execution.jobs import start_load
    from execution.tests.helpers import year

    path = broken_file(tmp_path, city_subject, 5, 4)
    upload = SimpleUploadedFile("broken.csv", path.read_bytes(), content_type="text/csv")
    job = start_load(treasury, loading.PAYMENTS, upload, fiscal_year=year())
    job.refresh_from_db()
    assert job.status == "failed"
    assert [(e["row"], e["message"]) for e in job.errors] == [(4, message(4))]

"""The import fuzz cases of the Excel import framework (issue 17: "0 partial imports from 25 malformed files"), kept in
the suite: each malformed file is posted to the upload page the way a person would (the subjects' import, and the
organisations' for the cases only it can show), the job runs at once (``immediate_tasks``), and each case asserts
that nothing was written, that the file was refused or the job failed, and that the message is Chinese and points at
the problem (the file, the row and the column). The execution loads have theirs in execution/tests/test_load_fuzz.py.
"""

from __future__ import annotations

import io
import re
import zipfile

import pytest
from openpyxl import Workbook
from openpyxl.utils import get_column_letter

from audit.models import AuditAction, AuditEntry
from imports.models import ImportJob, ImportStatus
from imports.testing import upload, xlsx_bytes
from organisations.models import Organisation
from subjects.importers import SubjectImporter
from subjects.models import Subject, SubjectYearAmount
from subjects.tests.test_import import row

pytestmark = pytest.mark.django_db

HEADERS = [c.header for c in SubjectImporter.columns]
ORG_HEADERS = ["机构名称", "机构类型", "行政区划代码", "预算编码", "上级预算编码"]
NAME = "项目.xlsx"


def cell(number: int, header: str) -> str:
    """How an issue names a cell: 第 3 行 T 列（本年度申请金额）."""
    return f"第 {number} 行 {get_column_letter(HEADERS.index(header) + 1)} 列（{header}）"


def subjects_file(*rows: dict, headers=HEADERS) -> bytes:
    return xlsx_bytes(headers, rows, sheet="项目")


def with_value(header: str, value) -> bytes:
    """Two good rows, then one whose ``header`` is ``value`` (the bad cell is on row 4)."""
    return subjects_file(row(项目名称="好的一行"), row(项目名称="第二行"), row(**{header: value}))


def numeric_cell(header: str, text: str) -> bytes:
    """A workbook whose ``header`` cell on row 2 is a number cell holding ``text`` as written in the sheet's XML
    (NaN, 1e309 …: what a hand-made or foreign file can hold, and Excel cannot type)."""
    content = subjects_file(row(**{header: "@NUMBER@"}))
    source, out = zipfile.ZipFile(io.BytesIO(content)), io.BytesIO()
    with zipfile.ZipFile(out, "w") as target:
        for info in source.infolist():
            data = source.read(info.filename)
            data = data.replace(b't="inlineStr"><is><t>@NUMBER@</t></is>', f't="n"><v>{text}</v>'.encode())
            target.writestr(info, data)
    return out.getvalue()


def date_serial(header: str, serial: int) -> bytes:
    """A workbook whose ``header`` cell on row 2 is a date-formatted number (an Excel serial date)."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "项目"
    sheet.append(HEADERS)
    sheet.append([row().get(h, "") for h in HEADERS])
    target = sheet.cell(2, HEADERS.index(header) + 1, serial)
    target.number_format = "yyyy-mm-dd"
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def shifted_row() -> bytes:
    """One row with an extra cell inserted at its start: every value sits one column to the right."""
    good = [row().get(h, "") for h in HEADERS]
    return xlsx_bytes(HEADERS, [good, ["多出的一格", *good]], sheet="项目")


def a_zip(members: dict[str, str]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, text in members.items():
            archive.writestr(name, text)
    return buffer.getvalue()


def csv_text(encoding: str, middle: bytes = b"") -> bytes:
    lines = [",".join(HEADERS), ",".join(str(v) for v in row().values())] * 2
    head = "\n".join(lines).encode(encoding)
    return head[: len(head) // 2] + middle + head[len(head) // 2 :]


def many_rows_last_bad() -> bytes:
    rows = [row(项目名称=f"批量项目{i}") for i in range(9_999)]
    return subjects_file(*rows, row(项目名称="最后一行", 本年度申请金额="壹佰元"))


def org_file(*rows: list) -> bytes:
    return xlsx_bytes(ORG_HEADERS, rows, sheet="机构")


AMOUNT, START, NAME_COLUMN, ORG = "本年度申请金额", "开始日期", "项目名称", "单位预算编码"
# (id, file name, content (a callable: built only when its case runs), fragments the message must hold); a case of
# the organisations' import starts with "org:", the one with a small upload limit with "limit:".
CASES = [
    ("empty file", NAME, lambda: b"", ["文件是空的"]),
    ("header only", NAME, lambda: subjects_file(), ["工作表“项目”中没有数据行"]),
    ("binary garbage", NAME, lambda: bytes(range(256)) * 40, [f"“{NAME}”不是 Excel 工作簿"]),
    ("a CSV with broken GB18030 bytes", "项目.csv", lambda: csv_text("gb18030", b"\xb7\xff"), ["只支持 .xlsx"]),
    ("a UTF-16 file", "项目.xlsx", lambda: csv_text("utf-16"), ["只支持 .xlsx"]),
    ("a truncated xlsx", NAME, lambda: (whole := subjects_file(row()))[: len(whole) // 2], [f"“{NAME}”已损坏"]),
    ("a zip that is not an xlsx", NAME, lambda: a_zip({"a.txt": "你好"}), [f"“{NAME}”不是 Excel 工作簿"]),
    ("only the notes sheet", NAME, lambda: xlsx_bytes(HEADERS, [row()], sheet="填写说明"), ["没有可导入的工作表"]),
    ("other headers", NAME, lambda: xlsx_bytes(["甲", "乙"], [[1, 2]], sheet="项目"), ["找不到列名行", AMOUNT]),
    (
        "a missing required column",
        NAME,
        lambda: subjects_file(row(), headers=[h for h in HEADERS if h != AMOUNT]),
        [f"缺少必填列“{AMOUNT}”"],
    ),
    (
        "a header named twice",
        NAME,
        lambda: subjects_file(row(), headers=[*HEADERS, AMOUNT]),
        [f"第 1 行 {get_column_letter(len(HEADERS) + 1)} 列（{AMOUNT}）：与"],
    ),
    (
        "an extra cell shifts one row",
        NAME,
        shifted_row,
        ["第 3 行 C 列（项目类别）：“101002”不是可选的值", "第 3 行 G 列（项目期限）：“2026”不是可选的值"],
    ),
    ("an amount that is text", NAME, lambda: with_value(AMOUNT, "壹佰元"), [cell(4, AMOUNT), "不是金额"]),
    ("a negative amount", NAME, lambda: with_value(AMOUNT, "-100"), [cell(4, AMOUNT), "不能为负数"]),
    ("three decimals", NAME, lambda: with_value(AMOUNT, "1.005"), [cell(4, AMOUNT), "两位小数"]),
    ("an amount NaN", NAME, lambda: with_value(AMOUNT, "NaN"), [cell(4, AMOUNT), "不是金额"]),
    ("an amount Infinity", NAME, lambda: with_value(AMOUNT, "Infinity"), [cell(4, AMOUNT), "不是金额"]),
    ("an amount 1e309", NAME, lambda: with_value(AMOUNT, "1e309"), [cell(4, AMOUNT), "过大"]),
    ("an amount of 30 digits", NAME, lambda: with_value(AMOUNT, "9" * 30), [cell(4, AMOUNT), "过大"]),
    ("a number cell NaN", NAME, lambda: numeric_cell(AMOUNT, "NaN"), [cell(2, AMOUNT), "不是金额"]),
    ("a number cell 1e309", NAME, lambda: numeric_cell(AMOUNT, "1e309"), [cell(2, AMOUNT), "不是金额"]),
    ("a year of 5,000 digits", NAME, lambda: with_value("申报年度", "9" * 5000), [cell(4, "申报年度"), "共 5000 位"]),
    ("30 February", NAME, lambda: with_value(START, "2026-02-30"), [cell(4, START), "不存在"]),
    ("a date in another format", NAME, lambda: with_value(START, "03/30/2026"), [cell(4, START), "不是日期"]),
    ("a serial date far out", NAME, lambda: date_serial(START, 99_999_999), [cell(2, START), "不是日期"]),
    ("an unknown unit code", NAME, lambda: with_value(ORG, "999999"), [cell(4, ORG), "“999999”不存在或不在"]),
    ("a cell of 100,000 characters", NAME, lambda: with_value(NAME_COLUMN, "项" * 100_000), [cell(4, NAME_COLUMN)]),
    ("10,000 rows, the last one bad", NAME, many_rows_last_bad, [cell(10_001, AMOUNT), "不是金额"]),
    ("limit: a file over the size limit", NAME, lambda: subjects_file(row()), ["超过上限 2 KB"]),
    (
        "org: a budget code twice",
        "机构.xlsx",
        lambda: org_file(
            ["新机构甲", "预算单位", "990100", "130001", "101"], ["新机构乙", "预算单位", "990100", "130001", "101"]
        ),
        ["第 3 行 D 列（预算编码）：与第 2 行重复"],
    ),
]


def outcome(response) -> tuple[str, ImportJob | None]:
    """The message the person sees: the form's error (the file refused at upload), else the failed job's errors."""
    assert response.status_code in (200, 302), response.status_code
    if response.status_code == 200:
        errors = response.context["form"].errors.get("file")
        assert errors, "neither refused nor queued"
        return "；".join(errors), None
    job = ImportJob.objects.get(pk=int(response["Location"].rstrip("/").split("/")[-1]))
    assert job.status == ImportStatus.FAILED, (job.status, job.summary)
    assert job.error_count and job.finished_at
    return "；".join(e["text"] for e in job.errors), job


@pytest.mark.parametrize(("name", "filename", "build", "expected"), CASES, ids=[c[0] for c in CASES])
def test_a_malformed_file_is_refused_in_chinese_and_writes_nothing(
    name, filename, build, expected, client_as, immediate_tasks, settings
):
    if name.startswith("limit:"):
        settings.JIXIAO_MAX_UPLOAD_BYTES = 2048
    url, persona = (
        ("/organisations/import/", "sysadmin") if name.startswith("org:") else ("/subjects/import/", "edu_preparer")
    )
    client = client_as(persona)
    counts = lambda: (  # noqa: E731
        Subject.objects.count(),
        SubjectYearAmount.objects.count(),
        Organisation.objects.count(),
        AuditEntry.objects.filter(action__in=[AuditAction.CREATE, AuditAction.UPDATE]).count(),
    )
    before = counts()

    message, job = outcome(client.post(url, {"file": upload(build(), filename)}))

    assert counts() == before, f"{name}: rows were written"
    assert any("\u4e00" <= ch <= "\u9fff" for ch in message), f"{name}: {message!r}"
    assert "系统错误" not in message, f"{name}: the job crashed: {message}"
    own_words = re.sub(r"“[^”]*”", "", message)  # the file's own values and names are quoted back
    assert not re.search(r"[A-Za-z]{6,}", own_words), f"{name}: a raw library message: {message}"
    for fragment in expected:
        assert fragment in message, f"{name}: {message[:500]}"
    if job is not None:
        assert AuditEntry.objects.filter(action=AuditAction.IMPORT, object_id=str(job.pk)).exists()


def test_a_value_that_starts_with_an_equals_sign_is_stored_as_text(client_as, immediate_tasks):
    """A text cell `=cmd|' /C calc'!A0` is a name like any other: stored as written, never evaluated (the exports
    neutralise it, core/xlsx.py)."""
    formula = "=cmd|' /C calc'!A0"
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "项目"
    sheet.append(HEADERS)
    sheet.append([row().get(h, "") for h in HEADERS])
    sheet.cell(2, 1).value, sheet.cell(2, 1).data_type = formula, "s"  # text, as a person types '=… in Excel
    buffer = io.BytesIO()
    workbook.save(buffer)
    response = client_as("edu_preparer").post("/subjects/import/", {"file": upload(buffer.getvalue(), NAME)})
    job = ImportJob.objects.get(pk=int(response["Location"].rstrip("/").split("/")[-1]))
    assert job.status == ImportStatus.SUCCEEDED, job.errors
    assert Subject.objects.get(name=formula).status == "draft"


def test_a_stray_cell_right_of_the_headed_columns_is_not_read(client_as, immediate_tasks):
    """A cell under no column title (a remark to the right of a row) is not data: the row imports, the remark is
    kept nowhere. (The CSV loads of execution data refuse a row with an extra cell instead: a CSV has no room for
    remarks.)"""
    good = [row(项目名称="带旁注的项目").get(h, "") for h in HEADERS]
    content = xlsx_bytes(HEADERS, [[*good, "", "备注：请尽快"]], sheet="项目")
    response = client_as("edu_preparer").post("/subjects/import/", {"file": upload(content, NAME)})
    job = ImportJob.objects.get(pk=int(response["Location"].rstrip("/").split("/")[-1]))
    assert job.status == ImportStatus.SUCCEEDED, job.errors
    subject = Subject.objects.get(name="带旁注的项目")
    assert not [f.name for f in Subject._meta.concrete_fields if "备注" in str(getattr(subject, f.attname))]

"""The import fuzz cases (issue 17: "0 partial imports from 25 malformed files"), kept in the suite: each malformed
treasury file is fed to the loader the upload page uses; each is refused with a Chinese message that points at the
problem, and not one payment is written. The column-by-column value errors are test_loading.py's; the codec errors
test_codec.py's."""

import io
import re
import zipfile

import pytest
from openpyxl import Workbook

from execution import loading
from execution.models import Payment
from execution.tests.helpers import PAYMENT_HEADER, payment

pytestmark = pytest.mark.django_db


def csv_bytes(header, rows, encoding="utf-8") -> bytes:
    lines = [",".join(header)] + [",".join(str(v) for v in row) for row in rows]
    return ("\n".join(lines) + "\n").encode(encoding)


def xlsx_bytes(header, rows) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(header)
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def good_rows(subject, n=3, prefix="F"):
    return [
        payment(f"{prefix}{i}", subject.code, f"{100 + i}.00", payer=subject.organisation.budget_code) for i in range(n)
    ]


def with_value(subject, column: str, value: str, n=3):
    rows = good_rows(subject, n)
    rows[-1][PAYMENT_HEADER.index(column)] = value
    return rows


def cases(subject):
    """(name, file name, content, a fragment of the expected message)."""
    good = good_rows(subject)
    xlsx = xlsx_bytes(PAYMENT_HEADER, good)
    many = good_rows(subject, 10_000, prefix="M")
    many[-1][PAYMENT_HEADER.index("支付日期")] = "2026-13-01"
    return [
        ("empty file", "p.csv", b"", "空"),
        ("header only", "p.csv", csv_bytes(PAYMENT_HEADER, []), "没有数据"),
        ("binary garbage named .csv", "p.csv", bytes(range(256)) * 40, "不是 CSV"),
        ("a program named .csv", "p.csv", b"MZ\x90\x00" + b"\x00" * 200, "不是 CSV"),
        ("a web page named .csv", "p.csv", b"<!DOCTYPE html><html><body>x</body></html>", "缺少列"),
        ("a truncated xlsx", "p.xlsx", xlsx[: len(xlsx) // 2], "已损坏"),
        ("a zip that is not a workbook", "p.xlsx", _zip({"a.txt": "hello"}), "不是 .xlsx 工作簿"),
        ("a workbook with other headers", "p.xlsx", xlsx_bytes(["甲", "乙", "丙"], [[1, 2, 3]]), "缺少列"),
        (
            "a missing column",
            "p.csv",
            csv_bytes(_without(PAYMENT_HEADER, 3), [_without(r, 3) for r in good]),
            "项目编码",
        ),
        ("a header named twice", "p.csv", csv_bytes([*PAYMENT_HEADER, "金额"], [[*r, "1"] for r in good]), "金额"),
        ("a row with one more cell", "p.csv", csv_bytes(PAYMENT_HEADER, [*good[:2], [*good[2], "多余"]]), "列"),
        ("an amount that is text", "p.csv", csv_bytes(PAYMENT_HEADER, with_value(subject, "金额", "壹佰元")), "金额"),
        ("an amount NaN", "p.csv", csv_bytes(PAYMENT_HEADER, with_value(subject, "金额", "NaN")), "金额"),
        ("an amount Infinity", "p.csv", csv_bytes(PAYMENT_HEADER, with_value(subject, "金额", "Infinity")), "金额"),
        ("an amount 1e309", "p.csv", csv_bytes(PAYMENT_HEADER, with_value(subject, "金额", "1e309")), "金额"),
        ("an amount of 20 digits", "p.csv", csv_bytes(PAYMENT_HEADER, with_value(subject, "金额", "9" * 20)), "金额"),
        ("three decimals", "p.csv", csv_bytes(PAYMENT_HEADER, with_value(subject, "金额", "1.005")), "金额"),
        ("30 February", "p.csv", csv_bytes(PAYMENT_HEADER, with_value(subject, "支付日期", "2026-02-30")), "日期"),
        ("a date in words", "p.csv", csv_bytes(PAYMENT_HEADER, with_value(subject, "支付日期", "下周一")), "日期"),
        (
            "an Excel serial date far out",
            "p.csv",
            csv_bytes(PAYMENT_HEADER, with_value(subject, "支付日期", "99999999")),
            "日期",
        ),
        ("a voucher twice", "p.csv", csv_bytes(PAYMENT_HEADER, [*good, good[0]]), "重复"),
        (
            "a cell of 100,000 characters",
            "p.csv",
            csv_bytes(PAYMENT_HEADER, with_value(subject, "收款人", "收" * 100_000)),
            "收款人",
        ),
        ("10,000 rows, the last one bad", "p.csv", csv_bytes(PAYMENT_HEADER, many), "日期"),
    ]


def _without(values: list, index: int) -> list:
    return values[:index] + values[index + 1 :]


def _zip(members: dict[str, str]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, text in members.items():
            archive.writestr(name, text)
    return buffer.getvalue()


CASE_NAMES = [
    "empty file",
    "header only",
    "binary garbage named .csv",
    "a program named .csv",
    "a web page named .csv",
    "a truncated xlsx",
    "a zip that is not a workbook",
    "a workbook with other headers",
    "a missing column",
    "a header named twice",
    "a row with one more cell",
    "an amount that is text",
    "an amount NaN",
    "an amount Infinity",
    "an amount 1e309",
    "an amount of 20 digits",
    "three decimals",
    "30 February",
    "a date in words",
    "an Excel serial date far out",
    "a voucher twice",
    "a cell of 100,000 characters",
    "10,000 rows, the last one bad",
]


@pytest.mark.parametrize("name", CASE_NAMES)
def test_a_malformed_file_is_refused_in_chinese_and_writes_nothing(name, city_subject, treasury, tmp_path):
    from audit.context import acting_as
    from execution.permissions import bureau_of
    from execution.tests.helpers import year

    _, filename, content, expected = next(c for c in cases(city_subject) if c[0] == name)
    path = tmp_path / filename
    path.write_bytes(content)
    before = Payment.objects.count()
    message = ""
    with acting_as(user=treasury):
        try:
            result = loading.load_path(
                loading.PAYMENTS, path, bureau=bureau_of(treasury), fiscal_year=year(), user=treasury, reason="测试"
            )
        except loading.LoadFileError as exc:
            message = str(exc)
        else:
            assert not result.ok, f"{name}: accepted"
            message = "；".join(f"第 {e.line} 行 {e.message}" for e in result.errors[:3])
    assert Payment.objects.count() == before, f"{name}: rows were written"
    assert message and any("\u4e00" <= ch <= "\u9fff" for ch in message), f"{name}: {message!r}"
    own_words = re.sub(r"“[^”]*”", "", message).replace("Excel", "")  # the file's own values are quoted back
    assert not re.search(r"[A-Za-z]{6,}", own_words), f"{name}: a raw library message: {message}"
    assert expected in message, f"{name}: {message}"


def test_a_value_that_starts_with_an_equals_sign_is_kept_as_text(city_subject, treasury, tmp_path):
    """A treasury CSV's payee `=cmd|' /C calc'!A0` is stored as the text it is (and neutralised in every export)."""
    from audit.context import acting_as
    from execution.permissions import bureau_of
    from execution.tests.helpers import year

    formula = "=cmd|' /C calc'!A0"
    rows = good_rows(city_subject, 1, prefix="EQ")
    rows[0][PAYMENT_HEADER.index("收款人")] = formula
    path = tmp_path / "p.csv"
    path.write_bytes(csv_bytes(PAYMENT_HEADER, rows))
    with acting_as(user=treasury):
        result = loading.load_path(
            loading.PAYMENTS, path, bureau=bureau_of(treasury), fiscal_year=year(), user=treasury, reason="测试"
        )
    assert result.ok, result.errors
    assert Payment.objects.get(voucher_number="EQ0").payee == formula


@pytest.mark.parametrize("kind", ["payments", "allocations"])
def test_the_downloadable_template_loads_once_its_example_row_is_real(kind, client_as, city_subject, tmp_path):
    """Issue 12 §5: the upload page offers a template (xlsx with a sheet of notes, and CSV) whose columns are the
    loader's; filled with a real unit and project code, it loads as it is."""
    import csv

    from python_calamine import CalamineWorkbook

    from audit.context import acting_as
    from core.testing import user
    from execution.permissions import bureau_of
    from execution.tests.helpers import year

    client = client_as("treasury")
    page = client.get(f"/execution/{kind}/upload/").content.decode()
    assert 'id="template-xlsx"' in page and 'id="template-csv"' in page
    csv_text = client.get(f"/execution/{kind}/template.csv").content.decode("utf-8-sig")
    header, example = list(csv.reader(io.StringIO(csv_text)))
    path = tmp_path / "template.xlsx"
    path.write_bytes(client.get(f"/execution/{kind}/template.xlsx").content)
    book = CalamineWorkbook.from_path(str(path))
    rows = book.get_sheet_by_index(0).to_python()
    assert rows[0] == header and [str(v) for v in rows[1]] == example and book.sheet_names[1] == "填写说明"

    kind_ = loading.KINDS[kind]
    example[kind_.keys.index("payer_code")] = city_subject.organisation.budget_code
    example[kind_.keys.index("project_code")] = city_subject.code
    filled = tmp_path / "filled.csv"
    with filled.open("w", newline="", encoding="utf-8") as out:
        csv.writer(out).writerows([header, example])
    treasury = user("treasury")
    with acting_as(user=treasury):
        result = loading.load_path(
            kind_, filled, bureau=bureau_of(treasury), fiscal_year=year(), user=treasury, reason="测试"
        )
    assert result.ok, result.errors
    assert client_as("edu_preparer").get(f"/execution/{kind}/template.xlsx").status_code == 404
    assert client.get(f"/execution/{kind}/template.exe").status_code == 404

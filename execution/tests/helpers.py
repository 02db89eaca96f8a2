"""Building payment and allocation files for the tests."""

from __future__ import annotations

import csv
import io

from core import fiscal

PAYMENT_HEADER = [
    "支付凭证号",
    "支付日期",
    "单位预算编码",
    "项目编码",
    "金额",
    "预算类别",
    "资金来源",
    "经济分类",
    "收款人",
    "用途",
]
ALLOCATION_HEADER = ["指标文号", "下达日期", "单位预算编码", "项目编码", "金额", "预算类别", "资金来源", "摘要"]


def year() -> int:
    return fiscal.default_year()


def payment(
    voucher: str,
    code: str,
    amount: str = "1000.00",
    *,
    payer: str = "101",
    date: str | None = None,
    kind: str = "一般公共预算",
    source: str = "本级",
    economic: str = "30201",
    payee: str = "某公司",
    summary: str = "办公用品",
) -> list[str]:
    return [voucher, date or f"{year()}-03-15", payer, code, amount, kind, source, economic, payee, summary]


def allocation(
    number: str,
    code: str,
    amount: str = "500000.00",
    *,
    payer: str = "101",
    date: str | None = None,
    kind: str = "一般公共预算",
    source: str = "本级",
    summary: str = "年初预算",
) -> list[str]:
    return [number, date or f"{year()}-01-10", payer, code, amount, kind, source, summary]


def csv_bytes(header: list[str], rows: list[list], encoding: str = "utf-8") -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue().encode(encoding)


def write_csv(tmp_path, header, rows, name="payments.csv", encoding="utf-8"):
    path = tmp_path / name
    path.write_bytes(csv_bytes(header, rows, encoding))
    return path


def xlsx_file(tmp_path, header, rows, name="payments.xlsx"):
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.append(header)
    for row in rows:
        sheet.append(row)
    path = tmp_path / name
    book.save(path)
    return path

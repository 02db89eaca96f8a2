"""What can be loaded: the record kinds (payments, allocations), their columns, and what a load reports.

A ``Kind`` names its model, its natural key (支付凭证号 / 指标文号), its date column and its ``Field``s: the Chinese
column title of the file, the model field (also the API key), whether a file must have the column, the length
checked, the spellings accepted in a header, and the note shown on the upload page. ``LoadError`` is one bad row
(line, natural key, reason in Chinese), ``LoadResult`` the counts of a load, and ``write_error_report`` the
downloadable CSV that lists every error of a failed load (docs/decisions/0014).
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from core.xlsx import CsvWriter
from execution.models import BudgetAllocation, Payment
from subjects.choices import BudgetKind, FundSource


@dataclass(frozen=True)
class Field:
    header: str  # the Chinese column title
    key: str  # model field (and API key)
    required: bool = True  # the column must be present in a file
    max_length: int = 0  # 0: not a text field checked for length
    aliases: tuple[str, ...] = ()
    note: str = ""
    example: str = ""  # the value of the downloadable template's example row ({year} is the fiscal year)


@dataclass(frozen=True)
class Kind:
    """What is being loaded: payments or allocations."""

    key: str
    model: type
    title: str
    natural_key: str
    date_field: str
    fields: tuple[Field, ...]

    @property
    def table(self) -> str:
        return self.model._meta.db_table

    @property
    def keys(self) -> list[str]:
        return [f.key for f in self.fields]

    def field(self, key: str) -> Field:
        return next(f for f in self.fields if f.key == key)

    @property
    def key_header(self) -> str:
        return self.field(self.natural_key).header

    @property
    def data_fields(self) -> list[str]:
        """Model fields whose change makes a record a correction."""
        return [k for k in self.keys if k != self.natural_key] + ["fiscal_year"]


_BUDGET_NOTE = "填写名称或代码：" + "、".join(BudgetKind.labels) + "；空白为一般公共预算"
_FUND_NOTE = "填写名称或代码：" + "、".join(FundSource.labels) + "；空白为本级"
_DATE_NOTE = "预算年度内的日期，如 2026-07-31、2026/7/31 或 20260731"
_AMOUNT_NOTE = "元，最多两位小数，可有千分位逗号；负数为退款或冲销"

PAYMENTS = Kind(
    key="payments",
    model=Payment,
    title="国库支付明细",
    natural_key="voucher_number",
    date_field="paid_on",
    fields=(
        Field(
            "支付凭证号",
            "voucher_number",
            max_length=60,
            aliases=("凭证号",),
            note="国库集中支付凭证号，唯一；重复导入同一凭证号不会重复计数，金额等不同即为更正",
            example="ZF{year}000001",
        ),
        Field("支付日期", "paid_on", note=_DATE_NOTE, example="{year}-07-31"),
        Field(
            "单位预算编码",
            "payer_code",
            max_length=30,
            aliases=("预算单位编码", "单位编码"),
            note="付款单位的预算编码，须是本财政部门及下级区划已登记的单位编码；未登记的编码整批拒绝并指出行号",
            example="101001",
        ),
        Field(
            "项目编码",
            "project_code",
            max_length=40,
            note="项目库中的项目编码；未知编码进入“待匹配”队列，由国库科或绩效科匹配",
            example="XM{year}-00001",
        ),
        Field("金额", "amount", aliases=("支付金额", "金额（元）"), note=_AMOUNT_NOTE, example="12,500.00"),
        Field("预算类别", "budget_kind", note=_BUDGET_NOTE, example="一般公共预算"),
        Field("资金来源", "fund_source", note=_FUND_NOTE, example="本级"),
        Field(
            "经济分类",
            "economic_code",
            max_length=20,
            aliases=("经济分类科目", "支出经济分类"),
            note="支出经济分类科目编码，可空",
            example="30201",
        ),
        Field("收款人", "payee", required=False, max_length=200, note="可选", example="某某办公用品有限公司"),
        Field(
            "用途", "summary", required=False, max_length=200, aliases=("摘要",), note="可选", example="购买办公用品"
        ),
    ),
)

ALLOCATIONS = Kind(
    key="allocations",
    model=BudgetAllocation,
    title="预算指标",
    natural_key="document_number",
    date_field="issued_on",
    fields=(
        Field(
            "指标文号",
            "document_number",
            max_length=60,
            aliases=("指标编号",),
            note="指标文号（每行唯一，如一文多行请加序号）；重复导入不会重复计数",
            example="示财预〔{year}〕1号-01",
        ),
        Field("下达日期", "issued_on", note=_DATE_NOTE, example="{year}-03-15"),
        Field(
            "单位预算编码",
            "payer_code",
            max_length=30,
            aliases=("预算单位编码", "单位编码"),
            note="指标下达到的单位的预算编码，须已登记；未登记的编码整批拒绝并指出行号",
            example="101001",
        ),
        Field(
            "项目编码",
            "project_code",
            max_length=40,
            note="项目库中的项目编码；未知编码进入“待匹配”队列",
            example="XM{year}-00001",
        ),
        Field("金额", "amount", aliases=("指标金额", "金额（元）"), note=_AMOUNT_NOTE, example="500,000.00"),
        Field("预算类别", "budget_kind", note=_BUDGET_NOTE, example="一般公共预算"),
        Field("资金来源", "fund_source", note=_FUND_NOTE, example="本级"),
        Field("摘要", "summary", required=False, max_length=200, note="可选", example="年初预算"),
    ),
)

KINDS = {PAYMENTS.key: PAYMENTS, ALLOCATIONS.key: ALLOCATIONS}


# An amount written with thousands separators: 1 to 3 digits, then groups of exactly three (issue 12 §5).
AMOUNT_GROUPS = re.compile(r"^-?[0-9]{1,3}(,[0-9]{3})+(\.[0-9]*)?$")


@dataclass
class LoadError:
    line: int | None
    key: str  # the record's natural key as given ("" when unknown)
    message: str

    def as_dict(self) -> dict:
        return {
            "row": self.line,
            "key": self.key,
            "message": self.message,
            "text": f"第 {self.line} 行：{self.message}" if self.line else self.message,
        }


@dataclass
class LoadResult:
    kind: Kind
    total: int = 0
    errors: list[LoadError] = field(default_factory=list)
    error_count: int = 0
    inserted: int = 0
    unchanged: int = 0
    corrected: int = 0
    rematched: int = 0
    unmatched: int = 0

    @property
    def ok(self) -> bool:
        return not self.error_count

    def summary(self) -> dict:
        return {
            "total": self.total,
            "inserted": self.inserted,
            "unchanged": self.unchanged,
            "corrected": self.corrected,
            "rematched": self.rematched,
            "unmatched": self.unmatched,
        }

    def summary_text(self) -> str:
        text = (
            f"共 {self.total} 行：新增 {self.inserted}，未变化 {self.unchanged}，更正 {self.corrected}，"
            f"待匹配 {self.unmatched}"
        )
        if self.rematched:
            text += f"，新匹配 {self.rematched}"
        return text


def write_error_report(kind: Kind, errors: Iterable[LoadError], out: io.TextIOBase) -> None:
    """The downloadable report: 行号, natural key, 问题 (CSV, UTF-8 with BOM so that Excel opens it); fields that a
    spreadsheet would read as a formula are neutralised (core.xlsx.CsvWriter)."""
    writer = CsvWriter(out)
    writer.writerow(["行号", kind.key_header, "问题"])
    for e in errors:
        writer.writerow([e.line or "", e.key, e.message])


def template_rows(kind: Kind, year: int) -> tuple[list[str], list[str]]:
    """The header and the example row of ``kind``'s downloadable template (the upload page's 下载模板)."""
    return [f.header for f in kind.fields], [f.example.format(year=year) for f in kind.fields]

"""Budget execution data (预算执行数据) that monitoring measures against:

* ``BudgetAllocation`` — 指标下达: budget made available to a unit for a subject in a fiscal year (the
  denominator of the execution rate).
* ``Payment`` — 国库集中支付明细: one treasury payment voucher (the numerator).

Both arrive in bulk from the budget-management / treasury systems, by file (CSV, XLSX) or pushed through the
API, and are loaded set-based (``execution.loading``), never one ORM save per row. The voucher number (and the
allocation's document number) is the natural key: loading the same records again never counts them twice, and a
changed amount is a correction, written to the audit trail. A record whose project code does not resolve to a
subject is kept with ``match_status = unmatched`` for a person to match; one whose paying-unit code is unknown is
attributed to the finance bureau that supplied it, so that the bureau (and no unit) can see and match it.
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models

from execution.choices import MatchStatus, RecordSource
from subjects.choices import BudgetKind, FundSource

YEAR_VALIDATORS = [MinValueValidator(2000), MaxValueValidator(2100)]
# Payments may be negative (a refund or a red-ink correction voucher), so no minimum here.
AMOUNT = {"max_digits": 18, "decimal_places": 2}


class ExecutionRecord(models.Model):
    """Fields shared by allocations and payments: where the money belongs and how it was matched."""

    fiscal_year = models.PositiveSmallIntegerField("预算年度", validators=YEAR_VALIDATORS, db_index=True)
    payer_code = models.CharField("单位预算编码", max_length=30, help_text="来源系统中的单位编码，原样保存")
    # No database-level foreign keys on these three (db_constraint=False, indexed all the same): the loader takes
    # the ids from joins in its own transaction and the ORM still protects the referenced rows (PROTECT), while a
    # per-row constraint check at commit would cost a million-row load more than the load itself
    # (docs/decisions/0014).
    organisation = models.ForeignKey(
        "organisations.Organisation",
        verbose_name="预算单位",
        on_delete=models.PROTECT,
        related_name="+",
        db_constraint=False,
        help_text="按单位预算编码匹配；编码未知时为提供数据的财政部门",
    )
    project_code = models.CharField("项目编码", max_length=40, help_text="来源系统中的项目编码，原样保存")
    # (indexed in each table's Meta, without the LIKE index db_index=True would add on PostgreSQL)
    # Indexed by (subject, date) in each table's Meta: a second index on the subject alone would only cost loads.
    subject = models.ForeignKey(
        "subjects.Subject",
        verbose_name="项目",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        db_constraint=False,
        db_index=False,
    )
    match_status = models.CharField(
        "匹配状态", max_length=20, choices=MatchStatus.choices, default=MatchStatus.UNMATCHED
    )
    amount = models.DecimalField("金额（元）", **AMOUNT)
    budget_kind = models.CharField("预算类别", max_length=20, choices=BudgetKind.choices, default=BudgetKind.GENERAL)
    fund_source = models.CharField("资金来源", max_length=20, choices=FundSource.choices, default=FundSource.LOCAL)
    source = models.CharField("数据来源", max_length=10, choices=RecordSource.choices, default=RecordSource.FILE)
    import_job = models.ForeignKey(
        "imports.ImportJob",
        verbose_name="导入任务",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        db_constraint=False,
    )
    created_at = models.DateTimeField("载入时间", auto_now_add=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    access_org_field = "organisation"

    class Meta:
        abstract = True


def natural_key(prefix: str, key_field: str) -> models.UniqueConstraint:
    """The natural key as a UniqueConstraint rather than ``unique=True``, which on PostgreSQL would add a second,
    ``varchar_pattern_ops`` index for ``LIKE 'x%'`` that nothing here asks for (searches are ``icontains``)."""
    return models.UniqueConstraint(fields=[key_field], name=f"{prefix}_{key_field}_unique")


def execution_indexes(prefix: str, date_field: str) -> list[models.Index]:
    """The indexes a table of execution records needs, and no more: each one costs a million-row load seconds
    (docs/decisions/0014). Figures read by subject and date; the 待匹配 queue reads the unmatched records by code
    and year (a partial index: about 1 % of the rows); access scoping reads by organisation (the foreign key's)."""
    return [
        models.Index(fields=["subject", date_field], name=f"{prefix}_subject_date"),
        models.Index(fields=["project_code"], name=f"{prefix}_project_code"),
        models.Index(
            fields=["project_code", "fiscal_year"],
            name=f"{prefix}_unmatched_code",
            condition=models.Q(match_status=MatchStatus.UNMATCHED),
        ),
    ]


class BudgetAllocation(ExecutionRecord):
    """指标下达: one budget allocation document line."""

    document_number = models.CharField("指标文号", max_length=60)
    issued_on = models.DateField("下达日期")
    summary = models.CharField("摘要", max_length=200, blank=True)

    audit_fields = [
        "document_number",
        "issued_on",
        "fiscal_year",
        "payer_code",
        "project_code",
        "subject",
        "match_status",
        "amount",
        "budget_kind",
        "fund_source",
    ]

    class Meta:
        verbose_name = "预算指标"
        verbose_name_plural = "预算指标"
        ordering = ["-issued_on", "document_number"]
        constraints = [natural_key("allocation", "document_number")]
        # The 预算指标 list's default order (execution/tables.py AllocationTable, /execution/allocations/), as
        # payment_list_order serves the payments list (issue 16).
        indexes = [
            *execution_indexes("allocation", "issued_on"),
            models.Index(fields=["-issued_on", "document_number"], name="allocation_list_order"),
        ]

    def __str__(self) -> str:
        return f"{self.document_number}（{self.amount} 元）"


class Payment(ExecutionRecord):
    """国库集中支付明细: one payment voucher."""

    voucher_number = models.CharField("支付凭证号", max_length=60)
    paid_on = models.DateField("支付日期")
    economic_code = models.CharField("经济分类", max_length=20, blank=True, help_text="支出经济分类科目编码")
    payee = models.CharField("收款人", max_length=200, blank=True)
    summary = models.CharField("用途", max_length=200, blank=True)

    audit_fields = [
        "voucher_number",
        "paid_on",
        "fiscal_year",
        "payer_code",
        "project_code",
        "subject",
        "match_status",
        "amount",
        "budget_kind",
        "fund_source",
        "economic_code",
    ]

    class Meta:
        verbose_name = "国库支付明细"
        verbose_name_plural = "国库支付明细"
        ordering = ["-paid_on", "voucher_number"]
        constraints = [natural_key("payment", "voucher_number")]
        # The list's keyset order (execution/views.py PaymentListView): a region-wide reach walks this index and stops
        # after a page; a narrow reach (a department, a unit) reads its few rows by the organisation index and sorts.
        indexes = [
            *execution_indexes("payment", "paid_on"),
            models.Index(fields=["-paid_on", "voucher_number", "id"], name="payment_list_order"),
        ]

    def __str__(self) -> str:
        return f"{self.voucher_number}（{self.amount} 元）"


class MatchRule(models.Model):
    """A person's decision that an unknown project code belongs to a subject (人工匹配), remembered so that
    later files with the same code match automatically. Audited."""

    project_code = models.CharField("项目编码", max_length=40)
    fiscal_year = models.PositiveSmallIntegerField("预算年度", validators=YEAR_VALIDATORS)
    subject = models.ForeignKey("subjects.Subject", verbose_name="项目", on_delete=models.PROTECT, related_name="+")
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="确认人", on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField("确认时间", auto_now_add=True)

    access_org_field = "subject__organisation"
    audit_fields = ["project_code", "fiscal_year", "subject"]

    class Meta:
        verbose_name = "项目编码匹配规则"
        verbose_name_plural = "项目编码匹配规则"
        ordering = ["fiscal_year", "project_code"]
        constraints = [models.UniqueConstraint(fields=["project_code", "fiscal_year"], name="match_rule_unique")]

    def __str__(self) -> str:
        return f"{self.project_code} → {self.subject_id}"


ZERO = Decimal("0")

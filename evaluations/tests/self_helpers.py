"""Helpers for the self-evaluation tests: a subject of 示范市第一中学 funded for 2024 with an approved target sheet and
treasury data, and a round opened by the performance section with its forms created. 2024, not the demo's closed year
2025: the demo has opened the city's 2025 self-evaluation (evaluations/demo.py, one round per region and year), and a
year without demo subjects keeps each test's round to the subjects it builds."""

from __future__ import annotations

import datetime
import itertools
from decimal import Decimal

from django.db.models import Max

from evaluations import opening, self_actions
from evaluations.models import SelfEvaluation
from execution.choices import MatchStatus
from execution.models import BudgetAllocation, Payment
from subjects.models import Subject, SubjectYearAmount
from subjects.tests.helpers import make_subject, user
from targets.models import TargetIndicator, TargetSheet
from workflow import actions as workflow
from workflow.models import ReviewStatus

YEAR = 2024
_vouchers = itertools.count(1)

# The approved indicators of the test subject: 产出 50 (incl. 成本), 效益 30, 满意度 10 = 90 (DOMAIN.md weights).
INDICATORS = [
    ("output", "quantity", "维修校舍面积", "ge", "3000", "平方米", "20"),
    ("output", "quality", "工程验收合格率", "ge", "100", "%", "15"),
    ("output", "timeliness", "按期完工率", "ge", "95", "%", "5"),
    ("cost", "economic_cost", "维修改造成本", "le", "45", "万元", "10"),
    ("effect", "social_benefit", "消除校舍安全隐患", "qualitative", "达到预期", "", "30"),
    ("satisfaction", "service_satisfaction", "师生满意度", "ge", "90", "%", "10"),
]


def funded_subject(
    name: str = "测试自评校舍维修项目",
    *,
    arranged: str = "500000.00",
    allocated: str | None = "500000.00",
    paid: list[tuple[str, datetime.date]] | None = None,
    indicators=INDICATORS,
    sheet: bool = True,
    **fields,
) -> Subject:
    """A subject funded for ``YEAR``: arranged amount, allocation, payments and an approved target sheet."""
    values = {
        "fiscal_year": YEAR,
        "start_year": YEAR,
        "end_year": YEAR,
        "start_date": datetime.date(YEAR, 1, 1),
        "end_date": datetime.date(YEAR, 12, 31),
        **fields,
    }
    subject = make_subject(name=name, requested=None, **values)
    Subject.objects.filter(pk=subject.pk).update(status=ReviewStatus.APPROVED, stage="completed", current_role="")
    SubjectYearAmount.objects.create(
        subject=subject, fiscal_year=YEAR, requested_amount=Decimal(arranged), arranged_amount=Decimal(arranged)
    )
    common = {
        "fiscal_year": YEAR,
        "payer_code": "T001",
        "organisation": subject.organisation,
        "project_code": subject.code,
        "subject": subject,
        "match_status": MatchStatus.MATCHED,
    }
    if allocated is not None:
        BudgetAllocation.objects.create(
            **common,
            amount=Decimal(allocated),
            document_number=f"测指〔{YEAR}〕{subject.pk}号",
            issued_on=datetime.date(YEAR, 1, 10),
        )
    for amount, day in (
        paid
        if paid is not None
        else [("200000.00", datetime.date(YEAR, 6, 30)), ("250000.00", datetime.date(YEAR, 12, 20))]
    ):
        Payment.objects.create(
            **common, amount=Decimal(amount), voucher_number=f"ZFT{next(_vouchers):09d}", paid_on=day
        )
    if sheet:
        approved_sheet(subject, indicators)
    return Subject.objects.get(pk=subject.pk)


def approved_sheet(subject, indicators=INDICATORS, revision: int | None = None) -> TargetSheet:
    if revision is None:
        revision = (TargetSheet.objects.filter(subject=subject).aggregate(m=Max("revision"))["m"] or 0) + 1
    TargetSheet.objects.filter(subject=subject, fiscal_year=YEAR).update(is_current=False)
    sheet = TargetSheet.objects.create(
        subject=subject,
        fiscal_year=YEAR,
        revision=revision,
        annual_goal="完成校舍维修",
        is_current=True,
    )
    TargetIndicator.objects.bulk_create(
        TargetIndicator(
            sheet=sheet,
            horizon="annual",
            level1=l1,
            level2=l2,
            name=n,
            comparator=c,
            target_value=v,
            unit=u,
            weight=Decimal(w),
            order=i,
        )
        for i, (l1, l2, n, c, v, u, w) in enumerate(indicators)
    )
    # approved once its rows are in (approved sheets are immutable, core/immutability.py)
    TargetSheet.objects.filter(pk=sheet.pk).update(status=ReviewStatus.APPROVED, current_role="")
    return sheet


def open_round(by: str = "perf", **kwargs):
    """Open the ``YEAR`` self-evaluation and create its forms at once (the task's work, run inline)."""
    kwargs.setdefault("due_date", datetime.date(YEAR + 1, 3, 31))
    evaluation_round = self_actions.open_round(user(by), fiscal_year=YEAR, **kwargs)
    opening.finish(evaluation_round)
    evaluation_round.refresh_from_db()
    return evaluation_round


def form_of(evaluation_round, subject) -> SelfEvaluation:
    return SelfEvaluation.objects.select_related("round", "scheme", "subject").get(
        round=evaluation_round, subject=subject
    )


MET = {
    "维修校舍面积": {"actual": "3000"},
    "工程验收合格率": {"actual": "100"},
    "按期完工率": {"actual": "95"},
    "维修改造成本": {"actual": "45"},
    "消除校舍安全隐患": {"band": "achieved", "share": "100"},
    "师生满意度": {"actual": "92"},
}


def fill_and_submit(form, overrides: dict | None = None, by: str = "edu_preparer") -> SelfEvaluation:
    """Fill every indicator (met, unless ``overrides`` {name: values}), give every row a reason and a measure, and
    submit."""
    rows = {r.name: r for r in form.indicators.all()}
    values = {}
    for name, row in rows.items():
        values[row.pk] = {**MET.get(name, {}), **(overrides or {}).get(name, {})}
        values[row.pk].update(deviation_reason="见说明", improvement="加强管理")
    form = self_actions.save_form(form, user(by), form.version, data={"goal_completion": "完成年度目标"}, rows=values)
    form = SelfEvaluation.objects.select_related("round").get(pk=form.pk)
    workflow.submit(form, user(by), form.version)
    return SelfEvaluation.objects.select_related("round", "scheme", "subject").get(pk=form.pk)

"""What the 项目绩效目标申报表 (《长治市预算绩效管理办法》附件1) prints, read once for both outputs (``xlsx_write`` and
``word``): the 支出基本情况 facts, the 资金情况 (支出明细预算 and 资金来源计划, in yuan — the outputs print 万元 through
``core.money``), the 评价情况 and the 审核意见 of every step of the sheet's chain."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.utils import timezone

from core.docx import cn_date
from subjects.choices import BudgetKind, ExpenseType
from workflow.actions import chain_for_display
from workflow.models import ReviewAction
from workflow.views import review_history

CHECKED, UNCHECKED = "☑", "□"
# 附件1 资金来源计划: 一、公共预算资金 二、政府性基金 三、其他资金. The system keeps one budget kind per subject and the fund
# sources as a list without amounts, so the year's amounts sit on the row of the subject's budget kind and the row
# names the fund sources (docs/decisions/0033).
FUND_ROWS = [
    ("一、公共预算资金", (BudgetKind.GENERAL,)),
    ("二、政府性基金", (BudgetKind.FUND,)),
    ("三、其他资金", (BudgetKind.STATE_CAPITAL, BudgetKind.SOCIAL_INSURANCE)),
]
GRADE_TITLES = ("单位自评等级", "市财政局审核等级", "重点评价等级（专家评定）")
# The 审核意见 block of each chain step, named as on 附件1 by the role that acts there; other steps (a region's own
# chain) are named after the step.
OPINION_LABELS = {
    "unit_head": "单位意见",
    "dept_reviewer": "主管部门审核意见",
    "finance_desk": "财政部门业务科室审核意见",
    "performance_section": "财政部门预算绩效管理科审核意见",
    "budget_section": "财政部门预算管理科审核意见",
    "bureau_leader": "财政局领导审批意见",
}
NOT_YET = "（尚未审核）"
SEAL = "（盖章）"


def expense_type_text(subject) -> str:
    """附件1 支出类型 with the box of the subject's type ticked: "1.基本支出□  2.项目支出☑  3.部门整体支出□"."""
    chosen = subject.expense_type
    return "  ".join(
        f"{n}.{label}{CHECKED if value == chosen else UNCHECKED}"
        for n, (value, label) in enumerate(ExpenseType.choices, start=1)
    )


def category_text(subject) -> str:
    return f"{subject.get_category_display()}（{subject.get_sub_category_display()}）"


def period_text(subject, joiner: str = "至") -> str:
    """起止时间; the Word form passes "至\n" so that, in its half-width cell, each date stays whole on its line."""
    return f"{cn_date(subject.start_date)}{joiner}{cn_date(subject.end_date)}"


def function_code_text(subject) -> str:
    """附件1 预算科目编码 (财政部功能科目, 至款级 and below): the stored code split into 类/款/项."""
    code = subject.function_subject_code or ""
    parts = [(name, code[:n]) for name, n in (("类", 3), ("款", 5), ("项", 7)) if len(code) >= n]
    return "  ".join(f"{name} {value}" for name, value in parts) or "—"


def department_name(subject) -> str:
    return subject.department.name if subject.department_id else "—"


def year_amount(sheet):
    """The subject's money of the sheet's fiscal year (SubjectYearAmount), or None."""
    return next((a for a in sheet.subject.year_amounts.all() if a.fiscal_year == sheet.fiscal_year), None)


@dataclass
class MoneyRow:
    label: str
    previous: Decimal | None
    requested: Decimal | None
    arranged: Decimal | None = None
    note: str = ""


def budget_rows(sheet) -> tuple[list[MoneyRow], MoneyRow]:
    """支出明细预算: one row per item with its 测算依据, and the 合计."""
    rows = [
        MoneyRow(item.name, item.previous_amount, item.requested_amount, note=item.basis)
        for item in sheet.budget_items.all()
    ]
    total = MoneyRow(
        "合计", sum((r.previous for r in rows), Decimal("0")), sum((r.requested for r in rows), Decimal("0"))
    )
    return rows, total


def fund_rows(sheet) -> tuple[list[MoneyRow], MoneyRow]:
    """资金来源计划: 附件1's three rows, the year's amounts on the row of the subject's budget kind (its fund sources
    named), and the 合计; 本年度实际安排资金 is finance's arrangement (blank until arranged)."""
    subject, amount = sheet.subject, year_amount(sheet)
    rows = []
    for label, kinds in FUND_ROWS:
        if subject.budget_kind in kinds and amount is not None:
            sources = "、".join(subject.fund_source_labels)
            kind = subject.get_budget_kind_display()
            rows.append(
                MoneyRow(
                    f"{label}（{kind}：{sources}）" if sources else f"{label}（{kind}）",
                    amount.previous_amount,
                    amount.requested_amount,
                    amount.arranged_amount,
                )
            )
        else:
            rows.append(MoneyRow(label, None, None, None))
    total = MoneyRow(
        "合计",
        amount.previous_amount if amount else None,
        amount.requested_amount if amount else None,
        amount.arranged_amount if amount else None,
    )
    return rows, total


def prior_grades(sheet) -> list[tuple[int, str, str, str]]:
    """以前年度绩效评价情况: the three years before the sheet's, each with its 自评/审核/重点评价 grade ("" when none).
    Taken from the sheet's stored grades: the system has no evaluation results of earlier years to read yet."""
    stored = {g["year"]: g for g in sheet.prior_grades or []}
    return [
        (year, *(stored.get(year, {}).get(k, "") for k in ("self", "review", "key")))
        for year in range(sheet.fiscal_year - 3, sheet.fiscal_year)
    ]


def self_evaluation_text(sheet) -> str:
    year = sheet.self_evaluation_year
    return f"列入 {year} 年度自评范围" if year else "列入        年度自评范围"


def opinions(sheet) -> list[dict]:
    """One block per review step of the sheet's chain: label, the latest opinion given there (approve or return),
    who (name and office, never a login name) and when; a step not reached yet has no opinion."""
    chain = chain_for_display(sheet)
    steps = [s for s in (chain.ordered_steps() if chain else []) if s.order > 0]
    logs = [log for log in review_history(sheet) if log.action in (ReviewAction.APPROVE, ReviewAction.RETURN)]
    blocks = []
    for step in steps:
        mine = [log for log in logs if log.step == step.order]
        last = mine[-1] if mine else None
        opinion = ""
        if last is not None:
            opinion = last.opinion or ("同意。" if last.action == ReviewAction.APPROVE else "")
            if last.action == ReviewAction.RETURN:
                opinion = f"退回：{opinion}" if opinion else "退回"
        blocks.append(
            {
                "label": OPINION_LABELS.get(step.role, f"{step.name}意见"),
                "step": step.name,
                "opinion": opinion,
                "actor": last.signed if last else "",
                "at": timezone.localtime(last.created_at) if last else None,
            }
        )
    return blocks


def signature_lines(block: dict) -> list[str]:
    """The lines under an opinion: who signed (name and office), the place of the office's seal, and when."""
    if block["at"]:
        return [f"审核人：{block['actor']}", f"单位公章{SEAL}    {cn_date(block['at'])}"]
    return ["审核人：                    ", f"单位公章{SEAL}          年    月    日"]


def signature_line(block: dict) -> str:
    return "        ".join(signature_lines(block))


def submitter(sheet) -> tuple[str, object]:
    logs = [log for log in review_history(sheet) if log.action == ReviewAction.SUBMIT]
    if not logs:
        return "", None
    return logs[-1].signed, timezone.localtime(logs[-1].created_at)

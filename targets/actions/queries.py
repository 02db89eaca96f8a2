"""Read-only views of target sheets: the comparison of two versions, the level-2 choices of a level 1, and the
绩效目标汇总 (summary for reviewers)."""

from __future__ import annotations

from collections import Counter
from decimal import Decimal

from accounts.roles import Capability
from core import access
from targets.choices import Level2
from targets.models import BudgetItem, TargetIndicator, TargetSheet

# --- comparing two versions ----------------------------------------------------------------------------------

COMPARED = ["comparator", "target_value", "unit", "weight", "data_source", "standard"]
SHEET_COMPARED = ["long_term_goal", "annual_goal", "measure_organisation", "measure_rules", "measure_plan"]
# 附件1's 评价情况 and 其他说明 (issue 12 §2), compared as printed: field → its text on the sheet.
SHEET_COMPARED_TEXT = {
    "prior_grades": lambda s: s.audit_display_prior_grades(),
    "self_evaluation_year": lambda s: f"列入 {s.self_evaluation_year} 年度自评范围" if s.self_evaluation_year else "",
    "other_notes": lambda s: s.other_notes or "",
}
BUDGET_COMPARED = ["previous_amount", "requested_amount", "basis"]


def _yuan(value) -> str:
    return f"{value:,.2f} 元"


def _key(i) -> tuple:
    return (i.horizon, i.level1, i.level2, i.name.strip())


def _field(name: str, a, b) -> dict:
    return {"field": name, "label": str(TargetSheet._meta.get_field(name).verbose_name), "left": a, "right": b}


def _budget_rows(left: TargetSheet, right: TargetSheet) -> list[dict]:
    """支出明细预算 lines matched by name: added, removed, changed (with the fields that changed) or the same."""
    lefts = {i.name.strip(): i for i in left.budget_items.all()}
    rights = {i.name.strip(): i for i in right.budget_items.all()}
    rows = []
    for key in list(lefts) + [k for k in rights if k not in lefts]:
        a, b = lefts.get(key), rights.get(key)
        changed = (
            [str(BudgetItem._meta.get_field(f).verbose_name) for f in BUDGET_COMPARED if getattr(a, f) != getattr(b, f)]
            if a is not None and b is not None
            else []
        )
        kind = "added" if a is None else "removed" if b is None else "changed" if changed else "same"
        rows.append(
            {
                "kind": kind,
                "label": key,
                "left": _yuan(a.requested_amount) if a else None,
                "right": _yuan(b.requested_amount) if b else None,
                "left_basis": a.basis if a else "",
                "right_basis": b.basis if b else "",
                "fields": changed,
            }
        )
    return rows


def compare(left: TargetSheet, right: TargetSheet) -> dict:
    """Differences between two versions: sheet fields (评价情况, 自评计划 and 其他说明 as printed), the 支出明细预算 lines
    matched by name and their total, and indicators matched by horizon, level 1, level 2 and name — added, removed or
    changed (with the fields that changed)."""
    fields = [
        _field(name, getattr(left, name), getattr(right, name))
        for name in SHEET_COMPARED
        if getattr(left, name) != getattr(right, name)
    ]
    fields += [
        _field(name, text(left), text(right)) for name, text in SHEET_COMPARED_TEXT.items() if text(left) != text(right)
    ]
    budget = _budget_rows(left, right)
    totals = [sum((i.requested_amount for i in s.budget_items.all()), Decimal(0)) for s in (left, right)]
    if totals[0] != totals[1]:
        fields.append(
            {
                "field": "budget_total",
                "label": "支出明细预算合计（本年度申请）",
                "left": _yuan(totals[0]),
                "right": _yuan(totals[1]),
            }
        )
    lefts = {_key(i): i for i in left.indicators.all()}
    rights = {_key(i): i for i in right.indicators.all()}
    rows = []
    for key in list(lefts) + [k for k in rights if k not in lefts]:
        a, b = lefts.get(key), rights.get(key)
        if a is None or b is None:
            rows.append(
                {"kind": "added" if a is None else "removed", "label": str(b or a), "left": a, "right": b, "fields": []}
            )
            continue
        changed = [
            str(TargetIndicator._meta.get_field(f).verbose_name) for f in COMPARED if getattr(a, f) != getattr(b, f)
        ]
        rows.append(
            {"kind": "changed" if changed else "same", "label": str(a), "left": a, "right": b, "fields": changed}
        )
    return {
        "fields": fields,
        "indicators": rows,
        "changes": [r for r in rows if r["kind"] != "same"],
        "budget": budget,
        "budget_changes": [r for r in budget if r["kind"] != "same"],
    }


def level2_choices_for(level1: str) -> list[tuple[str, str]]:
    from targets.choices import LEVEL2_OF

    return [(v, Level2(v).label) for v in LEVEL2_OF.get(level1, ())]


# --- 绩效目标汇总 (summary for reviewers) -------------------------------------------------------------------


def can_view_summary(user) -> bool:
    return access.has_capability(user, Capability.READ_TARGET_SUMMARY)


def summary(user, year: int) -> dict:
    """Current sheets of ``year`` within the user's reach: per department × status counts, with counts of
    sheets with blocking findings and with warnings, and the findings most often raised, by rule."""
    from core import access
    from workflow.models import ReviewStatus as Status

    sheets = access.restrict(TargetSheet.objects.filter(fiscal_year=year, is_current=True), user).values(
        "subject__department_id", "subject__department__name", "status", "blocking_count", "warning_count", "findings"
    )
    departments: dict = {}
    rules = Counter()
    names = {}
    for s in sheets:
        key = s["subject__department_id"]
        row = departments.setdefault(
            key,
            {
                "id": key,
                "name": s["subject__department__name"] or "—",
                "statuses": dict.fromkeys(Status.values, 0),
                "total": 0,
                "blocking": 0,
                "warning": 0,
            },
        )
        row["statuses"][s["status"]] += 1
        row["total"] += 1
        row["blocking"] += bool(s["blocking_count"])
        row["warning"] += bool(s["warning_count"])
        for f in s["findings"] or []:
            rules[f["rule"]] += 1
            names[f["rule"]] = f["rule_name"]
    rows = sorted(departments.values(), key=lambda r: r["name"])
    totals = {
        "statuses": {k: sum(r["statuses"][k] for r in rows) for k in Status.values},
        "total": sum(r["total"] for r in rows),
        "blocking": sum(r["blocking"] for r in rows),
        "warning": sum(r["warning"] for r in rows),
    }
    return {
        "rows": rows,
        "totals": totals,
        "statuses": Status.choices,
        "rules": [{"rule": code, "name": names[code], "count": n} for code, n in rules.most_common(10)],
    }

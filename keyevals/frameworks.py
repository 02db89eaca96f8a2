"""The rules a work plan's indicator system must keep (pure: no model, no database).

A framework (``keyevals.models.IndicatorFramework``, versioned data) names its level-1 groups, its total (100) and its
share rules; ``check`` takes the framework's values and the plan's indicator rows and returns the broken rules, each a
Chinese message naming the rule or the indicator (seed 000 第二十三条: the indicators, weights and standards of a key
evaluation; seed 003 附件5: the 业务/财务 framework, which has no share rule).

Share rules: ``{"label": "产出和效益", "groups": ["产出", "效益"], "min": "60"}`` — the listed groups' weights together
are at least ``min`` per cent of the total (the national practice); ``{"equals": "40"}`` — exactly that many points
(附件2's 共性 40 / 个性 30 / 定性 30).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

HUNDRED = Decimal("100")


@dataclass(frozen=True)
class Row:
    """One indicator as the rules see it."""

    name: str
    group: str
    weight: Decimal
    standard: str = ""
    order: int = 0


def decimal(value, default: Decimal = Decimal("0")) -> Decimal:
    try:
        return Decimal(str(value)) if value not in (None, "") else default
    except (InvalidOperation, ValueError):
        return default


def fmt(value: Decimal) -> str:
    """100.00 → "100", 12.50 → "12.5"."""
    text = f"{Decimal(value):f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def group_names(groups: Iterable) -> list[str]:
    return [g["name"] if isinstance(g, Mapping) else str(g) for g in groups]


def group_totals(rows: Iterable[Row]) -> dict[str, Decimal]:
    totals: dict[str, Decimal] = {}
    for row in rows:
        totals[row.group] = totals.get(row.group, Decimal("0")) + row.weight
    return totals


def share_message(rule: Mapping, weights: Decimal, total: Decimal) -> str | None:
    """The message for a broken share rule, or None when it is kept."""
    label = rule.get("label") or "、".join(rule.get("groups", []))
    if "equals" in rule:
        wanted = decimal(rule["equals"])
        if weights != wanted:
            return f"权重规则“{label}”：应为 {fmt(wanted)} 分，现为 {fmt(weights)} 分"
        return None
    if "min" in rule:
        minimum = decimal(rule["min"])
        share = weights * HUNDRED / total if total else Decimal("0")
        if share < minimum:
            return (
                f"权重规则“{label}”：{'、'.join(rule.get('groups', []))}指标权重合计应不低于总分的 {fmt(minimum)}%，"
                f"现为 {fmt(weights)} 分（{fmt(share.quantize(Decimal('0.1')))}%）"
            )
    if "max" in rule:
        maximum = decimal(rule["max"])
        share = weights * HUNDRED / total if total else Decimal("0")
        if share > maximum:
            return f"权重规则“{label}”：权重合计应不高于总分的 {fmt(maximum)}%，现为 {fmt(share.quantize(Decimal('0.1')))}%"
    return None


def check(
    rows: Iterable[Row], *, groups: Iterable, total_points=HUNDRED, share_rules: Iterable[Mapping] = ()
) -> list[str]:
    """Every broken rule of the indicator system, in the order a reader fixes them; [] when the plan may go."""
    rows = list(rows)
    total = decimal(total_points, HUNDRED)
    names = group_names(groups)
    if not rows:
        return ["评价指标体系为空：请至少填写一项指标"]
    problems: list[str] = []
    for row in rows:
        label = f"第 {row.order} 项指标“{row.name}”" if row.order else f"指标“{row.name}”"
        if row.group not in names:
            problems.append(f"{label}的一级指标“{row.group}”不属于所选框架（应为：{'、'.join(names)}）")
        if row.weight <= 0:
            problems.append(f"{label}的分值应大于 0")
        if not (row.standard or "").strip():
            problems.append(f"{label}缺少评分标准")
    weights = sum((row.weight for row in rows), Decimal("0"))
    if weights != total:
        problems.append(f"各项指标分值合计应为 {fmt(total)} 分，现为 {fmt(weights)} 分")
    totals = group_totals(rows)
    for rule in share_rules:
        message = share_message(
            rule, sum((totals.get(g, Decimal("0")) for g in rule.get("groups", [])), Decimal("0")), total
        )
        if message:
            problems.append(message)
    return problems


def grade(score, grade_lines: Iterable[Mapping]) -> str:
    """The grade a total falls in (lines ordered from the highest)."""
    value = decimal(score)
    for line in sorted(grade_lines, key=lambda line: decimal(line.get("min")), reverse=True):
        if value >= decimal(line.get("min")):
            return str(line.get("label", ""))
    return ""


def describe_rules(share_rules: Iterable[Mapping]) -> list[str]:
    """The share rules in words, for the plan page."""
    out = []
    for rule in share_rules:
        label = rule.get("label") or "、".join(rule.get("groups", []))
        if "equals" in rule:
            out.append(f"{label}：{fmt(decimal(rule['equals']))} 分")
        elif "min" in rule:
            out.append(f"{'、'.join(rule.get('groups', []))}合计不低于 {fmt(decimal(rule['min']))}%")
        elif "max" in rule:
            out.append(f"{label}合计不高于 {fmt(decimal(rule['max']))}%")
    return out

"""区域绩效目标: the decomposition of an overall transfer-payment sheet over the regions below
(docs/decisions/0012): saving it, the grid of regional values, and who may read the regional rows."""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q

from audit import trail
from audit.models import AuditAction
from targets import quality, review
from targets.actions.sheets import _refused
from targets.models import RegionalIndicatorValue, RegionalTarget, TargetSheet
from workflow import guards


def regions_below(sheet):
    from organisations.models import Region

    return Region.objects.filter(parent_id=sheet.subject.organisation.region_id).order_by("code")


def can_edit_regional(user, sheet) -> bool:
    return sheet.is_transfer_overall and guards.can_edit(user, sheet)


def _regional_text(sheet) -> list[str]:
    out = []
    for t in sheet.regional_targets.select_related("region").prefetch_related("values__indicator"):
        values = "，".join(f"{v.indicator.name} {v.value}" for v in t.values.all() if v.value)
        out.append(f"{t.region.name}：金额 {t.amount if t.amount is not None else '—'}；{values}")
    return out


def save_regional(sheet, user, rows: list[dict], *, reason: str = "") -> TargetSheet:
    """The preparer of an overall transfer-payment sheet saves its decomposition: per region below, an amount
    and a value for each indicator. ``rows``: [{region (id), amount, note, values: {indicator id: value}}]."""
    if not sheet.is_transfer_overall:
        raise ValidationError("只有转移支付（整体）绩效目标需要分解区域绩效目标")
    if not can_edit_regional(user, sheet):
        raise _refused(sheet, user, "只有填报人可以在草稿或退回状态下分解区域绩效目标")
    regions = {r.pk: r for r in regions_below(sheet)}
    indicators = {i.pk: i for i in sheet.indicators.all()}
    with transaction.atomic():
        before = _regional_text(sheet)
        for row in rows:
            region = regions.get(int(row["region"]))
            if region is None:
                raise ValidationError("只能分解到本级以下的区域")
            target = RegionalTarget.objects.filter(sheet=sheet, region=region).first() or RegionalTarget(
                sheet=sheet, region=region
            )
            target.amount = row.get("amount")
            target.note = row.get("note") or ""
            target.full_clean()
            target.save()
            for indicator_id, value in (row.get("values") or {}).items():
                indicator = indicators.get(int(indicator_id))
                if indicator is None:
                    raise ValidationError("指标不属于该绩效目标申报表")
                value = str(value or "").strip()
                if value and indicator.is_quantitative and quality.parse_number(value) is None:
                    raise ValidationError(f"{region.name}的“{indicator.name}”为定量指标，区域指标值须为数值")
                RegionalIndicatorValue.objects.update_or_create(
                    regional_target=target, indicator=indicator, defaults={"value": value}
                )
        after = _regional_text(sheet)
        if before != after:
            trail.record(
                AuditAction.UPDATE, sheet, changes={"区域绩效目标": [before, after]}, actor=user, reason=reason
            )
        review.store(sheet)
    return sheet


def regional_grid(sheet) -> dict:
    """Regions (rows) × annual indicators (columns) with the overall value, the regional values and, for
    quantity indicators, the regional total."""
    indicators = [i for i in sheet.indicators.all() if i.horizon == "annual"]
    targets = {t.region_id: t for t in sheet.regional_targets.prefetch_related("values")}
    rows, totals = [], defaultdict(Decimal)
    for region in regions_below(sheet):
        target = targets.get(region.pk)
        values = {v.indicator_id: v.value for v in target.values.all()} if target else {}
        cells = []
        for i in indicators:
            value = values.get(i.pk, "")
            cells.append({"indicator": i, "value": value})
            number = quality.parse_number(value)
            if number is not None and quality.additive(i):
                totals[i.pk] += number
        rows.append({"region": region, "target": target, "amount": target.amount if target else None, "cells": cells})
    columns = [
        {"indicator": i, "additive": quality.additive(i), "total": totals.get(i.pk) if quality.additive(i) else None}
        for i in indicators
    ]
    return {
        "rows": rows,
        "columns": columns,
        "amount_total": sum((r["amount"] for r in rows if r["amount"] is not None), Decimal("0")),
    }


def regional_visible(user, queryset=None):
    """Regional targets ``user`` may read: those of sheets within the user's reach (the gate on the overall
    sheet's owner), and — for the finance roles that reach a whole region (REGION_SUBTREE) — the rows of
    their own region and the regions below it, whoever owns the overall sheet (ADR 0012)."""
    from accounts.roles import ROLE_SPECS, Action, Scope
    from core import access

    queryset = queryset if queryset is not None else RegionalTarget.objects.all()
    q = access.scope_filter(user, RegionalTarget)
    if user is not None and user.is_authenticated and user.is_active:
        for assignment in user.role_assignments():
            spec = ROLE_SPECS[assignment.role]
            if spec.scope is Scope.REGION_SUBTREE and Action.VIEW in spec.actions:
                q |= Q(region__path__startswith=assignment.organisation.region.path)
    if q == access.NOTHING:
        return queryset.none()
    return queryset.filter(q)

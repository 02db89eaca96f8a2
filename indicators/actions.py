"""State changes of the indicator library; each runs inside the caller's (or its own) transaction."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction

from audit import trail
from audit.models import AuditAction
from indicators.choices import IndicatorKind, Sector, Source
from indicators.models import Indicator, IndicatorProposal
from workflow import hooks
from workflow.models import ReviewStatus


def next_sector_code(sector: str) -> str:
    prefix = f"HY-{sector}-"
    n = Indicator.objects.filter(code__startswith=prefix).count() + 1
    while Indicator.objects.filter(code=f"{prefix}{n:02d}").exists():
        n += 1
    return f"{prefix}{n:02d}"


def next_code(proposal: IndicatorProposal) -> str:
    if proposal.kind == IndicatorKind.SECTOR and proposal.sector in Sector.values:
        return next_sector_code(proposal.sector)
    prefix = {IndicatorKind.COMMON: "GX-P", IndicatorKind.QUALITATIVE: "DX-P"}.get(proposal.kind, "TY-P")
    n = 1
    while Indicator.objects.filter(code=f"{prefix}{n:02d}").exists():
        n += 1
    return f"{prefix}{n:02d}"


FIELDS = [
    "name",
    "kind",
    "level1",
    "level2",
    "group",
    "sector",
    "definition",
    "formula",
    "unit",
    "direction",
    "weight",
    "subject_kinds",
    "reference_values",
]


@transaction.atomic
def admit_proposal(proposal: IndicatorProposal, user) -> dict:
    """On final approval: create the library indicator (source 部门提议) and record it in the audit trail."""
    if proposal.indicator_id:
        return {}
    if Indicator.objects.filter(name=proposal.name, sector=proposal.sector, is_active=True).exists():
        raise ValidationError("指标库中已有同名同行业的指标")
    indicator = Indicator(code=next_code(proposal), source=Source.PROPOSAL, **{f: getattr(proposal, f) for f in FIELDS})
    indicator.full_clean()
    indicator.save()
    trail.record(
        AuditAction.CREATE,
        indicator,
        changes=trail.diff({}, trail.snapshot(indicator), Indicator),
        reason=f"指标提议“{proposal.name}”审核通过入库",
        actor=user,
    )
    proposal.indicator = indicator
    IndicatorProposal.objects.filter(pk=proposal.pk).update(indicator=indicator)
    return {"入库指标": ["", str(indicator)]}


@hooks.before_transition("indicators.indicatorproposal")
def admit_on_final_approval(proposal, action: str, to_status: str, user) -> dict:
    """The last approval of a proposal enters the indicator into the library (workflow/hooks.py)."""
    return admit_proposal(proposal, user) if to_status == ReviewStatus.APPROVED else {}

"""The automatic review of a stored target sheet: reads the sheet, the common indicators and regions it must
cover and the rule set in force, runs the pure rules of ``targets.quality``, and stores the findings on the sheet.
All data access of the review is here; ``targets.quality`` stays pure (issue 11 §4)."""

from __future__ import annotations

from decimal import Decimal

from core import clock
from targets.choices import Severity
from targets.quality import (
    Finding,
    IndicatorData,
    RuleConfig,
    SheetData,
    configuration,
    run,
)


def current_rule_set():
    from targets.models import QualityRuleSet

    return QualityRuleSet.current()


def stored_configuration(rule_set=None) -> dict[str, RuleConfig]:
    """The configuration of ``rule_set`` (default: the version in force)."""
    from targets.models import QualityRuleSetting

    rule_set = rule_set if rule_set is not None else current_rule_set()
    rows = QualityRuleSetting.objects.filter(rule_set=rule_set) if rule_set is not None else []
    return configuration({s.code: RuleConfig(s.severity, s.is_active, s.params or {}) for s in rows})


def from_sheet(sheet) -> SheetData:
    from subjects.choices import Duration
    from subjects.models import SubjectYearAmount

    subject = sheet.subject
    row = SubjectYearAmount.objects.filter(subject=subject, fiscal_year=sheet.fiscal_year).first()
    extra = {}
    if sheet.is_department_overall:
        from targets.actions import required_items

        extra["required_common"] = [(item.indicator_id, item.name) for item in required_items(sheet)]
    if sheet.is_transfer_overall:
        from targets.actions import regions_below

        extra["regions"] = [r.name for r in regions_below(sheet)]
        extra["regional"] = {
            t.region.name: {v.indicator_id: v.value for v in t.values.all()}
            for t in sheet.regional_targets.select_related("region").prefetch_related("values")
        }
    return SheetData(
        annual_goal=sheet.annual_goal or "",
        long_term_goal=sheet.long_term_goal or "",
        measures="".join([sheet.measure_organisation or "", sheet.measure_rules or "", sheet.measure_plan or ""]),
        stages=sheet.stages.count(),
        serves_public=sheet.serves_public,
        buys_outputs=sheet.buys_outputs,
        continuing=subject.duration == Duration.CONTINUING,
        requested_amount=row.requested_amount if row else None,
        budget_total=_budget_total(sheet),
        indicators=[
            IndicatorData(
                i.pk,
                i.horizon,
                i.level1,
                i.level2,
                i.name,
                i.comparator,
                i.target_value,
                i.unit,
                i.weight,
                i.last_year_actual,
                i.library_indicator_id,
            )
            for i in sheet.indicators.all()
        ],
        **extra,
    )


def _budget_total(sheet):
    """The 支出明细预算 lines' 本年度申请资金 added up; None when the sheet has no lines."""
    amounts = [item.requested_amount for item in sheet.budget_items.all()]
    return sum(amounts, Decimal(0)) if amounts else None


def check(sheet, rule_set=None) -> list[Finding]:
    return run(from_sheet(sheet), stored_configuration(rule_set))


def store(sheet) -> list[Finding]:
    """Run the review and keep its result on the sheet (no version bump: it is derived data)."""

    from targets.models import TargetSheet

    rule_set = current_rule_set()
    findings = check(sheet, rule_set)
    values = {
        "findings": [f.as_dict() for f in findings],
        "rule_set": rule_set,
        "blocking_count": sum(f.severity == Severity.BLOCKING for f in findings),
        "warning_count": sum(f.severity == Severity.WARNING for f in findings),
        "checked_at": clock.now(),
    }
    TargetSheet.objects.filter(pk=sheet.pk).update(**values)
    for key, value in values.items():
        setattr(sheet, key, value)
    return findings

"""绩效预警 (《长治市预算绩效管理办法》第十九条（二）): each default rule firing and not firing at its boundary, the
rules as versioned data, and the scan raising each warning once per rule, subject and date."""

import datetime
from decimal import Decimal
from types import SimpleNamespace

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from audit.models import AuditEntry
from core import fiscal
from monitoring import actions, alerts
from monitoring.choices import Light, RoundScope
from monitoring.models import MonitoringIndicator, MonitoringTable, PerformanceWarning, WarningRule
from monitoring.tests.helpers import CANTEEN, SECURITY, SPORTS, open_round

pytestmark = pytest.mark.django_db
YEAR = fiscal.default_year()
AUG31 = datetime.date(YEAR, 8, 31)


def rule(code):
    return WarningRule.objects.get(code=code, is_current=True)


def facts(**kwargs):
    values = {
        "subject_id": 1,
        "subject_name": "某项目",
        "fiscal_year": YEAR,
        "as_of": datetime.date(YEAR, 7, 31),
        "available": Decimal("100"),
        "paid": Decimal("50"),
        "execution_rate": Decimal("0.5"),
        "time_progress": Decimal("0.5808"),
        "execution_light": Light.GREEN,
        "table_id": 1,
    }
    values.update(kwargs)
    return alerts.Facts(**values)


def row(**kwargs):
    values = {
        "name": "指标",
        "annual_target": "100",
        "unit": "人",
        "expected_full_year": "",
        "actual_to_date": "",
        "will_be_met": True,
        "deviation_reason": "",
        "measures": "",
        "light": Light.GREEN,
    }
    values.update(kwargs)
    return SimpleNamespace(**values)


def test_default_rules_loaded_as_data_version_1():
    codes = set(WarningRule.objects.filter(is_current=True, version=1).values_list("code", flat=True))
    assert codes >= {
        "execution_red",
        "execution_yellow",
        "indicator_not_met",
        "deviation_unexplained",
        "midyear_low_payment",
        "indicator_red",
    }


def test_execution_red_and_yellow_rules():
    red, yellow = rule("execution_red"), rule("execution_yellow")
    assert alerts.KINDS[red.kind].check(red, facts(execution_light=Light.RED)).light == Light.RED
    assert alerts.KINDS[red.kind].check(red, facts(execution_light=Light.YELLOW)) is None
    hit = alerts.KINDS[yellow.kind].check(yellow, facts(execution_light=Light.YELLOW))
    assert hit is not None and "黄灯" in hit.message and hit.figures["预算执行率"] == "50.0%"
    assert alerts.KINDS[yellow.kind].check(yellow, facts(execution_light=Light.GREEN)) is None


def test_midyear_low_payment_boundaries():
    r = rule("midyear_low_payment")
    check = alerts.KINDS[r.kind].check
    june30 = datetime.date(YEAR, 6, 30)
    assert check(r, facts(as_of=june30, execution_rate=Decimal("0.0999"))) is not None
    assert check(r, facts(as_of=june30, execution_rate=Decimal("0.10"))) is None  # at the threshold: not fired
    assert check(r, facts(as_of=datetime.date(YEAR, 6, 29), execution_rate=Decimal("0"))) is None  # before mid-year
    assert check(r, facts(as_of=june30, available=Decimal("0"), execution_rate=None)) is None  # nothing available


def test_indicator_not_met_rule():
    r = rule("indicator_not_met")
    hit = alerts.KINDS[r.kind].check(r, facts(rows=[row(name="培训人数", will_be_met=False), row()]))
    assert hit is not None and "培训人数" in hit.message
    assert alerts.KINDS[r.kind].check(r, facts(rows=[row(), row(will_be_met=None)])) is None


def test_deviation_without_reason_or_measure_rule():
    r = rule("deviation_unexplained")
    check = alerts.KINDS[r.kind].check
    assert check(r, facts(rows=[row(will_be_met=False, deviation_reason="policy_change", measures="")])) is not None
    assert check(r, facts(rows=[row(will_be_met=False, deviation_reason="", measures="加快")])) is not None
    assert check(r, facts(rows=[row(will_be_met=False, deviation_reason="policy_change", measures="加快")])) is None
    # A red execution light without an execution reason is a deviation too; with both it is explained.
    assert check(r, facts(execution_light=Light.RED)) is not None
    assert check(r, facts(execution_light=Light.RED, execution_reason="funds", execution_measures="加快支付")) is None
    assert check(r, facts(execution_light=Light.GREEN)) is None


def test_an_unexplained_deviation_is_a_warning_only_after_the_round_is_due():
    """Seed 003 第十九条（一）: the department monitors and corrects its own deviations first; until the round's due date
    the unit is still writing its explanation, so no 偏差未说明 warning yet (issue 12 §4)."""
    from core import clock

    r = rule("deviation_unexplained")
    check = alerts.KINDS[r.kind].check
    unexplained = [row(will_be_met=False, deviation_reason="", measures="")]
    today = clock.today()
    assert check(r, facts(rows=unexplained, answer_due=today)) is None
    assert check(r, facts(rows=unexplained, answer_due=today + datetime.timedelta(days=5))) is None
    assert check(r, facts(rows=unexplained, answer_due=today - datetime.timedelta(days=1))) is not None


def test_indicator_red_rule():
    r = rule("indicator_red")
    hit = alerts.KINDS[r.kind].check(r, facts(rows=[row(light=Light.RED, name="覆盖率"), row(light=Light.YELLOW)]))
    assert hit is not None and "覆盖率" in hit.message and hit.light == Light.RED
    assert alerts.KINDS[r.kind].check(r, facts(rows=[row(light=Light.YELLOW), row(light=Light.BLUE)])) is None


def test_scan_is_idempotent_and_names_rule_version_and_figures(persona):
    # Another date than the demo round's (31 July): a rule fires once per subject and date.
    monitoring_round = open_round(
        persona("perf"),
        scope=RoundScope.KEY,
        key=[SECURITY, CANTEEN, SPORTS],
        as_of=AUG31,
        due=datetime.date(YEAR, 9, 10),  # passed on the demo's business date: deviations must be explained
    )
    MonitoringTable.objects.filter(round=monitoring_round, subject__name=SECURITY).update(
        execution_light=Light.RED, execution_rate=Decimal("0.1"), time_progress=Decimal("0.5808")
    )
    MonitoringTable.objects.filter(round=monitoring_round, subject__name=CANTEEN).update(
        execution_light=Light.GREEN,
        execution_rate=Decimal("0.6"),
        execution_deviation_reason="",
        available=Decimal("100"),
        paid=Decimal("60"),
    )
    MonitoringIndicator.objects.filter(
        table__round=monitoring_round, table__subject__name=CANTEEN, name="验收合格率"
    ).update(will_be_met=False, light=Light.RED)
    first = alerts.scan(monitoring_round, user=persona("perf"))
    assert first.raised > 0
    warnings = PerformanceWarning.objects.filter(round=monitoring_round)
    codes = {(w.rule.code, w.subject.name) for w in warnings.select_related("rule", "subject")}
    assert ("execution_red", SECURITY) in codes
    assert ("execution_red", CANTEEN) not in codes
    assert ("indicator_not_met", CANTEEN) in codes and ("indicator_red", CANTEEN) in codes
    assert ("deviation_unexplained", CANTEEN) in codes  # expected not met, no reason
    warning = warnings.get(rule__code="execution_red", subject__name=SECURITY)
    assert "预算执行进度红灯·第 1 版" in warning.message and "10.0%" in warning.message
    assert warning.figures["版本"] == 1 and warning.figures["预算执行率"] == "10.0%"
    count = warnings.count()
    second = alerts.scan(monitoring_round, user=persona("perf"))
    assert second.raised == 0 and second.already == first.raised
    assert PerformanceWarning.objects.filter(round=monitoring_round).count() == count
    assert (
        AuditEntry.objects.filter(
            object_type="monitoring.performancewarning", object_repr__startswith="绩效预警扫描"
        ).count()
        >= 2
    )


def test_rules_edit_makes_a_new_version_audited_and_only_for_the_performance_section(persona):
    with pytest.raises(PermissionDenied):
        actions.set_rule(
            persona("desk_edu"), "midyear_low_payment", params={"month": 6, "day": 30, "rate_below": "0.2"}
        )
    with pytest.raises(ValidationError):
        actions.set_rule(persona("perf"), "midyear_low_payment", params={"month": 13, "day": 30})
    new = actions.set_rule(
        persona("perf"), "midyear_low_payment", params={"month": 6, "day": 30, "rate_below": "0.2"}, reason="提高阈值"
    )
    assert new.version == 2 and new.is_current
    assert not WarningRule.objects.get(code="midyear_low_payment", version=1).is_current
    assert AuditEntry.objects.filter(
        object_type="monitoring.warningrule", object_id=str(new.pk), reason="提高阈值"
    ).exists()
    hit = alerts.KINDS[new.kind].check(new, facts(as_of=datetime.date(YEAR, 6, 30), execution_rate=Decimal("0.15")))
    assert hit is not None and "20.0%" in hit.message


def test_inactive_rule_does_not_fire(persona):
    actions.set_rule(persona("perf"), "execution_red", is_active=False)
    monitoring_round = open_round(
        persona("perf"), scope=RoundScope.KEY, key=[SECURITY], as_of=AUG31, due=datetime.date(YEAR, 9, 20)
    )
    MonitoringTable.objects.filter(round=monitoring_round).update(execution_light=Light.RED)
    alerts.scan(monitoring_round)
    assert not PerformanceWarning.objects.filter(round=monitoring_round, rule__code="execution_red").exists()


def test_fiscal_year_scan_uses_stored_figures_and_execution_rules_only(persona):
    from monitoring.models import ExecutionFigure
    from monitoring.tests.helpers import subject

    as_of = datetime.date(YEAR, 9, 30)
    # (the demo may already hold figures for this date: replace them with the ones this test needs)
    ExecutionFigure.objects.update_or_create(
        subject=subject(SPORTS),
        fiscal_year=YEAR,
        as_of=as_of,
        defaults={
            "available": Decimal("100"),
            "paid": Decimal("5"),
            "execution_rate": Decimal("0.05"),
            "time_progress": Decimal("0.7479"),
            "light": Light.RED,
        },
    )
    alerts.scan(YEAR, as_of)
    codes = set(PerformanceWarning.objects.filter(as_of=as_of).values_list("rule__code", flat=True))
    assert {"execution_red", "midyear_low_payment"} <= codes
    assert not codes & alerts.ROW_KINDS
    with pytest.raises(ValidationError):
        alerts.scan(YEAR)

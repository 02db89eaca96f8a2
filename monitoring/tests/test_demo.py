"""The demo round: a finished round with tables and warnings in every state, one suspended subject; idempotent."""

import pytest

from demo.seed import seed
from monitoring.models import DisbursementHold, Disposal, MonitoringRound, PerformanceWarning

pytestmark = pytest.mark.django_db


def _state():
    monitoring_round = MonitoringRound.objects.get(name__endswith="年7月重点绩效运行监控")
    tables = sorted(monitoring_round.tables.values_list("status", flat=True))
    return monitoring_round, tables


def test_demo_round_in_every_state_and_a_second_run_creates_nothing():
    monitoring_round, statuses = _state()
    assert monitoring_round.status == "closed"
    assert monitoring_round.data_as_of.month == 7 and monitoring_round.data_as_of.day == 31
    assert monitoring_round.due_date.month == 8 and monitoring_round.due_date.day == 20
    assert {"draft", "in_review", "returned", "approved"} <= set(statuses)
    assert any(t.is_late for t in monitoring_round.tables.filter(status="draft"))
    warning_states = set(PerformanceWarning.objects.filter(round=monitoring_round).values_list("status", flat=True))
    assert warning_states == {"open", "disposed", "dismissed"}
    decisions = set(Disposal.objects.filter(warning__round=monitoring_round).values_list("decision", flat=True))
    assert decisions == {"corrected", "budget_adjusted", "suspended", "stopped", "recovered"}
    in_force = DisbursementHold.objects.filter(disposal__warning__round=monitoring_round, lifted_at__isnull=True)
    assert [h.kind for h in in_force] == ["suspended"]
    assert PerformanceWarning.objects.filter(round=monitoring_round).exclude(unit_reply="").exists()
    counts = (MonitoringRound.objects.count(), PerformanceWarning.objects.count(), Disposal.objects.count())
    seed("small", out=lambda *a: None)
    assert (MonitoringRound.objects.count(), PerformanceWarning.objects.count(), Disposal.objects.count()) == counts

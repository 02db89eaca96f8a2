"""Monitoring's cards on the leader's 驾驶舱 (core/cockpit.py, issue 12 §6): budget execution against time progress
(from the stored roll-ups, the departments furthest behind as a clickable chart), warnings by colour with the open
disposals, and the disbursement holds in force. Each links into its list; everything through the access gate."""

from __future__ import annotations

import datetime

from django.db.models import Count, Q
from django.urls import reverse

from core import access, clock, cockpit, fiscal
from monitoring.charts import percent
from monitoring.choices import Light, WarningStatus

WORST = 8  # departments on the execution chart


def _as_of(year: int, dates: list[datetime.date]) -> datetime.date:
    """The newest refreshed date up to the business date, else the business date within the year."""
    today = clock.today()
    stored = [d for d in dates if d <= today]
    if stored:
        return stored[-1]
    return fiscal.clamp_to_year(today, year)


@cockpit.register
def execution_card(request, year: int) -> dict | None:
    from monitoring import rollup_store

    dates = rollup_store.stored_dates(year)
    as_of = _as_of(year, dates)
    selection = rollup_store.Selection(request.user, year, as_of, dates)
    total = selection.total()
    if not total.subjects:
        return None
    worst = [r for r in selection.departments() if r.key is not None][:WORST]
    board = reverse("monitoring:dashboard")
    query = f"?as_of={as_of.isoformat()}"
    return {
        "template": "monitoring/cockpit/execution.html",
        "order": 10,
        "as_of": as_of,
        "total": total,
        "link": f"{board}{query}",
        "chart": {
            "names": [r.name for r in worst],
            "rates": [percent(r.execution_rate) for r in worst],
            "lights": [r.light for r in worst],
            "progress": percent(total.time_progress),
            "links": [f"{board}{query}&department={r.key}" for r in worst],
        },
    }


@cockpit.register
def warnings_card(request, year: int) -> dict | None:
    from monitoring.models import PerformanceWarning

    warnings = access.restrict(PerformanceWarning.objects.filter(fiscal_year=year), request.user)
    counts = warnings.aggregate(
        red=Count("pk", filter=Q(status=WarningStatus.OPEN, light=Light.RED)),
        yellow=Count("pk", filter=Q(status=WarningStatus.OPEN, light=Light.YELLOW)),
        other=Count("pk", filter=Q(status=WarningStatus.OPEN) & ~Q(light__in=[Light.RED, Light.YELLOW])),
        disposed=Count("pk", filter=Q(status=WarningStatus.DISPOSED)),
        dismissed=Count("pk", filter=Q(status=WarningStatus.DISMISSED)),
    )
    if not any(counts.values()):
        return None
    url = reverse("monitoring:warnings")
    return {
        "template": "monitoring/cockpit/warnings.html",
        "order": 20,
        "counts": counts,
        "open": counts["red"] + counts["yellow"] + counts["other"],
        "links": {
            "red": f"{url}?status=open&light=red",
            "yellow": f"{url}?status=open&light=yellow",
            "open": f"{url}?status=open",
            "disposed": f"{url}?status=disposed",
        },
    }


@cockpit.register
def holds_card(request, year: int) -> dict | None:
    from monitoring.models import DisbursementHold

    holds = access.restrict(DisbursementHold.objects.filter(lifted_at__isnull=True), request.user)
    by_kind = dict(holds.order_by().values_list("kind").annotate(n=Count("pk")))
    if not by_kind:
        return None
    from monitoring.choices import HoldKind

    return {
        "template": "monitoring/cockpit/holds.html",
        "order": 30,
        "rows": [(HoldKind(kind).label, n) for kind, n in sorted(by_kind.items())],
        "total": sum(by_kind.values()),
        "link": reverse("monitoring:holds") + "?in_force=true",
    }

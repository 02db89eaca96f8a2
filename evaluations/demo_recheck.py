"""The demo's spot re-check (issue 13 "Spot re-check"): on the city's closed-year round (``evaluations.demo``), perf
draws a stratified sample with the recorded seed 2025 on a pinned business date and re-checks the largest subject
itself, finding lower actual values than the unit reported, so the sample page, the 通报 and the inflation chart have
something to show. The rest stay unassigned: giving one to the demo agency is the guide's walk-through. Runs after
``evaluations.demo`` (registered later); idempotent: a round that already has its sample is left alone."""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError

from accounts.models import User
from audit.context import acting_as
from core import clock
from demo.seed import register

SEED = 2025
QUALITY = Decimal("0.7")  # the re-checker finds 70 % of what the unit reported on quantitative indicators


@register
def seed_recheck(seeder) -> None:
    from evaluations import recheck_actions
    from evaluations.demo import closed_year
    from evaluations.models import RecheckSample, SelfEvaluationRound
    from evaluations.self_actions import round_organisation

    perf = User.objects.filter(username="perf").first()
    organisation = round_organisation(perf) if perf is not None else None
    if organisation is None:
        return
    year = closed_year()
    evaluation_round = SelfEvaluationRound.objects.filter(region=organisation.region, fiscal_year=year).first()
    if evaluation_round is None or RecheckSample.objects.filter(round=evaluation_round).exists():
        return
    if not evaluation_round.forms.filter(submitted_at__isnull=False).exists():
        return
    try:
        with clock.pinned(datetime.date(year + 1, 5, 6)), acting_as(perf):
            sample = recheck_actions.draw_sample(perf, evaluation_round, seed=SEED)
            RecheckSample.objects.filter(pk=sample.pk).update(drawn_at=clock.now())
            items = list(sample.items.select_related("evaluation").order_by("-evaluation__budget", "pk"))
            seeder.created += 1 + len(items)
            if items:
                _recheck(perf, items[0])
    except (ValidationError, PermissionDenied) as exc:
        seeder.out(f"  演示抽查复核未能完成：{'；'.join(getattr(exc, 'messages', [str(exc)]))}")


def _recheck(user, item) -> None:
    from evaluations import recheck_actions
    from evaluations.scoring import number

    rows = {}
    for own in item.indicators.select_related("row"):
        row = own.row
        if row.kind == "qualitative":
            rows[row.pk] = {"band": "partly", "share": "60", "applicable": row.applicable}
            continue
        try:
            reported = number(row.actual)
        except (TypeError, ValueError):
            reported = None
        lower = row.kind == "positive"
        value = (reported * QUALITY).quantize(Decimal("0.01")) if reported is not None and lower else reported
        rows[row.pk] = {"actual": "" if value is None else f"{value.normalize():f}", "applicable": row.applicable}
        if row.is_satisfaction:
            rows[row.pk]["surveyed"] = row.surveyed
    item = recheck_actions.save_recheck(
        user,
        item,
        item.version,
        rows=rows,
        opinion="经查阅佐证材料，部分产出指标的实际完成数低于单位填报数，按核实数重新计分。",
    )
    recheck_actions.submit_recheck(user, item, item.version)

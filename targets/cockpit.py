"""The targets card of the leader's 驾驶舱 (core/cockpit.py, issue 12 §6): how far the year's target sheets have come
— being written, in review, returned, approved — and how many wait for this user's decision (局领导审定, seed 003
第十二条). Each figure links into the target list filtered to it."""

from __future__ import annotations

from django.db.models import Count, Q
from django.urls import reverse

from core import access, cockpit
from workflow.guards import acting_q
from workflow.models import ReviewStatus


@cockpit.register
def targets_card(request, year: int) -> dict | None:
    from core.access import NOTHING
    from targets.models import TargetSheet

    sheets = access.restrict(TargetSheet.objects.filter(fiscal_year=year, is_current=True), request.user)
    counts = sheets.aggregate(
        total=Count("pk"),
        **{status: Count("pk", filter=Q(status=status)) for status in ReviewStatus.values},
    )
    if not counts["total"]:
        return None
    q = acting_q(request.user, TargetSheet)
    mine = 0 if q is NOTHING else TargetSheet.objects.filter(q, fiscal_year=year).count()
    url = reverse("targets:list")
    rows = [
        (ReviewStatus(status).label, counts[status], f"{url}?fiscal_year={year}&status={status}&is_current=true")
        for status in ReviewStatus.values
        if counts[status]
    ]
    return {
        "template": "targets/cockpit/targets.html",
        "order": 40,
        "year": year,
        "total": counts["total"],
        "approved_share": round(100 * counts[ReviewStatus.APPROVED] / counts["total"], 1),
        "rows": rows,
        "mine": mine,
        "mine_link": f"{url}?mine=true",
    }

"""An agency's or an expert's standing in the register, shown wherever one is chosen (a key evaluation's agency, a
working group's experts): the average rating over the evaluations it was rated after, how many, and the sanction in
force (seed 004; issue 14 "Ratings and limits"). ``templates/agencies/_standing.html`` shows it.

A suspension lasts until its end date (``status_until``): after it, the register treats the agency or expert as in
good standing again without anyone having to lift it; a removal (清退出库) is for good."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Avg, Count, F, Q

from agencies.models import AgencyProfile, ExpertStatus, RegisterStatus, Sanction, SanctionKind
from core import clock

POINTS = Decimal("0.1")


@dataclass(frozen=True)
class Standing:
    average: Decimal | None  # mean total of the ratings (0–100), one decimal
    count: int  # how many ratings
    status: str  # the register status in force (RegisterStatus / ExpertStatus value)
    status_label: str
    sanction: Sanction | None  # the sanction in force, if any
    may_commission: bool  # may be commissioned / drawn now
    registered: bool = True

    @property
    def label(self) -> str:
        """The standing in words: 平均 86.5 分（2 次评价）；警告：……"""
        if not self.registered:
            return "未登记机构信息"
        parts = [f"平均 {self.average} 分（{self.count} 次评价）" if self.count else "尚无履职评价"]
        if self.sanction is not None:
            parts.append(f"{self.sanction.get_kind_display()}{_period(self.sanction)}")
        elif self.status not in (RegisterStatus.ACTIVE, ExpertStatus.ACTIVE):
            parts.append(self.status_label)
        return "；".join(parts)

    @property
    def badge(self) -> str:
        """The Tabler badge class of the status."""
        if not self.may_commission:
            return "bg-red-lt"
        if self.sanction is not None or self.status == RegisterStatus.WARNED:
            return "bg-yellow-lt"
        return "bg-green-lt"

    def __str__(self) -> str:
        return self.label


def _period(sanction: Sanction) -> str:
    if sanction.ends_on:
        return f"（{sanction.starts_on:%Y-%m-%d} 至 {sanction.ends_on:%Y-%m-%d}）"
    return f"（{sanction.starts_on:%Y-%m-%d} 起）"


def in_force(today=None) -> Q:
    """The sanctions in force on ``today``: started, and not ended (a removal or a warning without an end date stays)."""
    today = today or clock.today()
    return Q(starts_on__lte=today) & (Q(ends_on__isnull=True) | Q(ends_on__gte=today))


def effective_status(record, today=None) -> str:
    """The register status in force: a suspension whose end date has passed no longer counts."""
    today = today or clock.today()
    status = record.status
    if (
        status in (RegisterStatus.SUSPENDED, ExpertStatus.SUSPENDED)
        and record.status_until
        and record.status_until < today
    ):
        return RegisterStatus.ACTIVE
    if status == RegisterStatus.WARNED and record.status_until and record.status_until < today:
        return RegisterStatus.ACTIVE
    return status


def _average(value) -> Decimal | None:
    return None if value is None else Decimal(str(value)).quantize(POINTS, rounding=ROUND_HALF_UP)


def _ratings(record, queryset) -> tuple[Decimal | None, int]:
    """The average total and the count: from the list's annotations (``with_ratings``) when present, else asked."""
    if hasattr(record, "rating_count"):
        return _average(record.rating_average), record.rating_count or 0
    found = queryset.aggregate(average=Avg(F("quality") + F("timeliness") + F("conduct")), count=Count("id"))
    return _average(found["average"]), found["count"]


def _current_sanction(sanctions, today) -> Sanction | None:
    """The latest sanction in force, read from ``sanctions`` (a related manager: prefetched rows are used as they are)."""
    current = [s for s in sanctions.all() if s.starts_on <= today and (s.ends_on is None or s.ends_on >= today)]
    return max(current, key=lambda s: (s.starts_on, s.pk), default=None)


def with_ratings(queryset, target: str):
    """``queryset`` of profiles (``target="agency"``) or experts (``"expert"``) annotated with the average and the count of
    their ratings and with their sanctions prefetched: their standings then cost no query each."""
    from django.db.models import OuterRef, Subquery

    from agencies.models import Rating

    ratings = Rating.objects.filter(**{target: OuterRef("pk")}).values(target)
    return queryset.annotate(
        rating_average=Subquery(ratings.annotate(a=Avg(F("quality") + F("timeliness") + F("conduct"))).values("a")),
        rating_count=Subquery(ratings.annotate(n=Count("id")).values("n")),
    ).prefetch_related("sanctions")


def _standing(record, ratings, sanctions, labels) -> Standing:
    today = clock.today()
    average, count = _ratings(record, ratings)
    status = effective_status(record, today)
    sanction = _current_sanction(sanctions, today)
    blocked = status in (RegisterStatus.SUSPENDED, RegisterStatus.REMOVED) or (
        sanction is not None and sanction.kind in (SanctionKind.SUSPENSION, SanctionKind.REMOVAL)
    )
    return Standing(average, count, status, labels.get(status, status), sanction, not blocked)


def agency_standing(org_or_profile) -> Standing:
    """The standing of an agency, given its organisation or its register profile."""
    profile = org_or_profile
    if not isinstance(profile, AgencyProfile):
        profile = AgencyProfile.objects.filter(organisation=org_or_profile).first()
        if profile is None:
            return Standing(None, 0, RegisterStatus.ACTIVE, "正常", None, True, registered=False)
    return _standing(profile, profile.ratings.all(), profile.sanctions, dict(RegisterStatus.choices))


def expert_standing(expert) -> Standing:
    labels = dict(ExpertStatus.choices) | {RegisterStatus.ACTIVE: "在库"}
    standing = _standing(expert, expert.ratings.all(), expert.sanctions, labels)
    if not expert.available and standing.may_commission:
        return Standing(standing.average, standing.count, standing.status, "暂不可抽取", standing.sanction, True)
    return standing

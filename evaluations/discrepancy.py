"""What finance notifies after a spot re-check (seed 001 第二十一条: 对未按要求开展自评、自评和抽评结果差异较大以及抽评
结果为差的项目予以通报), and the inflation index of each department. Set-based: each list is one aggregate or one
filtered query, through the gate of whoever asks.

* ``large_gaps`` — re-checked subjects whose |self − re-check| reaches the sample's threshold (10 points by default),
  or whose grade differs when the sample says so;
* ``not_self_evaluated`` — per department, the forms of the round never submitted (after the due date: 逾期未报);
* ``graded_poor`` — subjects graded at the scheme's lowest grade (差) by the re-check, or by the unit where not
  re-checked;
* ``flagged`` — without a re-check, forms whose indicator share is far above their execution share (e.g. indicators
  88/90 with execution 4/10), naming the rule and the sample's line (``flag_gap``);
* ``inflation`` — per department and year: mean self − re-check over its re-checked subjects (the chart, and the
  risk-based sampling's history weight).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Avg, Count, DecimalField, ExpressionWrapper, F, Q, Value
from django.db.models.functions import Abs
from django.urls import reverse

from core import compiled
from evaluations.choices import RecheckStatus
from evaluations.models import RecheckItem, SelfEvaluation

FLAG_RULE = "指标得分率远高于预算执行率（未复核提示）"
# What the page, the 通报 and the API read of a listed re-check or form. The report hands them these light rows, read
# with ``values()``, not model instances: at province scale building hundreds of forms with their subjects and units
# cost several times the report's SQL (bench/self_evaluation.py (c)).
ITEM_VALUES = (
    "pk",
    "evaluation_id",
    "self_score",
    "self_grade",
    "total_score",
    "grade",
    "evaluation__subject__name",
    "evaluation__organisation_id",
    "evaluation__organisation__name",
)
FORM_VALUES = (
    "pk",
    "total_score",
    "grade",
    "indicator_score",
    "execution_score",
    "subject__name",
    "organisation_id",
    "organisation__name",
)


@dataclass(frozen=True)
class Named:
    name: str


@dataclass(frozen=True)
class ListedForm:
    """A self-evaluation form as a discrepancy list shows it."""

    pk: int
    subject: Named
    organisation_id: int | None
    organisation: Named
    total_score: Decimal | None
    grade: str
    indicator_score: Decimal | None
    execution_score: Decimal | None

    @classmethod
    def of(cls, row: dict) -> ListedForm:
        return cls(
            pk=row["pk"],
            subject=Named(row["subject__name"]),
            organisation_id=row["organisation_id"],
            organisation=Named(row["organisation__name"] or ""),
            total_score=row["total_score"],
            grade=row["grade"],
            indicator_score=row["indicator_score"],
            execution_score=row["execution_score"],
        )


@dataclass(frozen=True)
class ListedItem:
    """A re-check as a discrepancy list shows it."""

    pk: int
    evaluation_id: int
    evaluation: ListedForm
    self_score: Decimal | None
    self_grade: str
    total_score: Decimal | None
    grade: str
    difference_value: Decimal | None = None

    @classmethod
    def of(cls, row: dict) -> ListedItem:
        evaluation = ListedForm(
            pk=row["evaluation_id"],
            subject=Named(row["evaluation__subject__name"]),
            organisation_id=row["evaluation__organisation_id"],
            organisation=Named(row["evaluation__organisation__name"] or ""),
            total_score=row["self_score"],
            grade=row["self_grade"],
            indicator_score=None,
            execution_score=None,
        )
        return cls(
            pk=row["pk"],
            evaluation_id=row["evaluation_id"],
            evaluation=evaluation,
            self_score=row["self_score"],
            self_grade=row["self_grade"],
            total_score=row["total_score"],
            grade=row["grade"],
            difference_value=row.get("difference_value"),
        )

    @property
    def difference(self) -> Decimal | None:
        """Self-score minus re-check score (as ``RecheckItem.difference``)."""
        if self.self_score is None or self.total_score is None:
            return None
        return self.self_score - self.total_score

    def get_absolute_url(self) -> str:
        return reverse("evaluations:recheck", args=[self.pk])


@dataclass(frozen=True)
class Report:
    sample: object
    large_gaps: list
    not_self_evaluated: list
    graded_poor: list
    flagged: list


def lowest_grade(scheme) -> str:
    return scheme.rules().grade_lines[-1].label


def large_gaps(sample, items=None):
    items = RecheckItem.objects.filter(sample=sample) if items is None else items
    diff = ExpressionWrapper(
        F("self_score") - F("total_score"), output_field=DecimalField(max_digits=7, decimal_places=2)
    )
    condition = Q(gap__gte=sample.threshold_points)
    if sample.grade_differs:
        condition |= ~Q(grade=F("self_grade"))
    return (
        items.filter(status=RecheckStatus.SUBMITTED, self_score__isnull=False, total_score__isnull=False)
        .annotate(difference_value=diff, gap=Abs(diff))
        .filter(condition)
        .select_related("evaluation__subject", "evaluation__organisation", "department")
        .order_by("-gap", "pk")
    )


def not_self_evaluated_query(evaluation_round, forms=None):
    forms = SelfEvaluation.objects.filter(round=evaluation_round) if forms is None else forms
    return (
        forms.filter(submitted_at__isnull=True)
        .order_by()
        .values("department_id", "department__name")
        .annotate(unsubmitted=Count("pk"))
        .order_by("-unsubmitted", "department__name")
    )


def not_self_evaluated(evaluation_round, forms=None):
    """[{department, name, unsubmitted}] — departments with forms never submitted."""
    return list(not_self_evaluated_query(evaluation_round, forms))


def graded_poor_querysets(sample, forms=None, items=None):
    """(re-checks graded lowest, forms graded lowest by the unit and not re-checked), as querysets."""
    lowest = lowest_grade(sample.round.scheme)
    items = RecheckItem.objects.filter(sample=sample) if items is None else items
    forms = SelfEvaluation.objects.filter(round=sample.round) if forms is None else forms
    # listed by unit and subject code, on the tables the lists join anyway (the models' default orders join more)
    rechecked = (
        items.filter(status=RecheckStatus.SUBMITTED, grade=lowest)
        .select_related("evaluation__subject", "evaluation__organisation")
        .order_by("evaluation__organisation__path", "evaluation__subject__code", "pk")
    )
    by_unit = (
        forms.filter(grade=lowest, submitted_at__isnull=False)
        .exclude(rechecks__sample=sample, rechecks__status=RecheckStatus.SUBMITTED)
        .select_related("subject", "organisation")
        .order_by("organisation__path", "subject__code", "pk")
    )
    return rechecked, by_unit


def graded_poor(sample, forms=None, items=None):
    """(re-checks graded lowest, forms graded lowest by the unit and not re-checked)."""
    rechecked, by_unit = graded_poor_querysets(sample, forms, items)
    return list(rechecked), list(by_unit)


def flagged(evaluation_round, gap: Decimal, forms=None):
    """Submitted forms not re-checked whose indicator share − execution share ≥ ``gap``."""
    scheme = evaluation_round.scheme
    forms = SelfEvaluation.objects.filter(round=evaluation_round) if forms is None else forms
    wide = DecimalField(max_digits=14, decimal_places=4)
    # indicator ÷ I − execution ÷ E ≥ gap, multiplied out (no division: SQLite divides whole numbers as integers)
    i_points, e_points = Value(scheme.indicator_points), Value(scheme.execution_points)
    lhs = ExpressionWrapper(F("indicator_score") * e_points - F("execution_score") * i_points, output_field=wide)
    return (
        forms.filter(submitted_at__isnull=False, indicator_score__isnull=False, execution_score__isnull=False)
        .exclude(rechecks__status=RecheckStatus.SUBMITTED)
        .annotate(share_gap_points=lhs)
        .filter(share_gap_points__gte=Decimal(gap) * scheme.indicator_points * scheme.execution_points)
        .select_related("subject", "organisation")
        .order_by("-share_gap_points", "pk")
    )


def report(sample, user=None) -> Report:
    """The discrepancy report of ``sample`` as ``user`` may read it (the gate restricts every list)."""
    from core import access

    items = RecheckItem.objects.filter(sample=sample)
    forms = SelfEvaluation.objects.filter(round=sample.round)
    if user is not None:
        items, forms = access.restrict(items, user), access.restrict(forms, user)
    # Five statements, each compiled once per question (core/compiled.py); ``extra`` names what a list reads
    # besides the records in reach: the sample's thresholds, the scheme's lowest grade and points.
    scheme = sample.round.scheme
    on_items, on_forms = compiled.question(items), compiled.question(forms)
    lowest = lowest_grade(scheme)
    gaps = compiled.rows(
        "evaluations.discrepancy.large_gaps",
        items,
        lambda qs: large_gaps(sample, qs).values(*ITEM_VALUES, "difference_value"),
        extra=(sample.pk, sample.threshold_points, sample.grade_differs),
        asked=on_items,
    )
    rechecked = compiled.rows(
        "evaluations.discrepancy.rechecked_poor",
        items,
        lambda qs: graded_poor_querysets(sample, forms, qs)[0].values(*ITEM_VALUES),
        extra=(sample.pk, lowest),
        asked=on_items,
    )
    by_unit = compiled.rows(
        "evaluations.discrepancy.self_poor",
        forms,
        lambda qs: graded_poor_querysets(sample, qs, items)[1].values(*FORM_VALUES),
        extra=(sample.pk, lowest),
        asked=on_forms,
    )
    flags = compiled.rows(
        "evaluations.discrepancy.flagged",
        forms,
        lambda qs: flagged(sample.round, sample.flag_gap, qs).values(*FORM_VALUES),
        extra=(sample.round_id, sample.flag_gap, scheme.indicator_points, scheme.execution_points),
        asked=on_forms,
    )
    late = compiled.rows(
        "evaluations.discrepancy.not_self_evaluated",
        forms,
        lambda qs: not_self_evaluated_query(sample.round, qs),
        extra=(sample.round_id,),
        asked=on_forms,
    )
    return Report(
        sample=sample,
        large_gaps=[ListedItem.of(r) for r in gaps],
        not_self_evaluated=late,
        graded_poor=([ListedItem.of(r) for r in rechecked], [ListedForm.of(r) for r in by_unit]),
        flagged=[ListedForm.of(r) for r in flags],
    )


def inflation(region, items=None) -> list[dict]:
    """[{department_id, department__name, year, index, count}] over every re-checked subject in ``region`` and below."""
    items = RecheckItem.objects.all() if items is None else items
    return list(
        items.filter(
            status=RecheckStatus.SUBMITTED,
            sample__round__region__path__startswith=region.path,
            self_score__isnull=False,
            total_score__isnull=False,
        )
        .values("department_id", "department__name", year=F("sample__round__fiscal_year"))
        .annotate(index=Avg(F("self_score") - F("total_score")), count=Count("pk"))
        .order_by("department__name", "year")
    )

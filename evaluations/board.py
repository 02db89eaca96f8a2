"""自评情况看板 (seed 001 第二十一条: 财政部门对部门绩效自评情况进行抽查复核 — finance first needs to see who has
self-evaluated; issue 13 "Status board"): for a fiscal year, the self-evaluation forms the user may read (the gate
decides: a department reviewer its department, a finance desk its departments, finance its region and below) counted
by region and by department — forms, submitted, overdue, returned, approved — and the score and grade distributions
of the submitted forms.

Every figure is an aggregate in SQL (one ``GROUP BY`` per table and one conditional aggregate for the totals and
the distributions), so the board costs three queries whatever the size of the province. Lateness is
``SelfEvaluation.is_late`` in SQL: 逾期报送 — first submitted on a day after its round's due date; 逾期未报 — never
submitted, still a draft or returned, and the due date is past.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Count, F, Q, Value

from core import access, clock, compiled
from evaluations.models import SelfEvaluation
from workflow.models import ReviewStatus

# Score bands of the histogram: (label, low, high) with low ≤ score < high; the last includes 100.
SCORE_BINS = [
    ("60 分以下", None, 60),
    ("60–70", 60, 70),
    ("70–80", 70, 80),
    ("80–90", 80, 90),
    ("90 分以上", 90, None),
]
GRADES = ["优", "良", "中", "差"]


def in_reach(user, fiscal_year: int):
    """The forms of ``fiscal_year`` the user may read."""
    return access.restrict(SelfEvaluation.objects.filter(fiscal_year=fiscal_year), user)


def years(user) -> list[int]:
    """The years with self-evaluation forms in the user's reach, latest first."""
    forms = access.restrict(SelfEvaluation.objects.all(), user)
    return sorted(set(forms.order_by().values_list("fiscal_year", flat=True).distinct()), reverse=True)


def submitted_q() -> Q:
    """Sent at least once: a first submission time, or (for data loaded otherwise) a status past the unit."""
    return Q(submitted_at__isnull=False) | Q(status__in=(ReviewStatus.IN_REVIEW, ReviewStatus.APPROVED))


def status_counts() -> dict:
    """The board's counters as aggregate expressions (the same for the totals and every group)."""
    today = clock.today()
    return {
        "total": Count("pk"),
        "submitted": Count("pk", filter=submitted_q()),
        "late_unsubmitted": Count(
            "pk",
            filter=Q(
                submitted_at__isnull=True,
                status__in=(ReviewStatus.DRAFT, ReviewStatus.RETURNED),
                round__due_date__lt=today,
            ),
        ),
        "late_submitted": Count("pk", filter=Q(submitted_at__date__gt=F("round__due_date"))),
        "in_review": Count("pk", filter=Q(status=ReviewStatus.IN_REVIEW)),
        "returned": Count("pk", filter=Q(status=ReviewStatus.RETURNED)),
        "approved": Count("pk", filter=Q(status=ReviewStatus.APPROVED)),
    }


def distribution_counts() -> dict:
    """Score bands and grades of the submitted forms (a draft's score is the unit's work in progress)."""
    scored = submitted_q() & Q(total_score__isnull=False)
    counts = {}
    for i, (_, low, high) in enumerate(SCORE_BINS):
        band = scored
        if low is not None:
            band &= Q(total_score__gte=low)
        if high is not None:
            band &= Q(total_score__lt=high)
        counts[f"bin{i}"] = Count("pk", filter=band)
    for i, grade in enumerate(GRADES):
        counts[f"grade{i}"] = Count("pk", filter=scored & Q(grade=grade))
    return counts


@dataclass
class Row:
    key: object
    name: str
    total: int = 0
    submitted: int = 0
    late_unsubmitted: int = 0
    late_submitted: int = 0
    in_review: int = 0
    returned: int = 0
    approved: int = 0

    @property
    def not_submitted(self) -> int:
        return self.total - self.submitted

    @property
    def late(self) -> int:
        return self.late_unsubmitted + self.late_submitted

    @property
    def submitted_share(self) -> int | None:
        return None if not self.total else round(self.submitted * 100 / self.total)

    def as_dict(self) -> dict:
        return {
            "id": self.key,
            "name": self.name,
            "total": self.total,
            "submitted": self.submitted,
            "not_submitted": self.not_submitted,
            "late_unsubmitted": self.late_unsubmitted,
            "late_submitted": self.late_submitted,
            "in_review": self.in_review,
            "returned": self.returned,
            "approved": self.approved,
        }


COUNTERS = ("total", "submitted", "late_unsubmitted", "late_submitted", "in_review", "returned", "approved")


@dataclass
class Board:
    fiscal_year: int
    total: Row
    regions: list[Row]
    departments: list[Row]
    scores: list[tuple[str, int]]
    grades: list[tuple[str, int]]

    def charts(self) -> dict:
        """What the ECharts of the page are given (static/jixiao/evaluation_charts.js)."""
        return {
            "scores": {"names": [n for n, _ in self.scores], "counts": [c for _, c in self.scores]},
            "grades": {"names": GRADES, "counts": [c for _, c in self.grades]},
        }

    def as_dict(self) -> dict:
        return {
            "fiscal_year": self.fiscal_year,
            "total": self.total.as_dict(),
            "regions": [r.as_dict() for r in self.regions],
            "departments": [r.as_dict() for r in self.departments],
            "scores": [{"band": n, "count": c} for n, c in self.scores],
            "grades": [{"grade": n, "count": c} for n, c in self.grades],
        }


# The board's three statements are compiled once per question (core/compiled.py): building ~30 conditional
# aggregates costs Django several times what the database takes to answer them (bench/self_evaluation.py (b)).


def _group(forms, asked: tuple | None, key: str, name: str, order: str) -> list[Row]:
    rows = compiled.rows(
        f"evaluations.board.group:{key}",
        forms,
        lambda qs: qs.order_by().values(key, name, order).annotate(**status_counts()).order_by(order, name),
        asked=asked,
    )
    return [Row(key=r[key], name=r[name] or "（未归属主管部门）", **{c: r[c] for c in COUNTERS}) for r in rows]


def _totals(forms, asked: tuple | None) -> dict:
    """The totals and the distributions in one statement (a constant group: no row when nothing is in reach)."""
    counts = {**status_counts(), **distribution_counts()}
    rows = compiled.rows(
        "evaluations.board.totals",
        forms,
        lambda qs: qs.order_by().annotate(board_all=Value(1)).values("board_all").annotate(**counts).values(*counts),
        asked=asked,
    )
    return rows[0] if rows else dict.fromkeys(counts, 0)


def build(user, fiscal_year: int, *, department: int | None = None) -> Board:
    """The board of ``fiscal_year`` over the forms in the user's reach (of one department if asked)."""
    forms = in_reach(user, fiscal_year)
    if department is not None:
        forms = forms.filter(department_id=department)
    asked = compiled.question(forms)
    totals = _totals(forms, asked)
    total = Row(key=None, name="合计", **{c: totals[c] for c in COUNTERS})
    regions = _group(
        forms, asked, "organisation__region_id", "organisation__region__name", "organisation__region__path"
    )
    departments = _group(forms, asked, "department_id", "department__name", "department__path")
    return Board(
        fiscal_year=fiscal_year,
        total=total,
        regions=regions,
        departments=departments,
        scores=[(label, totals[f"bin{i}"]) for i, (label, _, _) in enumerate(SCORE_BINS)],
        grades=[(grade, totals[f"grade{i}"]) for i, grade in enumerate(GRADES)],
    )

"""Who is on a self-evaluation round's list (自评范围), and who of the year's funded subjects is left off and why.

* Every funded subject of the round's own region: 区本级支出项目，全部纳入绩效自评范围 (seed 001 第二十条（二）). A subject is
  funded for the year when finance arranged its budget (``SubjectYearAmount.arranged_amount``). Department overall
  spending is a subject of its own kind, one per department (seed 001 第二十条（一）), so it is on the list the same
  way, as its own kind of form.
* Transfer payments only as the department agreed with finance (转移支付办法 第二十条（二）: 区业务主管部门会同区财政
  部门确定年度绩效自评项目清单): the round's ``transfer_subjects``; the others are listed as left off.
* Integrated agricultural funds allocated in blocks (a transfer payment with the fund source 涉农整合资金) are evaluated
  per town, not per project (转移支付办法 第二十八条: 以镇办为单位开展综合绩效评价): one form per region of the last
  approved sheet's 区域绩效目标 (``town_targets``), filled by the subject's own organisation; listed whatever the
  agreed transfer list says.
* A subject of a region below is that region's bureau's to evaluate (the same rule as monitoring rounds,
  docs/decisions/0034): counted per region on the round, not listed one by one.
* The stage of the evaluation (seed 000 第二十二条; seed 003 第二十七条): a subject that runs beyond the year gets a
  阶段性 evaluation; one that ends in the year after starting earlier, a 全周期 evaluation; otherwise the annual one.

Set-based: the list is a queryset (``listed``), so opening inserts straight from it (``evaluations.opening``).
"""

from __future__ import annotations

from django.db.models import Count, Exists, OuterRef, Q

from evaluations.choices import EvaluationStage, FormKind, LeftOutReason
from subjects.choices import SubjectKind

TRANSFER_KINDS = (SubjectKind.TRANSFER_OVERALL, SubjectKind.TRANSFER_REGIONAL, SubjectKind.TRANSFER_PROJECT)
FORM_KIND = {
    SubjectKind.DEPARTMENT_OVERALL: FormKind.DEPARTMENT_OVERALL,
    SubjectKind.PURCHASED_SERVICE: FormKind.PURCHASED_SERVICE,
    **{kind: FormKind.TRANSFER for kind in TRANSFER_KINDS},
}


def form_kind(subject_kind: str) -> str:
    return FORM_KIND.get(subject_kind, FormKind.PROJECT)


def stage_of(start_year: int, end_year: int, fiscal_year: int) -> str:
    if end_year > fiscal_year:
        return EvaluationStage.STAGE
    if start_year < fiscal_year:
        return EvaluationStage.FULL_CYCLE
    return EvaluationStage.ANNUAL


def funded(fiscal_year: int):
    """Every subject whose budget finance arranged for ``fiscal_year``."""
    from subjects.models import Subject, SubjectYearAmount

    arranged = SubjectYearAmount.objects.filter(
        subject=OuterRef("pk"), fiscal_year=fiscal_year, arranged_amount__isnull=False
    )
    return Subject.objects.filter(Exists(arranged))


INTEGRATED = Q(kind__in=TRANSFER_KINDS, fund_sources__icontains='"integrated_agri"')


def listed(evaluation_round):
    """The subjects a round's per-subject forms are for: funded, of its own region, transfer payments only when agreed,
    integrated agricultural funds never (they are evaluated per town)."""
    base = funded(evaluation_round.fiscal_year).filter(organisation__region_id=evaluation_round.region_id)
    agreed = evaluation_round.transfer_subjects.values("pk")
    return base.exclude(Q(kind__in=TRANSFER_KINDS) & ~Q(pk__in=agreed)).exclude(INTEGRATED)


def integrated(evaluation_round):
    """The round's integrated agricultural funds (evaluated per town)."""
    return funded(evaluation_round.fiscal_year).filter(INTEGRATED, organisation__region_id=evaluation_round.region_id)


def town_targets(evaluation_round):
    """The 区域绩效目标 each town form is for: the regions of the last approved sheet of each integrated fund."""
    from django.db.models import Max, Subquery
    from django.db.models import OuterRef as Ref

    from targets.models import RegionalTarget, TargetSheet

    last = (
        TargetSheet.objects.filter(
            subject=Ref("sheet__subject"), fiscal_year=evaluation_round.fiscal_year, status="approved"
        )
        .values("subject")
        .annotate(m=Max("revision"))
        .values("m")
    )
    return RegionalTarget.objects.filter(
        sheet__subject__in=integrated(evaluation_round),
        sheet__fiscal_year=evaluation_round.fiscal_year,
        sheet__status="approved",
        sheet__revision=Subquery(last),
    )


def left_out(evaluation_round) -> list[dict]:
    """The entries of ``SelfEvaluationRound.left_out``: transfer payments of the region not on the agreed list, one
    by one; the subjects of each region below, as a count per region."""
    base = funded(evaluation_round.fiscal_year)
    own = base.filter(organisation__region_id=evaluation_round.region_id, kind__in=TRANSFER_KINDS).exclude(
        pk__in=evaluation_round.transfer_subjects.values("pk")
    )
    entries = [
        {"subject": pk, "reason": LeftOutReason.TRANSFER_NOT_LISTED}
        for pk in own.exclude(INTEGRATED).order_by("code").values_list("pk", flat=True)
    ]
    with_towns = set(town_targets(evaluation_round).values_list("sheet__subject_id", flat=True))
    for pk in integrated(evaluation_round).order_by("code").values_list("pk", flat=True):
        reason = LeftOutReason.PER_TOWN if pk in with_towns else LeftOutReason.NO_TOWNS
        entries.append({"subject": pk, "reason": reason})
    region = evaluation_round.region
    below = (
        base.filter(organisation__region__path__startswith=region.path)
        .exclude(organisation__region_id=region.pk)
        .values("organisation__region_id", "organisation__region__name")
        .annotate(n=Count("pk"))
        .order_by("organisation__region__name")
    )
    for row in below:
        entries.append(
            {
                "region": row["organisation__region_id"],
                "region_name": row["organisation__region__name"],
                "count": row["n"],
                "reason": LeftOutReason.OTHER_REGION,
            }
        )
    return entries

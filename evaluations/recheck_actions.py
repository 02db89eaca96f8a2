"""The spot re-check (抽查复核) of a self-evaluation round: drawing the sample, assigning re-checkers, re-scoring and
submitting (seed 001 第二十一条 区财政部门对部门单位绩效自评结果实施抽查复核; seed 003 第二十三条 财政再评价). Each function
is one transaction: guard, change, audit row.

* ``draw_sample`` — the performance section that organised the round draws once per round, by ``evaluations.sampling``
  from the forms submitted so far, with a recorded seed (a new random one unless given): the draw is reproducible.
* ``assign`` — a re-check goes to a finance colleague or to an agency (受托第三方机构); an agency then reaches that
  re-check, and only it, through ``core.Assignment`` (the gate's Scope.ASSIGNED).
* ``save_recheck`` / ``submit_recheck`` — the re-checker scores the same indicators independently (the unit's scores
  are not shown until the re-check is submitted: ``shows_self_score``); the engine scores it exactly as the form.
"""

from __future__ import annotations

import secrets
from decimal import Decimal

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Avg, F

from audit import trail
from audit.models import AuditAction
from core import clock, services
from core.models import Assignment
from evaluations import form_scoring, sampling, self_actions
from evaluations.choices import RecheckStatus, RoundStatus
from evaluations.models import (
    RecheckIndicator,
    RecheckItem,
    RecheckSample,
    SelfEvaluation,
    SelfEvaluationIndicator,
)
from organisations.choices import OrgKind
from workflow.actions import StaleDocument

DRAW_DENIED = "只有组织本轮自评的预算绩效管理科可以抽取复核样本"
ROW_FIELDS = ("actual", "applicable", "surveyed", "band", "share")


def _refused(obj, user, message: str) -> PermissionDenied:
    trail.record(AuditAction.PERMISSION_DENIED, obj, actor=user, reason=message)
    return PermissionDenied(message)


def candidates(evaluation_round) -> list[sampling.Candidate]:
    """The forms of the round that were submitted (a form never submitted is reported as not self-evaluated)."""
    scheme = evaluation_round.scheme
    forms = SelfEvaluation.objects.filter(round=evaluation_round, submitted_at__isnull=False).values_list(
        "pk", "department_id", "organisation_id", "budget", "indicator_score", "execution_score"
    )
    result = []
    for pk, department_id, organisation_id, budget, indicator, execution in forms:
        result.append(
            sampling.Candidate(
                form_id=pk,
                department_id=department_id or organisation_id,
                budget=budget,
                indicator_share=(indicator / scheme.indicator_points) if indicator is not None else None,
                execution_share=(execution / scheme.execution_points) if execution is not None else None,
            )
        )
    return result


def inflation_by_department(region, up_to_year: int) -> dict[int, Decimal]:
    """Each department's inflation index (mean self − re-check score over its re-checked subjects), this year and
    earlier, in ``region``: what risk-based sampling weighs."""
    rows = (
        RecheckItem.objects.filter(
            status=RecheckStatus.SUBMITTED,
            sample__round__region=region,
            sample__round__fiscal_year__lte=up_to_year,
            self_score__isnull=False,
            total_score__isnull=False,
        )
        .values("department_id")
        .annotate(index=Avg(F("self_score") - F("total_score")))
    )
    return {r["department_id"]: Decimal(str(r["index"])).quantize(Decimal("0.01")) for r in rows if r["department_id"]}


def draw_sample(
    user,
    evaluation_round,
    *,
    method: str = sampling.STRATIFIED,
    share: Decimal = Decimal("0.20"),
    minimum: int = 2,
    seed: int | None = None,
    threshold_points: Decimal = Decimal("10"),
    grade_differs: bool = True,
    flag_gap: Decimal = Decimal("0.50"),
) -> RecheckSample:
    if not self_actions.can_manage_round(user, evaluation_round):
        raise _refused(evaluation_round, user, DRAW_DENIED)
    if evaluation_round.status == RoundStatus.OPENING:
        raise ValidationError("自评表尚在生成中，生成完毕后再抽样")
    seed = secrets.randbelow(2**31) if seed is None else int(seed)
    sample = RecheckSample(
        round=evaluation_round,
        method=method,
        share=share,
        minimum=minimum,
        seed=seed,
        threshold_points=threshold_points,
        grade_differs=grade_differs,
        flag_gap=flag_gap,
        drawn_by=user,
        drawn_at=clock.now(),  # the business clock (core/clock.py), not the wall clock
    )
    pool = candidates(evaluation_round)
    if not pool:
        raise ValidationError("本轮尚无已报送的自评表，无法抽样")
    params = sampling.Params(method=method, share=Decimal(share), minimum=int(minimum))
    inflation = inflation_by_department(evaluation_round.region, evaluation_round.fiscal_year - 1)
    drawn = sampling.draw(pool, params, seed, inflation)
    try:
        with transaction.atomic():
            sample.candidates = len(pool)
            services.create_record(sample, reason=f"抽取复核样本（随机种子 {seed}）")
            forms = SelfEvaluation.objects.in_bulk([d.form_id for d in drawn])
            items = RecheckItem.objects.bulk_create(
                RecheckItem(
                    sample=sample,
                    evaluation_id=d.form_id,
                    department_id=forms[d.form_id].department_id or forms[d.form_id].organisation_id,
                    reason=d.reason,
                    self_score=forms[d.form_id].total_score,
                    self_grade=forms[d.form_id].grade,
                )
                for d in drawn
            )
            by_form = {i.evaluation_id: i for i in items}
            RecheckIndicator.objects.bulk_create(
                RecheckIndicator(item=by_form[row.evaluation_id], row=row)
                for row in SelfEvaluationIndicator.objects.filter(evaluation_id__in=list(by_form)).only(
                    "pk", "evaluation_id"
                )
            )
            trail.record(
                AuditAction.CREATE,
                sample,
                changes={"抽中自评表": [None, len(items)], "可抽自评表": [None, len(pool)], "随机种子": [None, seed]},
                reason="抽查复核抽样",
            )
    except IntegrityError:
        raise ValidationError("本轮自评已经抽样") from None
    return sample


def assign(user, item, *, rechecker=None, agency=None) -> RecheckItem:
    """Give a re-check to a finance colleague or to an agency (which then reaches this re-check only)."""
    if not self_actions.can_manage_round(user, item.sample.round):
        raise _refused(item, user, "只有组织本轮自评的预算绩效管理科可以指派复核人员")
    if item.status != RecheckStatus.PENDING:
        raise ValidationError("已提交的复核不能改派")
    if (rechecker is None) == (agency is None):
        raise ValidationError({"rechecker": "请指定一名复核人员或一家受托第三方机构"})
    if agency is not None and agency.kind != OrgKind.AGENCY:
        raise ValidationError({"agency": "受托机构须为登记为“第三方机构”的机构"})
    if rechecker is not None and not self_actions.can_manage_round(rechecker, item.sample.round):
        raise ValidationError({"rechecker": f"{rechecker.name or rechecker.username}不是本级财政部门的复核人员"})
    with transaction.atomic():
        ct = ContentType.objects.get_for_model(RecheckItem)
        Assignment.objects.filter(content_type=ct, object_id=item.pk).delete()
        if agency is not None:
            services.create_record(
                Assignment(content_type=ct, object_id=item.pk, organisation=agency), reason="委托第三方机构复核"
            )
        services.update_record(item, {"rechecker": rechecker, "agency": agency}, reason="指派复核")
    return item


def can_recheck(user, item) -> bool:
    """The assigned colleague, a user of the assigned agency, or — when nobody is assigned — the round's
    performance section."""
    if item.status != RecheckStatus.PENDING or not (user and user.is_authenticated):
        return False
    if item.agency_id:
        return (
            user.organisation_id == item.agency_id
            and Assignment.objects.filter(
                content_type=ContentType.objects.get_for_model(RecheckItem),
                object_id=item.pk,
                organisation=item.agency_id,
            ).exists()
        )
    if item.rechecker_id:
        return item.rechecker_id == user.pk
    return self_actions.can_manage_round(user, item.sample.round)


def shows_self_score(user, item) -> bool:
    """The unit's scores stay hidden from the re-checker until the re-check is submitted (independent scoring)."""
    return item.status == RecheckStatus.SUBMITTED


def item_for(sample, evaluation) -> RecheckItem:
    """The re-check of ``evaluation`` in ``sample``; a subject outside the sample is refused by name."""
    item = RecheckItem.objects.filter(sample=sample, evaluation=evaluation).first()
    if item is None:
        raise ValidationError(f"{evaluation.subject.name}未被抽中，不能复核")
    return item


def score_item(item, typed: dict | None = None):
    """The engine's score of the re-check (stored values, or ``typed`` {row id: values} over them)."""
    form = item.evaluation
    rows = list(form.indicators.all())
    mine = {r.row_id: r for r in item.indicators.all()}
    values = {}
    for row in rows:
        own = mine.get(row.pk)
        values[row.pk] = {f: getattr(own, f) for f in ROW_FIELDS} if own is not None else {}
        values[row.pk].update((typed or {}).get(row.pk, {}))
    return form_scoring.score_form(form, rows, values)


def save_recheck(user, item, version: int, *, rows: dict | None = None, opinion: str | None = None) -> RecheckItem:
    """The re-checker's values ({form row id: {field: value}}, the self-evaluation row they re-score) and opinion, scored by the engine; optimistic lock."""
    if not can_recheck(user, item):
        raise _refused(item, user, "您不是该项目的复核人员，或复核已提交")
    with transaction.atomic():
        locked = RecheckItem.objects.select_for_update().get(pk=item.pk)
        if locked.version != version:
            raise StaleDocument()
        mine = {r.row_id: r for r in item.indicators.select_related("row")}
        changes = {}
        for row_id, values in (rows or {}).items():
            try:
                own = mine.get(int(row_id))
            except (TypeError, ValueError):
                own = None
            if own is None:
                raise ValidationError(f"指标行 {row_id} 不属于该复核")
            position = list(mine).index(own.row_id) + 1
            clean = self_actions.clean_row_values(
                own.row, {k: v for k, v in values.items() if k in ROW_FIELDS}, position
            )
            for key, value in clean.items():
                if getattr(own, key) != value:
                    changes[f"{own.row.name}·{RecheckIndicator._meta.get_field(key).verbose_name}"] = [
                        _text(getattr(own, key)),
                        _text(value),
                    ]
                    setattr(own, key, value)
        current = list(mine.values())
        for own in current:
            own.full_clean(exclude=["item", "row"])
        score = score_item(item, {own.row_id: {f: getattr(own, f) for f in ROW_FIELDS} for own in current})
        by_row = {r.pk: r for r in score.rows}
        for own in current:
            result = by_row[own.row_id].result
            own.score = result.score if result is not None else None
            own.explanation = (result.explanation if result is not None else "")[:500]
        if current:
            RecheckIndicator.objects.bulk_update(current, [*ROW_FIELDS, "score", "explanation"])
        values = form_scoring.stored_values(score)
        if opinion is not None and opinion != item.opinion:
            changes["复核意见"] = [item.opinion, opinion]
            values["opinion"] = opinion
        values["version"] = version + 1
        RecheckItem.objects.filter(pk=item.pk).update(**values)
        if changes:
            trail.record(AuditAction.UPDATE, item, changes=changes, reason="填写复核")
    item.refresh_from_db()
    return item


def submit_recheck(user, item, version: int) -> RecheckItem:
    """Submit the re-check: refused while the engine reports a problem; then the unit's score shows beside it."""
    if not can_recheck(user, item):
        raise _refused(item, user, "您不是该项目的复核人员，或复核已提交")
    with transaction.atomic():
        locked = RecheckItem.objects.select_for_update().get(pk=item.pk)
        if locked.version != version:
            raise StaleDocument()
        score = score_item(item)
        if score.problems:
            raise ValidationError("不能提交复核：" + "；".join(p.message for p in score.problems))
        if not (item.opinion or "").strip():
            raise ValidationError({"opinion": "请填写复核意见"})
        values = form_scoring.stored_values(score)
        RecheckItem.objects.filter(pk=item.pk).update(
            **values, status=RecheckStatus.SUBMITTED, submitted_at=clock.now(), version=version + 1
        )
        trail.record(
            AuditAction.TRANSITION,
            item,
            changes={
                "状态": [RecheckStatus.PENDING.label, RecheckStatus.SUBMITTED.label],
                "复核得分": [None, _text(values["total_score"])],
            },
            reason="提交复核",
        )
    item.refresh_from_db()
    return item


def _text(value):
    return None if value is None else f"{value}"

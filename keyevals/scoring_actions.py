"""Multi-scorer scoring of a key evaluation (seed 003 第三十九条 评分; 附件5 score table; seed 000 第二十八条 grades).

Each function is one transaction: guard, change, audit row (docs/STYLE.md). Pages (``views_scoring``), the API
(``api_scoring``) and the demo (``demo_scoring``) call these and nothing else.

* ``ensure_sheets`` — while the evaluation is in 评分, every working-group member who scores (``scores``) and has an
  account gets a sheet with one row per indicator of the approved plan (lazily, on first open; idempotent).
* ``save_scores`` / ``submit_sheet`` — the scorer's own sheet only: points from 0 to the indicator's weight (two
  decimals) and a comment, required when the points are below full marks; saved with the version the scorer read
  (optimistic lock); submitted once and then final (the database refuses changes: keyevals/apps.py). Refused with a
  Chinese message and nothing changed: someone else's sheet, a second submission, after the deadline
  (``scoring_due`` on the business clock), outside the 评分 stage, points out of range, a missing indicator.
* ``summarise`` — the aggregate of the submitted sheets by ``keyevals.aggregation`` (pure): the mean or trimmed mean
  per indicator, disagreement flags, agreement, total and the grade of the plan's framework.
* ``visibility`` — what a reader may see (scoring is blind): a scorer sees nothing of others' points or comments
  until his or her own sheet is submitted; the aggregate then, and the per-scorer points only once scoring is
  closed; the organiser sees who has submitted, and the aggregate once scoring is closed.
* ``close_scoring`` — the lifecycle step 结束评分并汇总 (keyevals.lifecycle), storing the total and the grade.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Count, F
from django.urls import reverse
from django.utils import timezone

from audit import trail
from audit.models import AuditAction
from core import access, clock, todo
from keyevals import aggregation
from keyevals import lifecycle as keyeval_lifecycle
from keyevals.models import (
    KeyEvaluation,
    KeyStatus,
    PlanIndicator,
    Score,
    ScoreSheet,
    SheetStatus,
    WorkingGroupMember,
    WorkPlan,
)
from workflow.actions import StaleDocument
from workflow.guards import holds_role_over
from workflow.models import ReviewStatus

# The aggregation rules (keyevals/aggregation.py: *practice*, parameters with defaults).
PARAMS = aggregation.DEFAULT
CLOSED = frozenset({KeyStatus.REPORTING, KeyStatus.CONCLUDED, KeyStatus.ARCHIVED})

NOT_YOURS = "这不是您的评分表：只有评分人本人可以填写和提交自己的评分表"
NOT_A_SCORER = "您不是本次评价工作组的评分成员，没有评分表"
ALREADY_SUBMITTED = "评分表已提交，不能重复提交或再修改"
COMMENT_RULE = "得分低于该指标分值（未得满分）时须填写评分说明（扣分理由）"


# ---------------------------------------------------------------------------------------------- who and what


def is_organiser(user, evaluation) -> bool:
    """The performance section or the department that organises the evaluation (the lifecycle's roles)."""
    return holds_role_over(user, evaluation, keyeval_lifecycle.ORGANISER_ROLES)


def is_closed(evaluation) -> bool:
    return evaluation.status in CLOSED


def past_due(evaluation) -> bool:
    return evaluation.scoring_due is not None and clock.today() > evaluation.scoring_due


def approved_plan(evaluation) -> WorkPlan | None:
    return (
        WorkPlan.objects.filter(evaluation=evaluation, status=ReviewStatus.APPROVED).select_related("framework").first()
    )


def plan_indicators(evaluation):
    return PlanIndicator.objects.filter(plan__evaluation=evaluation, plan__status=ReviewStatus.APPROVED).order_by(
        "order", "pk"
    )


def own_sheet(evaluation, user) -> ScoreSheet | None:
    if user is None or not user.is_authenticated:
        return None
    return ScoreSheet.objects.filter(evaluation=evaluation, scorer=user).select_related("member").first()


def scoring_member(evaluation, user) -> WorkingGroupMember | None:
    if user is None or not user.is_authenticated:
        return None
    return WorkingGroupMember.objects.filter(evaluation=evaluation, user=user, scores=True).first()


def _audit_refusal(obj, user, exc: PermissionDenied) -> None:
    """A refused action is audited outside the action's transaction (which its refusal rolls back)."""
    trail.record(AuditAction.PERMISSION_DENIED, obj, actor=user if user and user.pk else None, reason=str(exc))


# ---------------------------------------------------------------------------------------------- sheets


def ensure_sheets(evaluation) -> int:
    """Give every scoring member with an account a sheet, and every draft sheet a row per indicator of the approved
    plan, while the evaluation is in 评分; the number of sheets created. One cheap query when nothing is missing."""
    if evaluation.status != KeyStatus.SCORING:
        return 0
    members = list(
        WorkingGroupMember.objects.filter(evaluation=evaluation, scores=True, user__isnull=False).values_list(
            "pk", "user_id"
        )
    )
    if not members:
        return 0
    sheets = {
        scorer: (status, rows)
        for scorer, status, rows in ScoreSheet.objects.filter(evaluation=evaluation)
        .annotate(rows=Count("scores"))
        .values_list("scorer_id", "status", "rows")
    }
    indicators = list(plan_indicators(evaluation).values_list("pk", flat=True))
    if not indicators:
        return 0
    missing = any(user_id not in sheets for _, user_id in members) or any(
        status == SheetStatus.DRAFT and rows < len(indicators) for status, rows in sheets.values()
    )
    if not missing:
        return 0
    return _create_sheets(evaluation, members, indicators)


def _create_sheets(evaluation, members, indicators) -> int:
    with transaction.atomic():
        # One creator at a time: a second request waits here and then finds the sheets made.
        KeyEvaluation.objects.select_for_update().filter(pk=evaluation.pk).first()
        have = {s.scorer_id: s for s in ScoreSheet.objects.filter(evaluation=evaluation)}
        created = []
        for member_id, user_id in members:
            if user_id in have:
                continue
            sheet = ScoreSheet(evaluation=evaluation, member_id=member_id, scorer_id=user_id)
            sheet.save()
            have[user_id] = sheet
            created.append(sheet)
        drafts = [s for s in have.values() if s.status == SheetStatus.DRAFT]
        present = set(Score.objects.filter(sheet__in=drafts).values_list("sheet_id", "indicator_id"))
        Score.objects.bulk_create(
            Score(sheet=sheet, evaluation=evaluation, indicator_id=indicator_id)
            for sheet in drafts
            for indicator_id in indicators
            if (sheet.pk, indicator_id) not in present
        )
        for sheet in created:
            trail.record(
                AuditAction.CREATE,
                sheet,
                changes={"评分人": [None, str(sheet.member.name)], "指标数": [None, len(indicators)]},
                reason="评分阶段：为评分成员生成评分表",
            )
    return len(created)


def _guard(user, sheet) -> None:
    """Raise the refusal of ``user`` changing ``sheet`` now (the sheet as locked, with its evaluation)."""
    evaluation = sheet.evaluation
    if user is None or sheet.scorer_id != user.pk:
        raise PermissionDenied(NOT_YOURS)
    member = sheet.member
    if member.user_id != user.pk or not member.scores:
        raise PermissionDenied(NOT_A_SCORER)
    if sheet.status == SheetStatus.SUBMITTED:
        raise ValidationError(ALREADY_SUBMITTED)
    if evaluation.status != KeyStatus.SCORING:
        raise ValidationError(
            f"该评价当前处于“{evaluation.get_status_display()}”阶段，不在评分阶段，不能评分或提交评分表"
        )
    if past_due(evaluation):
        raise ValidationError(f"评分已于 {evaluation.scoring_due:%Y-%m-%d} 截止，不能再评分或提交评分表")


def _lock(sheet) -> ScoreSheet:
    return ScoreSheet.objects.select_for_update(of=("self",)).select_related("evaluation", "member").get(pk=sheet.pk)


def _apply(user, locked, rows) -> dict:
    """Write ``rows`` ({indicator id: {"points": typed, "comment": text}}) to the locked sheet's scores; the audit
    changes. Refuses the whole set (nothing written) when any value is wrong."""
    scores = {s.indicator_id: s for s in locked.scores.select_related("indicator")}
    positions = {pk: n for n, pk in enumerate(sorted(scores, key=lambda k: (scores[k].indicator.order, k)), 1)}
    errors: dict[str, list[str]] = {}
    planned = []
    for key, values in (rows or {}).items():
        try:
            score = scores.get(int(key))
        except (TypeError, ValueError):
            score = None
        if score is None:
            errors.setdefault("rows", []).append(f"指标 {key} 不属于该评分表，请刷新页面后重新填写")
            continue
        values = values or {}
        indicator = score.indicator
        label = f"第 {positions[indicator.pk]} 项指标“{indicator.name}”"
        points, comment = score.points, score.comment
        if "points" in values:
            points, problem = aggregation.check_points(values["points"], indicator.weight)
            if problem:
                errors.setdefault(f"row-{indicator.pk}-points", []).append(f"{label}：{problem}")
                continue
        if "comment" in values:
            comment = str(values["comment"] or "").strip()
            if len(comment) > 2000:
                errors.setdefault(f"row-{indicator.pk}-comment", []).append(f"{label}：评分说明不能超过 2,000 字")
                continue
        planned.append((score, points, comment, label))
    if errors:
        raise ValidationError(errors)
    changes, changed = {}, []
    for score, points, comment, _label in planned:
        name = score.indicator.name
        if points != score.points:
            changes[f"{name}·得分"] = [_text(score.points), _text(points)]
        if comment != score.comment:
            changes[f"{name}·评分说明"] = [score.comment, comment]
        if points != score.points or comment != score.comment:
            score.points, score.comment = points, comment
            changed.append(score)
    if changed:
        Score.objects.bulk_update(changed, ["points", "comment"])
    return changes


def _text(value) -> str | None:
    return None if value is None else f"{value}"


def save_scores(user, sheet, version: int, rows: dict) -> ScoreSheet:
    """Save the scorer's points and comments (a draft: incomplete is fine, wrong is refused)."""
    try:
        with transaction.atomic():
            locked = _lock(sheet)
            _guard(user, locked)
            if locked.version != version:
                raise StaleDocument()
            changes = _apply(user, locked, rows)
            if changes:
                ScoreSheet.objects.filter(pk=locked.pk).update(version=F("version") + 1)
                trail.record(AuditAction.UPDATE, locked, changes=changes, actor=user, reason="保存评分")
    except PermissionDenied as exc:
        _audit_refusal(sheet, user, exc)
        raise
    locked.refresh_from_db()
    return locked


def completeness(sheet) -> list[str]:
    """What keeps ``sheet`` from being submitted: indicators without points, scores below full marks without a
    comment (the messages name the indicator)."""
    found = []
    for position, score in enumerate(sheet.scores.select_related("indicator").order_by("indicator__order"), 1):
        indicator = score.indicator
        label = f"第 {position} 项指标“{indicator.name}”"
        if score.points is None:
            found.append(f"{label}尚未评分")
        elif aggregation.comment_required(score.points, indicator.weight) and not score.comment.strip():
            found.append(f"{label}得分 {score.points} 低于分值 {aggregation.fmt(indicator.weight)} 分，请填写评分说明")
    return found


def submit_sheet(user, sheet, version: int, rows: dict | None = None) -> ScoreSheet:
    """Submit the sheet (saving ``rows`` first, in the same transaction): every indicator scored, a comment wherever
    points are below full marks. Final: a second submission — also two at the same moment, which wait on the row
    lock — is refused as already submitted."""
    try:
        with transaction.atomic():
            locked = _lock(sheet)
            _guard(user, locked)
            if locked.version != version:
                raise StaleDocument()
            changes = _apply(user, locked, rows) if rows else {}
            if changes:
                trail.record(AuditAction.UPDATE, locked, changes=changes, actor=user, reason="保存评分")
            found = completeness(locked)
            if found:
                raise ValidationError("评分表未能提交：" + "；".join(found))
            total = sum((s.points for s in locked.scores.all()), aggregation.ZERO)
            ScoreSheet.objects.filter(pk=locked.pk, status=SheetStatus.DRAFT).update(
                status=SheetStatus.SUBMITTED, submitted_at=clock.now(), version=F("version") + 1
            )
            trail.record(
                AuditAction.TRANSITION,
                locked,
                changes={
                    "状态": [SheetStatus.DRAFT.label, SheetStatus.SUBMITTED.label],
                    "本人评分合计": [None, f"{total}"],
                },
                actor=user,
                reason="提交评分表",
            )
    except PermissionDenied as exc:
        _audit_refusal(sheet, user, exc)
        raise
    locked.refresh_from_db()
    return locked


# ---------------------------------------------------------------------------------------------- reading


@dataclass(frozen=True)
class Visibility:
    """What one reader may see of an evaluation's scoring (blind until one's own sheet is submitted)."""

    organiser: bool
    closed: bool
    own: ScoreSheet | None = None
    member: bool = False  # a scoring member of the working group (with or without a sheet yet)

    @property
    def own_submitted(self) -> bool:
        return self.own is not None and self.own.status == SheetStatus.SUBMITTED

    @property
    def blind(self) -> bool:
        """A scorer who has not submitted (and scoring still open): nothing of the others' scores."""
        return not self.closed and (self.member or self.own is not None) and not self.own_submitted

    @property
    def aggregate(self) -> bool:
        return self.closed or self.own_submitted

    @property
    def individual(self) -> bool:
        """Each scorer's points and comments, and the per-scorer agreement: once scoring is closed."""
        return self.closed

    @property
    def names(self) -> bool:
        """Who has submitted (progress): the organiser, and everyone once scoring is closed."""
        return self.closed or self.organiser


def visibility(evaluation, user, own: ScoreSheet | None = None) -> Visibility:
    own = own if own is not None else own_sheet(evaluation, user)
    member = own is not None or scoring_member(evaluation, user) is not None
    return Visibility(is_organiser(user, evaluation), is_closed(evaluation), own, member)


@dataclass
class Summary:
    evaluation: KeyEvaluation
    plan: WorkPlan | None
    indicators: list
    sheets: list  # every sheet, with member and scorer
    result: aggregation.Aggregate
    comments: dict = field(default_factory=dict)  # (sheet id, indicator id) → (points, comment) of submitted sheets

    @property
    def submitted(self) -> list:
        return [s for s in self.sheets if s.status == SheetStatus.SUBMITTED]

    @property
    def pending(self) -> list:
        return [s for s in self.sheets if s.status != SheetStatus.SUBMITTED]

    @property
    def grade_lines(self) -> list:
        return list(self.plan.framework.grade_lines) if self.plan else []


def summarise(evaluation, params: aggregation.Params = PARAMS) -> Summary:
    """The aggregate of the submitted sheets (a fixed number of queries, whatever the number of scorers)."""
    plan = approved_plan(evaluation)
    indicators = list(plan.indicators.order_by("order", "pk")) if plan else []
    sheets = list(
        ScoreSheet.objects.filter(evaluation=evaluation).select_related("member", "scorer").order_by("member__id", "pk")
    )
    submitted = [s.pk for s in sheets if s.status == SheetStatus.SUBMITTED]
    given: dict = {}
    for sheet_id, indicator_id, points, comment in Score.objects.filter(sheet_id__in=submitted).values_list(
        "sheet_id", "indicator_id", "points", "comment"
    ):
        given[(sheet_id, indicator_id)] = (points, comment)
    inputs = [
        aggregation.IndicatorScores(
            indicator.pk,
            indicator.name,
            indicator.weight,
            {
                sheet_id: given[(sheet_id, indicator.pk)][0]
                for sheet_id in submitted
                if given.get((sheet_id, indicator.pk), (None,))[0] is not None
            },
        )
        for indicator in indicators
    ]
    result = aggregation.aggregate(inputs, plan.framework.grade_lines if plan else (), params, scorers=submitted)
    return Summary(evaluation, plan, indicators, sheets, result, given)


def close_scoring(user, evaluation, version: int, reason: str = "") -> KeyEvaluation:
    """结束评分并汇总: the lifecycle step (organiser only; every scorer submitted, or the deadline passed with at least
    one sheet in), storing the aggregate's total and grade on the evaluation."""

    def apply(fresh):
        summary = summarise(fresh)
        result = summary.result
        if result.total is None:
            raise ValidationError("无法汇总评分：" + "；".join(result.problems))
        before = _text(fresh.total_score)
        return {
            "评价得分": [before, f"{result.total}"],
            "评价等级": [fresh.grade or None, result.grade],
            "参与汇总的评分表": [None, result.scorer_count],
            "_fields": {"total_score": result.total, "grade": result.grade},
        }

    return keyeval_lifecycle.run("close_scoring", evaluation, user, version=version, reason=reason, apply=apply)


def may_close(user, evaluation) -> bool:
    return keyeval_lifecycle.LIFECYCLE.may(user, evaluation, "close_scoring")


# ---------------------------------------------------------------------------------------------- the panel


def panel(evaluation, user) -> dict:
    """The scoring card of the evaluation's page (templates/keyevals/_scoring_panel.html): progress, the reader's own
    sheet, the summary link, and the total and grade when the reader may see them. Never another scorer's points."""
    ensure_sheets(evaluation)
    stage = evaluation.status
    started = stage == KeyStatus.SCORING or stage in CLOSED
    sheets = (
        list(ScoreSheet.objects.filter(evaluation=evaluation).values_list("scorer_id", "status")) if started else []
    )
    own = own_sheet(evaluation, user) if started else None
    seen = visibility(evaluation, user, own) if started else None
    submitted = sum(1 for _, status in sheets if status == SheetStatus.SUBMITTED)
    return {
        "evaluation": evaluation,
        "started": started,
        "open": stage == KeyStatus.SCORING,
        "closed": stage in CLOSED,
        "submitted": submitted,
        "total": len(sheets),
        "own": own,
        "sheet_url": reverse("keyevals:scoring_sheet", args=[evaluation.pk]) if own is not None else "",
        "summary_url": reverse("keyevals:scoring_summary", args=[evaluation.pk]),
        "deadline": evaluation.scoring_due,
        "past_due": past_due(evaluation),
        "can_close": started and stage == KeyStatus.SCORING and may_close(user, evaluation),
        "visibility": seen,
        "shows_result": bool(seen and seen.closed and evaluation.total_score is not None),
    }


# ---------------------------------------------------------------------------------------------- 待办


def _waiting(user):
    """The evaluations in 评分 where ``user`` is a scoring member without a submitted sheet (and reaches it)."""
    done = ScoreSheet.objects.filter(scorer=user, status=SheetStatus.SUBMITTED).values("evaluation_id")
    reached = access.restrict(KeyEvaluation.objects.filter(status=KeyStatus.SCORING), user).values("pk")
    return WorkingGroupMember.objects.filter(
        user=user, scores=True, evaluation__status=KeyStatus.SCORING, evaluation__in=reached
    ).exclude(evaluation_id__in=done)


def todo_provider(user) -> list[todo.TodoItem]:
    if not user.is_authenticated:
        return []
    items = []
    for member in _waiting(user).select_related("evaluation__evaluated"):
        evaluation = member.evaluation
        due = evaluation.scoring_due
        items.append(
            todo.TodoItem(
                title=f"重点评价评分：{evaluation.title}",
                url=reverse("keyevals:scoring_sheet", args=[evaluation.pk]),
                stage="evaluation",
                kind="评分",
                organisation=evaluation.evaluated.name,
                due_at=timezone.make_aware(datetime.datetime.combine(due, datetime.time(23, 59))) if due else None,
            )
        )
    return items


def todo_count(user) -> dict[str, int]:
    if not user.is_authenticated:
        return {}
    return {"evaluation": _waiting(user).count()}


todo.register(todo_provider, count=todo_count)

"""Reviewers' comments pinned to indicators; a return of a target sheet lists the open ones in its opinion (a
workflow hook, workflow/hooks.py)."""

from __future__ import annotations

from collections import defaultdict

from django.core.exceptions import ValidationError
from django.db import transaction

from audit import trail
from audit.models import AuditAction
from core import services
from targets.actions.sheets import _refused
from targets.models import IndicatorComment
from workflow import guards, hooks
from workflow.models import ReviewStatus


def can_comment(user, sheet) -> bool:
    """Whoever may review the sheet at the step it stands at (workflow.guards.can_act) while it is in review."""
    return sheet.status == ReviewStatus.IN_REVIEW and guards.can_act(user, sheet)


def add_comment(sheet, user, text: str, indicator=None) -> IndicatorComment:
    text = (text or "").strip()
    if not text:
        raise ValidationError({"text": "请填写意见"})
    if not can_comment(user, sheet):
        raise _refused(sheet, user, "只有当前环节的审核人可以对指标提出意见")
    if indicator is not None and indicator.sheet_id != sheet.pk:
        raise ValidationError("指标不属于该绩效目标申报表")
    with transaction.atomic():
        comment = IndicatorComment(
            sheet=sheet,
            indicator=indicator,
            text=text,
            author=user,
            author_name=str(user),
            step_name=sheet.current_step_name,
            indicator_key=indicator.key if indicator else "",
            indicator_label=str(indicator) if indicator else "",
        )
        comment.full_clean()
        comment.save()
        trail.record(
            AuditAction.CREATE,
            comment,
            changes=trail.diff({}, trail.snapshot(comment), IndicatorComment),
            actor=user,
            reason=f"{sheet}：指标审核意见",
        )
    return comment


def can_resolve(user, comment) -> bool:
    """The comment's author, or whoever acts on the sheet now (the preparer after a return, the reviewer of the
    current step), marks it resolved."""
    sheet = comment.sheet
    return sheet.status != ReviewStatus.APPROVED and (comment.author_id == user.pk or guards.can_act(user, sheet))


def resolve_comment(comment, user, resolved: bool = True) -> IndicatorComment:
    if not can_resolve(user, comment):
        raise _refused(comment.sheet, user, "无权处理该意见")
    with transaction.atomic():
        services.update_record(comment, {"resolved": resolved}, reason="意见已处理" if resolved else "意见重新打开")
    return comment


def lineage_comments(sheet):
    """The comments of this sheet and of its earlier revisions (they stay with the indicator across adjustments)."""
    return (
        IndicatorComment.objects.filter(
            sheet__subject_id=sheet.subject_id,
            sheet__fiscal_year=sheet.fiscal_year,
            sheet__revision__lte=sheet.revision,
        )
        .select_related("sheet")
        .order_by("created_at", "pk")
    )


def comments_by_indicator(sheet) -> tuple[dict, list]:
    """{indicator id: [comments]} for the sheet's indicators (matched by key), and the rest (sheet-wide or
    for an indicator no longer on the sheet)."""
    keys = {i.key: i.pk for i in sheet.indicators.all()}
    pinned, other = defaultdict(list), []
    for c in lineage_comments(sheet):
        target = (
            c.indicator_id if c.indicator_id in keys.values() and c.sheet_id == sheet.pk else keys.get(c.indicator_key)
        )
        (pinned[target] if target else other).append(c)
    return dict(pinned), other


@hooks.return_opinion("targets.targetsheet")
def return_opinion(sheet, opinion: str) -> str:
    """The opinion of a return, with the open comments on the sheet listed under it."""
    open_comments = [c for c in lineage_comments(sheet) if not c.resolved]
    if not open_comments:
        return opinion
    lines = [
        f"{n}. 【{c.indicator_label or '整表'}】{c.text}（{c.author_name}，{c.step_name}）"
        for n, c in enumerate(open_comments, start=1)
    ]
    return "\n".join(filter(None, [(opinion or "").strip(), "指标审核意见：", *lines]))

"""The feedback letter (评价结果反馈意见函, seed 003 附件6): the organising office sends the draft report's findings to
the evaluated organisation with a reply date; the organisation replies (objection or not, its opinions on the
conclusion, on the suggestions, and other); "逾期未复，视为无异议" — no reply by the date counts as no objection.

The deadline rule (one function, ``deem_overdue``): a letter is still awaiting a reply on its reply date and is deemed
the day after. The daily background task (keyevals/tasks.py ``deem_unanswered_letters``, enqueued by ``manage.py
deem_feedback_letters``, docs/admin-guide.md) applies it to every letter; the pages apply it to the letters they open,
so that a letter is never shown as awaiting after its date, whether the task has run yet or not. Each deemed letter is
audited, in the system's name.

The reply date proposed is ``settings.JIXIAO_FEEDBACK_DAYS`` (10) days after sending — *practice*: 附件6 leaves the
date blank. The model keeps the reply as text: the three opinions are stored as headed sections of ``reply`` (a
stamped scan of the letter has no file field in the model; the unit's text is the record).
"""

from __future__ import annotations

import datetime

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from accounts.roles import Role
from audit import trail
from audit.context import acting_as
from audit.models import AuditAction
from core import clock, services, todo
from core.access import NOTHING
from core.docx import cn_date
from keyevals.models import EvaluationReport, FeedbackLetter, KeyEvaluation, KeyStatus, LetterStatus
from workflow import guards
from workflow.models import ReviewStatus

# Who answers for the evaluated organisation: its preparer, its head, its department's reviewer.
REPLY_ROLES = frozenset({Role.UNIT_PREPARER, Role.UNIT_HEAD, Role.DEPT_REVIEWER})
# The three opinions of 附件6 (项目单位意见), in the order printed.
REPLY_SECTIONS = (
    ("on_conclusion", "对报告中“评价结论”的意见"),
    ("on_suggestions", "对报告中“建议”的意见"),
    ("other", "其它意见或建议"),
)
DEEMED_TEXT = "逾期未复，视为无异议"
DEEMED_BY = "系统（反馈意见函逾期视同无异议）"
TOO_LATE = "反馈截止日期已过，该函已按“逾期未复，视为无异议”处理，不能再反馈；如有意见请与评价组织单位联系"


def feedback_days() -> int:
    return settings.JIXIAO_FEEDBACK_DAYS


def default_reply_due(today: datetime.date | None = None) -> datetime.date:
    return (today or clock.today()) + datetime.timedelta(days=feedback_days())


def report_title(evaluation) -> str:
    title = evaluation.title
    return title if title.endswith("报告") else f"{title}报告"


def default_body(evaluation) -> str:
    """附件6's text before the reply date (the date sentence is added to every letter: ``deadline_sentence``)."""
    return (
        f"按照相关规定和绩效评价要求，根据贵单位提供的资料和绩效评价工作组的现场评价情况，形成绩效评价报告。"
        f"现将《{report_title(evaluation)}》反馈贵单位。"
    )


def deadline_sentence(letter) -> str:
    return f"请于{cn_date(letter.reply_due)}前提出书面意见或说明，逾期未复，视为无异议。"


def compose_reply(sections: dict) -> str:
    """The reply as stored: each of the three opinions under its heading (empty ones as 无)."""
    parts = []
    for n, (key, heading) in enumerate(REPLY_SECTIONS, 1):
        parts.append(f"{n}. {heading}\n{(sections.get(key) or '').strip() or '无'}")
    return "\n\n".join(parts)


def parse_reply(text: str) -> list[tuple[str, str]]:
    """(heading, opinion) of each section of a stored reply; a reply not in that shape is one "反馈意见"."""
    if not text:
        return []
    found = []
    blocks = text.split("\n\n")
    for n, (_key, heading) in enumerate(REPLY_SECTIONS, 1):
        prefix = f"{n}. {heading}\n"
        block = next((b for b in blocks if b.startswith(prefix)), None)
        if block is None:
            return [("反馈意见", text)]
        found.append((heading, block[len(prefix) :]))
    return found


def status_label(letter) -> str:
    return letter.get_status_display() if letter else ""


# ---------------------------------------------------------------------------------------------- sending


def may_send(user, evaluation) -> bool:
    return guards.holds_role_over(user, evaluation, frozenset(_organiser_roles()))


def _organiser_roles():
    from keyevals.lifecycle import ORGANISER_ROLES

    return ORGANISER_ROLES


def send_refusal(evaluation) -> str:
    """Why no letter can be sent now ("" when one can): after the report draft exists, before it is approved, one
    letter awaiting a reply at a time."""
    if evaluation.status != KeyStatus.REPORTING:
        return "评价处于“报告”阶段时才能发送反馈意见函"
    report = EvaluationReport.objects.filter(evaluation=evaluation).first()
    if report is None:
        return "评价报告初稿形成后才能发送反馈意见函"
    if report.status == ReviewStatus.APPROVED:
        return "评价报告已审核通过，不能再发送反馈意见函"
    if FeedbackLetter.objects.filter(evaluation=evaluation, status=LetterStatus.AWAITING).exists():
        return "已有一份反馈意见函等待被评价单位反馈"
    return ""


def send_letter(user, evaluation: KeyEvaluation, *, body: str = "", reply_due=None, number: str = "") -> FeedbackLetter:
    """Send the feedback letter to the evaluated organisation (it appears in its 待办)."""
    if not may_send(user, evaluation):
        trail.record(AuditAction.PERMISSION_DENIED, evaluation, actor=user, reason="无权发送反馈意见函")
        raise PermissionDenied("只有组织本次评价的单位可以发送反馈意见函")
    reply_due = reply_due or default_reply_due()
    today = clock.today()
    if reply_due <= today:
        raise ValidationError({"reply_due": f"反馈截止日期须晚于今天（{today:%Y-%m-%d}）"})
    if reply_due > today + datetime.timedelta(days=90):
        raise ValidationError({"reply_due": "反馈截止日期不能超过发函后 90 天"})
    with transaction.atomic():
        KeyEvaluation.objects.select_for_update().filter(pk=evaluation.pk).first()
        refusal = send_refusal(evaluation)
        if refusal:
            raise ValidationError(refusal)
        letter = FeedbackLetter(
            evaluation=evaluation,
            number=(number or "").strip(),
            body=(body or "").strip() or default_body(evaluation),
            reply_due=reply_due,
            sent_at=clock.now(),
            sent_by=user,
        )
        services.create_record(letter, reason=f"发送评价结果反馈意见函，反馈截止 {reply_due:%Y-%m-%d}")
    return letter


# ---------------------------------------------------------------------------------------------- the deadline


def is_overdue(letter, today: datetime.date | None = None) -> bool:
    """Past its reply date without a reply: on the reply date itself the letter is still awaiting (请于…前)."""
    return letter.status == LetterStatus.AWAITING and (today or clock.today()) > letter.reply_due


def deem_overdue(*, today: datetime.date | None = None, evaluation=None, letter=None) -> int:
    """Mark every awaiting letter whose reply date has passed as 逾期未反馈，视同无异议 (seed 003 附件6); of one
    evaluation or one letter when given. Idempotent: a letter already replied to or deemed is left alone, and two runs
    at once deem each letter once (conditional update). Returns how many letters it deemed."""
    today = today or clock.today()
    rows = FeedbackLetter.objects.filter(status=LetterStatus.AWAITING, reply_due__lt=today)
    if evaluation is not None:
        rows = rows.filter(evaluation=evaluation)
    if letter is not None:
        rows = rows.filter(pk=letter.pk)
    deemed = 0
    for pk in list(rows.values_list("pk", flat=True)):
        # The system applies the rule, whoever's page (or the daily task) made it run.
        with acting_as(name=DEEMED_BY), transaction.atomic():
            now = clock.now()
            changed = FeedbackLetter.objects.filter(pk=pk, status=LetterStatus.AWAITING).update(
                status=LetterStatus.DEEMED, deemed_at=now, objection=False
            )
            if not changed:
                continue
            item = FeedbackLetter.objects.select_related("evaluation").get(pk=pk)
            trail.record(
                AuditAction.TRANSITION,
                item,
                changes={"状态": [LetterStatus.AWAITING.label, LetterStatus.DEEMED.label]},
                reason=f"反馈截止日期 {item.reply_due:%Y-%m-%d} 已过未反馈：{DEEMED_TEXT}（seed 003 附件6）",
            )
            deemed += 1
    if letter is not None and deemed:
        letter.refresh_from_db()
    return deemed


# ---------------------------------------------------------------------------------------------- the reply


def may_reply(user, letter) -> bool:
    """Someone of the evaluated organisation (not the organising office itself)."""
    if not guards.holds_role_over(user, letter, REPLY_ROLES):
        return False
    return not guards.holds_role_over(user, letter.evaluation, frozenset(_organiser_roles()))


def reply(user, letter: FeedbackLetter, *, objection: bool, sections: dict) -> FeedbackLetter:
    """The evaluated organisation's reply: objection or not, and the three opinions of 附件6. Refused after the
    reply date (the letter is then deemed: no objection) and once replied."""
    if not may_reply(user, letter):
        trail.record(AuditAction.PERMISSION_DENIED, letter, actor=user, reason="无权反馈")
        raise PermissionDenied("只有被评价单位可以反馈意见")
    deem_overdue(letter=letter)
    texts = {key: (sections.get(key) or "").strip() for key, _ in REPLY_SECTIONS}
    if objection and not any(texts.values()):
        raise ValidationError({"on_conclusion": "有异议时请写明对评价结论或建议的意见"})
    for key, heading in REPLY_SECTIONS:
        if len(texts[key]) > 5000:
            raise ValidationError({key: f"“{heading}”不能超过 5000 字"})
    with transaction.atomic():
        fresh = FeedbackLetter.objects.select_for_update().select_related("evaluation").get(pk=letter.pk)
        if fresh.status == LetterStatus.DEEMED:
            raise ValidationError(TOO_LATE)
        if fresh.status == LetterStatus.REPLIED:
            raise ValidationError("该函已反馈，不能重复反馈")
        services.update_record(
            fresh,
            {
                "status": LetterStatus.REPLIED,
                "objection": bool(objection),
                "reply": compose_reply(texts),
                "replied_at": clock.now(),
                "replied_by": user,
            },
            reason="被评价单位反馈意见：" + ("有异议" if objection else "无异议"),
        )
        trail.record(
            AuditAction.TRANSITION,
            fresh,
            changes={"状态": [LetterStatus.AWAITING.label, LetterStatus.REPLIED.label]},
            actor=user,
            reason="反馈意见",
        )
    letter.refresh_from_db()
    return letter


# ---------------------------------------------------------------------------------------------- 待办


def _awaiting_for(user):
    """Letters awaiting the reply of an organisation ``user`` answers for (one query)."""
    if user is None or not user.is_authenticated or not user.is_active:
        return FeedbackLetter.objects.none()
    result = NOTHING
    own = []
    for assignment in user.role_assignments():
        if assignment.role in REPLY_ROLES:
            q = guards._assignment_q(FeedbackLetter, assignment, user)
            if q is not NOTHING:
                result |= q
                own.append(assignment.organisation_id)
    if result is NOTHING:
        return FeedbackLetter.objects.none()
    today = clock.today()
    return (
        FeedbackLetter.objects.filter(result)
        .filter(status=LetterStatus.AWAITING, reply_due__gte=today)
        .exclude(Q(evaluation__organiser_id__in=own))
    )


def todo_provider(user) -> list[todo.TodoItem]:
    items = []
    for letter in _awaiting_for(user).select_related("evaluation__evaluated"):
        due = timezone.make_aware(datetime.datetime.combine(letter.reply_due, datetime.time(23, 59)))
        items.append(
            todo.TodoItem(
                title=f"评价结果反馈意见函：{letter.evaluation.title}",
                url=reverse("keyevals:letter", args=[letter.pk]),
                stage="evaluation",
                kind="反馈意见",
                organisation=letter.evaluation.evaluated.name,
                due_at=due,
                since=letter.sent_at,
            )
        )
    return items


def todo_count(user) -> dict[str, int]:
    n = _awaiting_for(user).count()
    return {"evaluation": n} if n else {}


todo.register(todo_provider, count=todo_count)

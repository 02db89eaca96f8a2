"""The state changes of the self-evaluation (单位自评). Pages, API and the demo call these; each is one transaction:
guard, change, audit row. Review transitions are ``workflow.actions`` (submit / approve / return); the hooks below
are their self-evaluation part (workflow/hooks.py).

Who does what:
* the performance section (预算绩效管理科) of a bureau opens the year's self-evaluation of its own region
  (``open_round``; seed 003 第二十三条 财政部门组织, seed 001 第二十条) and closes it (``LIFECYCLE``);
* the unit that spent the money fills its form (谁支出、谁自评, seed 003 第二十四条: 部门不得委托第三方自评 — the chain's
  step 0 is the unit preparer, and an agency reaches no form: it holds no assignment to one);
* its head, the department (真实性、准确性, seed 000 第二十四条（一）), the finance desk and the performance section
  (完整性、规范性; return for re-evaluation, seed 000 第二十四条（二）) review it along the chain.
"""

from __future__ import annotations

import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from accounts.roles import Capability, roles_with
from audit import trail
from audit.models import AuditAction
from core import access, clock, services, versioning
from evaluations import form_scoring
from evaluations.choices import Band, FourE, RoundStatus, SchemeKind
from evaluations.models import EvaluationScheme, SelfEvaluation, SelfEvaluationIndicator, SelfEvaluationRound
from workflow import actions as workflow
from workflow import hooks, lifecycle
from workflow.models import ReviewAction

OPEN_DENIED = "只有财政部门预算绩效管理科可以组织单位自评"
ROUND_ROLES = roles_with(Capability.OPEN_SELF_EVALUATION)
DUE_MONTHS_AFTER = 3  # proposed due date: 31 March of the next year (national practice; the form changes it)
# ``dimension`` is the 4E dimension of a row of a form scored by the 4E scheme (refused on any other form)
ROW_FIELDS = ("actual", "applicable", "surveyed", "band", "share", "deviation_reason", "improvement", "dimension")
# The narrative of the 绩效报告, in the order of seed 003 附件4 (绩效报告（提纲）): 二 项目主要内容; 五 2. 计划调整, 4. 目标完成,
# 5. 管理制度; the second 五 资金超支（节约）原因; 六 2. 社会影响, 3. 经验、问题和改进. Only 年度总体目标完成情况 is required to submit
# (``submission_problems``): the report fills the others from the form's data when the unit leaves them empty.
FORM_FIELDS = (
    "main_content",
    "plan_adjustment",
    "goal_completion",
    "management",
    "variance_reason",
    "social_impact",
    "experience",
    "problems",
    "measures",
)
NARRATIVE_MAX = 5000  # characters of one narrative field (page, API and Excel upload alike)


def round_organisation(user):
    """The organisation at which ``user`` organises self-evaluations, or None."""
    for assignment in access.capable_assignments(user, Capability.OPEN_SELF_EVALUATION):
        return assignment.organisation
    return None


def can_open_round(user) -> bool:
    return bool(user and user.is_authenticated and user.is_active and round_organisation(user) is not None)


def proposed_due_date(fiscal_year: int) -> datetime.date:
    return datetime.date(fiscal_year + 1, DUE_MONTHS_AFTER, 31)


NO_SCHEME = {
    SchemeKind.NATIONAL: ("fiscal_year", "没有现行的单位自评评价方案，请先发布评价方案"),
    SchemeKind.FOUR_E: ("purchased_service_four_e", "没有现行的政府购买服务 4E 评价方案，请先发布评价方案"),
}


def scheme_for(region, on: datetime.date, kind: str = SchemeKind.NATIONAL) -> EvaluationScheme:
    """The scheme version of ``kind`` (the national self-evaluation one unless told) in force for ``region`` on
    ``on`` (its own line, else the default line)."""
    scheme = versioning.in_force(EvaluationScheme, region, on=on, kind=kind)
    if scheme is None:
        field, message = NO_SCHEME[kind]
        raise ValidationError(message if kind == SchemeKind.NATIONAL else {field: message})
    return scheme


def open_round(
    user,
    *,
    fiscal_year: int,
    due_date,
    name: str = "",
    notice: str = "",
    transfer_subjects=(),
    reason: str = "",
    purchased_service_four_e: bool = False,
) -> SelfEvaluationRound:
    """Open the self-evaluation of ``fiscal_year`` for the user's own region; the forms are created by the background
    task ``evaluations.opening.open_forms`` after the commit. ``purchased_service_four_e``: the round's purchased
    services are scored by the 4E scheme in force for the region (seed 002 六（二）), the others by the national one."""
    organisation = round_organisation(user)
    if organisation is None:
        trail.record(
            AuditAction.PERMISSION_DENIED,
            object_type="evaluations.selfevaluationround",
            object_repr="组织单位自评",
            actor=user,
            reason=OPEN_DENIED,
        )
        raise PermissionDenied(OPEN_DENIED)
    if fiscal_year >= clock.today().year:
        raise ValidationError({"fiscal_year": f"{fiscal_year} 年度尚未结束，年度预算执行完毕后才能开展自评"})
    region = organisation.region
    transfer_subjects = list(transfer_subjects)
    evaluation_round = SelfEvaluationRound(
        organisation=organisation,
        region=region,
        fiscal_year=fiscal_year,
        name=name or f"{region.name} {fiscal_year} 年度绩效自评",
        due_date=due_date,
        notice=notice,
        scheme=scheme_for(region, clock.today()),
        purchased_service_scheme=scheme_for(region, clock.today(), SchemeKind.FOUR_E)
        if purchased_service_four_e
        else None,
        opened_by=user,
    )
    try:
        with transaction.atomic():
            services.create_record(evaluation_round, reason=reason or "组织单位自评")
            if transfer_subjects:
                set_transfer_list(evaluation_round, user, transfer_subjects, audit=False)
    except IntegrityError:
        raise ValidationError({"fiscal_year": "本区划该年度的单位自评已经开启"}) from None
    start_forms(evaluation_round)
    return evaluation_round


def start_forms(evaluation_round) -> None:
    """Enqueue the creation of the round's forms once the current transaction commits."""
    from evaluations.opening import open_forms

    round_id = evaluation_round.pk
    transaction.on_commit(lambda: open_forms.enqueue(round_id))


def can_manage_round(user, evaluation_round) -> bool:
    from workflow import guards

    organisation = round_organisation(user)
    return (
        organisation is not None
        and organisation.region_id == evaluation_round.region_id
        and guards.holds_role_over(user, evaluation_round, ROUND_ROLES)
    )


def set_transfer_list(evaluation_round, user, subjects, *, audit: bool = True) -> None:
    """The transfer payments the departments agreed with finance to self-evaluate (转移支付办法 第二十条（二）); forms
    for newly listed ones are created by running the opening again."""
    from evaluations import roster

    if not can_manage_round(user, evaluation_round):
        raise PermissionDenied("只有组织本轮自评的预算绩效管理科可以确定转移支付自评清单")
    subjects = list(subjects)
    allowed = set(
        roster.funded(evaluation_round.fiscal_year)
        .filter(organisation__region_id=evaluation_round.region_id, kind__in=roster.TRANSFER_KINDS)
        .filter(pk__in=[s.pk for s in subjects])
        .values_list("pk", flat=True)
    )
    outside = [s for s in subjects if s.pk not in allowed]
    if outside:
        names = "、".join(s.name for s in outside[:3])
        raise ValidationError(
            {"transfer_subjects": f"{names} 不是本级 {evaluation_round.fiscal_year} 年度已安排预算的转移支付项目"}
        )
    before = sorted(evaluation_round.transfer_subjects.values_list("pk", flat=True))
    evaluation_round.transfer_subjects.set(subjects)
    if audit:
        trail.record(
            AuditAction.UPDATE,
            evaluation_round,
            changes={"转移支付自评清单": [len(before), len(subjects)]},
            reason="确定转移支付自评清单",
        )


def rerun(evaluation_round, user) -> None:
    """Run the opening again: after a killed worker, or to add forms for newly listed transfer payments."""
    if not can_manage_round(user, evaluation_round):
        raise PermissionDenied("只有组织本轮自评的预算绩效管理科可以重新生成自评表")
    if evaluation_round.status == RoundStatus.CLOSED:
        raise ValidationError("本轮自评已结束")
    trail.record(AuditAction.UPDATE, evaluation_round, changes={}, reason="重新生成（补充）绩效自评表")
    start_forms(evaluation_round)


LIFECYCLE = lifecycle.register(
    lifecycle.Lifecycle(
        model=SelfEvaluationRound,
        noun="单位自评轮次",
        documents=("forms",),
        steps={
            "close": lifecycle.Step(
                "结束本轮自评",
                frozenset({RoundStatus.OPEN}),
                RoundStatus.CLOSED,
                ROUND_ROLES,
                denied="只有组织本轮自评的预算绩效管理科可以结束轮次",
            ),
        },
    )
)


# --- the form ------------------------------------------------------------------------------------------------------


def clean_row_values(row, values: dict, position: int) -> dict:
    """The typed values of one row, checked: each problem names the row and the field."""
    clean = {}
    label = f"第 {position} 项指标“{row.name}”"
    for key in ROW_FIELDS:
        if key not in values:
            continue
        value = values[key]
        if key in ("applicable", "surveyed"):
            clean[key] = value in (True, "on", "true", "1", 1, "True")
        elif key == "band":
            value = (value or "").strip()
            if value and value not in Band.values:
                raise ValidationError({f"row-{row.pk}-band": f"{label}的“评价档次”无效"})
            clean[key] = value
        elif key == "share":
            value = "" if value is None else str(value).strip()
            if value == "":
                clean[key] = None
                continue
            from evaluations.scoring import number

            try:
                clean[key] = number(value)
            except ValueError:
                raise ValidationError(
                    {f"row-{row.pk}-share": f"{label}的“档次内得分比例”必须是数字，现为“{value}”"}
                ) from None
        elif key == "actual":
            value = "" if value is None else str(value).strip()
            if row.kind != "qualitative" and value:
                from evaluations.scoring import number

                try:
                    number(value)
                except ValueError:
                    raise ValidationError(
                        {f"row-{row.pk}-actual": f"{label}的“全年实际值”必须是数字，现为“{value}”"}
                    ) from None
            clean[key] = value[:200]
        elif key == "dimension":
            clean[key] = _dimension(row, value, label)
        else:
            clean[key] = "" if value is None else str(value)
    return clean


def save_form(form, user, version: int, *, data: dict | None = None, rows: dict | None = None, reason: str = ""):
    """The unit's edit: the narrative (``workflow.actions.save_edit``: preparer only, draft or returned, optimistic
    lock) and the indicator rows ({row id: {field: value}}); the score recomputed on the server and stored."""
    data = {k: v for k, v in (data or {}).items() if k in FORM_FIELDS}
    _check_narrative(data)
    with transaction.atomic():
        for key, value in data.items():
            setattr(form, key, value)
        workflow.save_edit(form, user, version, data=data or None, reason=reason or "填报绩效自评表")
        current = list(form.indicators.all())
        by_id = {r.pk: r for r in current}
        changes = {}
        for row_id, values in (rows or {}).items():
            try:
                row = by_id.get(int(row_id))
            except (TypeError, ValueError):
                row = None
            if row is None:
                raise ValidationError(f"指标行 {row_id} 不属于该自评表")
            position = current.index(row) + 1
            for key, value in clean_row_values(row, values, position).items():
                old = getattr(row, key)
                if old != value:
                    changes[f"{row.name}·{SelfEvaluationIndicator._meta.get_field(key).verbose_name}"] = [
                        _shown(key, old),
                        _shown(key, value),
                    ]
                    setattr(row, key, value)
        for row in current:
            row.full_clean(exclude=["evaluation", "target_indicator"])
        changes.update(_store_score(form, current))
        if changes:
            trail.record(AuditAction.UPDATE, form, changes=changes, reason=reason or "填报自评指标")
    form.refresh_from_db()
    return form


def _check_narrative(data: dict) -> None:
    """Each narrative field is text of at most ``NARRATIVE_MAX`` characters; the refusal names the field."""
    for key, value in data.items():
        label = SelfEvaluation._meta.get_field(key).verbose_name
        if value is not None and not isinstance(value, str):
            raise ValidationError({key: f"“{label}”应为文字"})
        if len(value or "") > NARRATIVE_MAX:
            raise ValidationError(
                {key: f"“{label}”长度为 {len(value):,} 个字，超过上限 {NARRATIVE_MAX:,} 个字，请精简后再保存"}
            )


def _text(value):
    return None if value is None else f"{value}"


def _dimension(row, value, label: str) -> str:
    """A row's 4E dimension (a ``FourE`` code, or "" for none), only on a form scored by the 4E scheme."""
    value = "" if value is None else str(value).strip()
    if not form_scoring.is_four_e(row.evaluation):
        if value:
            raise ValidationError({f"row-{row.pk}-dimension": f"{label}：本自评表不按 4E 方案计分，不能选择 4E 维度"})
        return row.dimension
    if value and value not in FourE.values:
        raise ValidationError(
            {f"row-{row.pk}-dimension": f"{label}的“4E 维度”“{value}”无效，应为经济性、效率性、有效性、公平性之一"}
        )
    return value


def _shown(key: str, value):
    """A row value as the history shows it: a band or a 4E dimension by its Chinese name, 是/否 for the checkboxes."""
    if key == "band":
        return Band(value).label if value in Band.values else _text(value)
    if key == "dimension":
        return FourE(value).label if value in FourE.values else "（未选择）"
    if key in ("applicable", "surveyed"):
        return "是" if value else "否"
    return _text(value)


def _store_score(form, rows) -> dict:
    """Recompute the score of ``form`` on ``rows`` and store it (rows and form); the changed totals, for the audit."""
    score = form_scoring.score_form(form, rows)
    for row in rows:
        result = row.result
        row.score = result.score if result is not None else None
        row.explanation = (result.explanation if result is not None else "")[:500]
    if rows:
        SelfEvaluationIndicator.objects.bulk_update(rows, [*ROW_FIELDS, "score", "explanation"])
    values = form_scoring.stored_values(score)
    changes = {}
    for key, value in values.items():
        old = getattr(form, key)
        if old != value:
            changes[SelfEvaluation._meta.get_field(key).verbose_name] = [_text(old), _text(value)]
            setattr(form, key, value)
    SelfEvaluation.objects.filter(pk=form.pk).update(**values)
    return changes


def submission_problems(form) -> list[str]:
    """What stops a submission: data the engine cannot score, and deviations without a reason and a measure."""
    rows = list(form.indicators.all())
    score = form_scoring.score_form(form, rows)
    found = [p.message for p in score.problems]
    found += form_scoring.deviation_problems(score)
    if not (form.goal_completion or "").strip():
        found.append("尚未填写“年度总体目标完成情况”")
    return found


@hooks.initial_state("evaluations.selfevaluation")
def form_due(form) -> dict:
    """A form is due at the end of its round's 报送截止日期."""
    end = datetime.datetime.combine(form.round.due_date, datetime.time(23, 59, 59))
    return {"step_due_at": timezone.make_aware(end) if timezone.is_naive(end) else end}


@hooks.before_transition("evaluations.selfevaluation")
def before_transition(form, action: str, to_status: str, user) -> dict:
    """Submission: the score is recomputed on the server from the stored data and frozen; refused while the engine
    reports a problem or a deviation lacks its reason and measure; the first submission time is kept for lateness.
    Approval by the last step stamps the approval time."""
    from workflow.models import ReviewStatus

    changes = {}
    if action == ReviewAction.SUBMIT:
        if form.round.status == RoundStatus.CLOSED:
            raise ValidationError("本轮自评已结束，不能再报送")
        problems = submission_problems(form)
        if problems:
            raise ValidationError("不能报送：" + "；".join(problems))
        changes.update(_store_score(form, list(form.indicators.all())))
        if form.submitted_at is None:
            now = clock.now()
            SelfEvaluation.objects.filter(pk=form.pk).update(submitted_at=now)
            changes["首次报送时间"] = [None, timezone.localtime(now).strftime("%Y-%m-%d %H:%M")]
    if to_status == ReviewStatus.APPROVED:
        SelfEvaluation.objects.filter(pk=form.pk).update(approved_at=clock.now())
    return changes


def refuse(obj, user, exc: PermissionDenied) -> PermissionDenied:
    trail.record(AuditAction.PERMISSION_DENIED, obj, actor=user, reason=str(exc))
    return exc

"""What changes a survey: designing (the survey's own fields, its questions added, edited, deleted and reordered while
it is a draft), publishing and closing. One function per change, one transaction each, audited (core.services), the
same for the pages (surveys/views.py) and the API (surveys/api.py).

Who designs: the organising office of the key evaluation the survey serves (a role of
``keyevals.lifecycle.ORGANISER_ROLES`` over it) or a third-party agency assigned to that evaluation (seed 004: the
agency carries out the questionnaire for finance). The survey belongs to the evaluation's organiser; an assigned
agency reaches it through a ``core.models.Assignment`` on the survey, made when the survey is created (and again when
it is published, for an agency assigned to the evaluation in between).

A published survey's questions never change (its answers would no longer mean what they meant); a draft's do.
Responses are not audited one by one: each is its own record (docs/decisions/0043-anonymous-surveys.md).
"""

from __future__ import annotations

from contextlib import contextmanager

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Max

from accounts.roles import Action, Role
from audit import trail
from audit.context import acting_as, current_actor
from audit.models import AuditAction
from core import access, clock, services
from core.models import Assignment
from organisations.choices import OrgKind
from surveys.models import Question, QuestionKind, Survey, SurveyStatus

NOT_DESIGNER = "只有组织本次评价的单位或受托的第三方机构可以设计问卷"
NOT_DRAFT = "问卷已发布，题目不能再修改"
ARCHIVED = "评价已归档，不能再新建或发布问卷"
MAX_OPTIONS = 30
MAX_OPTION_CHARS = 100
MAX_QUESTIONS = 60
# Survey fields a designer may change in each state: a published survey keeps its wording; its deadline and the
# population used for the margin of error may still be corrected.
EDITABLE = {
    SurveyStatus.DRAFT: ("title", "intro", "population", "opens_at", "closes_at"),
    SurveyStatus.PUBLISHED: ("population", "closes_at"),
    SurveyStatus.CLOSED: ("population",),
}


@contextmanager
def _acting(user):
    """Audit rows name ``user`` (a request already does; the API's token users and the demo need it said)."""
    current = current_actor()
    if getattr(current.user, "pk", None) == getattr(user, "pk", None):
        yield
        return
    with acting_as(user, ip=current.ip):
        yield


# ---------------------------------------------------------------------------------------------- who


def record_of(survey: Survey):
    """The record the survey serves (a key evaluation), or None."""
    if not survey.content_type_id or not survey.object_id:
        return None
    model = survey.content_type.model_class()
    return model._default_manager.filter(pk=survey.object_id).first() if model else None


def agency_ids(record) -> set[int]:
    """The agencies (organisations) assigned to ``record``."""
    return set(
        Assignment.objects.filter(
            content_type=ContentType.objects.get_for_model(type(record)),
            object_id=record.pk,
            organisation__kind=OrgKind.AGENCY,
        ).values_list("organisation_id", flat=True)
    )


def is_assigned_agency(user, record) -> bool:
    if not user or not user.is_authenticated or record is None:
        return False
    mine = {a.organisation_id for a in user.role_assignments() if a.role == Role.AGENCY}
    return bool(mine & agency_ids(record))


def is_organiser(user, record) -> bool:
    from keyevals.lifecycle import ORGANISER_ROLES
    from workflow.guards import holds_role_over

    return record is not None and holds_role_over(user, record, ORGANISER_ROLES)


def may_create_for(user, record) -> bool:
    """May ``user`` create a survey for ``record`` (a key evaluation in reach, organised by the user's office or
    assigned to the user's agency, not archived)?"""
    if record is None or not access.can(user, Action.VIEW, record):
        return False
    if getattr(record, "status", "") == "archived":
        return False
    return is_organiser(user, record) or is_assigned_agency(user, record)


def may_design(user, survey: Survey, record=None) -> bool:
    """May ``user`` change ``survey`` (its fields, questions, publishing, closing)?"""
    if not access.can(user, Action.CHANGE, survey):
        return False
    record = record if record is not None else record_of(survey)
    if record is None:
        return True
    return is_organiser(user, record) or is_assigned_agency(user, record)


def _require_designer(user, survey, record=None) -> None:
    if not may_design(user, survey, record):
        trail.record(AuditAction.PERMISSION_DENIED, survey, actor=user, reason=NOT_DESIGNER)
        raise PermissionDenied(NOT_DESIGNER)


def _require_draft(survey: Survey) -> None:
    if survey.status != SurveyStatus.DRAFT:
        raise ValidationError(NOT_DRAFT)


def _locked(survey: Survey) -> Survey:
    return Survey.objects.select_for_update().get(pk=survey.pk)


# ---------------------------------------------------------------------------------------------- the survey


def clean_survey(data: dict, survey: Survey | None = None) -> dict:
    """Check a survey's fields (title, intro, population, opens_at, closes_at): {field: message} problems raise."""
    errors = {}
    title = (data.get("title") if "title" in data else (survey.title if survey else "")) or ""
    if "title" in data or survey is None:
        if not title.strip():
            errors["title"] = "请填写问卷标题"
        elif len(title) > 200:
            errors["title"] = "问卷标题不能超过 200 字"
        else:
            data["title"] = title.strip()
    if "intro" in data and len(data["intro"] or "") > 2000:
        errors["intro"] = "卷首语不能超过 2000 字"
    population = data.get("population")
    if population is not None and (population < 1 or population > 2_000_000_000):
        errors["population"] = "调查总体人数应为正整数"
    opens = data["opens_at"] if "opens_at" in data else (survey.opens_at if survey else None)
    closes = data["closes_at"] if "closes_at" in data else (survey.closes_at if survey else None)
    if opens and closes and closes <= opens:
        errors["closes_at"] = "截止时间应晚于开始时间"
    if errors:
        raise ValidationError(errors)
    return data


def create_survey(user, record, data: dict) -> Survey:
    """A new draft survey for ``record`` (a key evaluation), owned by its organiser; its agencies reach it."""
    if not may_create_for(user, record):
        raise PermissionDenied(NOT_DESIGNER if getattr(record, "status", "") != "archived" else ARCHIVED)
    fields = {k: data[k] for k in EDITABLE[SurveyStatus.DRAFT] if k in data}
    clean_survey(fields)
    with transaction.atomic(), _acting(user):
        survey = services.create_record(
            Survey(
                owner=record.organiser,
                content_type=ContentType.objects.get_for_model(type(record)),
                object_id=record.pk,
                created_by=user,
                created_at=clock.now(),
                **fields,
            ),
            reason=f"为“{record}”新建满意度调查问卷",
        )
        sync_assignments(survey, record)
    return survey


def sync_assignments(survey: Survey, record=None) -> None:
    """Every agency assigned to the evaluation is assigned to its survey too (so the gate lets it reach it)."""
    record = record if record is not None else record_of(survey)
    if record is None:
        return
    content_type = ContentType.objects.get_for_model(Survey)
    have = set(
        Assignment.objects.filter(content_type=content_type, object_id=survey.pk).values_list(
            "organisation_id", flat=True
        )
    )
    for organisation_id in sorted(agency_ids(record) - have):
        services.create_record(
            Assignment(content_type=content_type, object_id=survey.pk, organisation_id=organisation_id),
            reason="受托机构承担评价的满意度调查",
        )


def update_survey(user, survey: Survey, data: dict) -> Survey:
    """Change the survey's fields allowed in its state (a draft: all; published: deadline and population)."""
    _require_designer(user, survey)
    with transaction.atomic(), _acting(user):
        survey = _locked(survey)
        allowed = EDITABLE[survey.status]
        refused = [k for k in data if k not in allowed and getattr(survey, k, None) != data[k]]
        if refused:
            raise ValidationError({refused[0]: "问卷已发布，只能修改截止时间和调查总体人数"})
        fields = {k: v for k, v in data.items() if k in allowed}
        clean_survey(fields, survey)
        survey, _ = services.update_record(survey, fields, reason="修改问卷")
    return survey


# ---------------------------------------------------------------------------------------------- questions


def _lines(value) -> list[str]:
    """Options typed one per line (a textarea) or given as a list (the API): stripped, blanks dropped."""
    if value is None:
        return []
    if isinstance(value, str):
        value = value.splitlines()
    if not isinstance(value, (list, tuple)):
        raise ValidationError({"options": "选项应为文字列表（一行一项）"})
    out = []
    for item in value:
        if not isinstance(item, (str, int, float)) or isinstance(item, bool):
            raise ValidationError({"options": "选项应为文字"})
        text = str(item).strip()
        if text:
            out.append(text)
    return out


def clean_question(data: dict) -> dict:
    """Check one question (kind, text, required, options, scale, counts_toward_satisfaction, satisfied_from,
    satisfied_options) and return its fields as stored; problems raise ValidationError naming the field."""
    errors: dict[str, str] = {}
    kind = data.get("kind")
    if kind not in QuestionKind.values:
        raise ValidationError({"kind": "请选择题型：单选、多选、评分或文字"})
    text = str(data.get("text") or "").strip()
    if not text:
        errors["text"] = "请填写题目"
    elif len(text) > 300:
        errors["text"] = "题目不能超过 300 字"
    options = _lines(data.get("options")) if kind in (QuestionKind.SINGLE, QuestionKind.MULTIPLE) else []
    if kind in (QuestionKind.SINGLE, QuestionKind.MULTIPLE):
        if len(options) < 2:
            errors["options"] = "选择题至少要有 2 个选项，一行一项"
        elif len(options) > MAX_OPTIONS:
            errors["options"] = f"选项不能超过 {MAX_OPTIONS} 个"
        elif len(set(options)) != len(options):
            errors["options"] = "选项有重复：" + "、".join(sorted({o for o in options if options.count(o) > 1}))
        elif any(len(o) > MAX_OPTION_CHARS for o in options):
            errors["options"] = f"每个选项不能超过 {MAX_OPTION_CHARS} 字"
    scale = data.get("scale") or 5
    if kind == QuestionKind.RATING:
        if not isinstance(scale, int) or isinstance(scale, bool) or not 2 <= scale <= 10:
            errors["scale"] = "评分档数应为 2 至 10"
    else:
        scale = 5
    counts = bool(data.get("counts_toward_satisfaction"))
    satisfied_from = None
    satisfied_options: list[str] = []
    if counts:
        if kind == QuestionKind.RATING:
            satisfied_from = data.get("satisfied_from")
            if satisfied_from in (None, ""):
                errors["satisfied_from"] = "计入满意度的评分题须填写满意起点（不低于此分视为满意）"
            elif (
                not isinstance(satisfied_from, int)
                or isinstance(satisfied_from, bool)
                or not (isinstance(scale, int) and 1 <= satisfied_from <= scale)
            ):
                errors["satisfied_from"] = f"满意起点应在 1 至 {scale} 之间"
        elif kind == QuestionKind.SINGLE:
            satisfied_options = _lines(data.get("satisfied_options"))
            if not satisfied_options:
                errors["satisfied_options"] = "计入满意度的单选题须列出视为满意的选项（一行一项）"
            else:
                unknown = [o for o in satisfied_options if o not in options]
                if unknown:
                    errors["satisfied_options"] = "视为满意的选项不在选项中：" + "、".join(unknown)
                elif len(set(satisfied_options)) == len(options):
                    errors["satisfied_options"] = "不能所有选项都视为满意"
        else:
            errors["counts_toward_satisfaction"] = "只有单选题和评分题可以计入满意度"
    if errors:
        raise ValidationError(errors)
    return {
        "kind": kind,
        "text": text,
        "required": bool(data.get("required", True)),
        "options": options,
        "scale": scale,
        "counts_toward_satisfaction": counts,
        "satisfied_from": satisfied_from,
        "satisfied_options": list(dict.fromkeys(satisfied_options)),
    }


def add_question(user, survey: Survey, data: dict) -> Question:
    _require_designer(user, survey)
    fields = clean_question(data)
    with transaction.atomic(), _acting(user):
        survey = _locked(survey)
        _require_draft(survey)
        if survey.questions.count() >= MAX_QUESTIONS:
            raise ValidationError(f"一份问卷最多 {MAX_QUESTIONS} 题")
        last = survey.questions.aggregate(m=Max("order"))["m"] or 0
        return services.create_record(
            Question(survey=survey, order=last + 1, **fields), reason=f"问卷“{survey.title}”新增题目"
        )


def replace_questions(user, survey: Survey, rows: list[dict]) -> list[Question]:
    """A draft's questions replaced by ``rows`` (the API's ``questions``), in their order; every row is checked
    first and a problem names its row ("第 2 题：…"), so nothing changes unless all are right."""
    _require_designer(user, survey)
    if len(rows) > MAX_QUESTIONS:
        raise ValidationError({"questions": f"一份问卷最多 {MAX_QUESTIONS} 题"})
    cleaned, problems = [], []
    for number, row in enumerate(rows, 1):
        try:
            cleaned.append(clean_question(dict(row)))
        except ValidationError as exc:
            problems.extend(f"第 {number} 题：{m}" for m in exc.messages)
    if problems:
        raise ValidationError({"questions": problems})
    with transaction.atomic(), _acting(user):
        survey = _locked(survey)
        _require_draft(survey)
        for question in list(survey.questions.all()):
            services.delete_record(question, reason=f"替换问卷“{survey.title}”的题目")
        return [
            services.create_record(Question(survey=survey, order=n, **fields), reason=f"问卷“{survey.title}”新增题目")
            for n, fields in enumerate(cleaned, 1)
        ]


def update_question(user, question: Question, data: dict) -> Question:
    survey = question.survey
    _require_designer(user, survey)
    fields = clean_question(data)
    with transaction.atomic(), _acting(user):
        _require_draft(_locked(survey))
        question, _ = services.update_record(question, fields, reason=f"修改问卷“{survey.title}”的题目")
    return question


def delete_question(user, question: Question) -> None:
    survey = question.survey
    _require_designer(user, survey)
    with transaction.atomic(), _acting(user):
        _require_draft(_locked(survey))
        services.delete_record(question, reason=f"删除问卷“{survey.title}”的题目")
        # Close the gap: ascending, each question moves to a lower number that is free.
        for position, q in enumerate(survey.questions.order_by("order", "pk"), 1):
            if q.order != position:
                Question.objects.filter(pk=q.pk).update(order=position)


def move_question(user, question: Question, direction: str) -> None:
    """Swap the question with its neighbour above ("up") or below ("down"); audited on both."""
    survey = question.survey
    _require_designer(user, survey)
    if direction not in ("up", "down"):
        raise ValidationError("移动方向应为 up 或 down")
    with transaction.atomic(), _acting(user):
        _require_draft(_locked(survey))
        question = Question.objects.get(pk=question.pk)
        siblings = survey.questions.exclude(pk=question.pk)
        if direction == "up":
            other = siblings.filter(order__lt=question.order).order_by("-order").first()
        else:
            other = siblings.filter(order__gt=question.order).order_by("order").first()
        if other is None:
            raise ValidationError("已在最前" if direction == "up" else "已在最后")
        mine, theirs = question.order, other.order
        # The unique (survey, order) index: park one at 0 (orders start at 1) while the other moves.
        Question.objects.filter(pk=question.pk).update(order=0)
        Question.objects.filter(pk=other.pk).update(order=mine)
        Question.objects.filter(pk=question.pk).update(order=theirs)
        for q, before, after in ((question, mine, theirs), (other, theirs, mine)):
            trail.record(
                AuditAction.UPDATE, q, changes={"序号": [before, after]}, reason=f"调整问卷“{survey.title}”的题目顺序"
            )


# ---------------------------------------------------------------------------------------------- publish, close


def publish_problems(survey: Survey) -> list[str]:
    """Why ``survey`` cannot be published yet (empty when it can)."""
    problems = []
    questions = list(survey.questions.all())
    if not questions:
        problems.append("问卷至少要有一道题目才能发布")
    for q in questions:
        if q.counts_toward_satisfaction:
            try:
                clean_question(
                    {f: getattr(q, f) for f in ("kind", "text", "required", "options", "scale")}
                    | {
                        "counts_toward_satisfaction": True,
                        "satisfied_from": q.satisfied_from,
                        "satisfied_options": q.satisfied_options,
                    }
                )
            except ValidationError:
                problems.append(f"第 {q.order} 题计入满意度，但未说明什么算满意")
    if survey.closes_at and survey.closes_at <= clock.now():
        problems.append("截止时间已过，请先修改截止时间")
    return problems


def publish(user, survey: Survey) -> Survey:
    """A draft opens to the public at its link; its questions are final from now on."""
    _require_designer(user, survey)
    record = record_of(survey)
    if record is not None and getattr(record, "status", "") == "archived":
        raise ValidationError(ARCHIVED)
    with transaction.atomic(), _acting(user):
        survey = _locked(survey)
        if survey.status != SurveyStatus.DRAFT:
            raise ValidationError("问卷已发布" if survey.status == SurveyStatus.PUBLISHED else "问卷已结束，不能再发布")
        problems = publish_problems(survey)
        if problems:
            raise ValidationError(problems)
        survey, _ = services.update_record(survey, {"status": SurveyStatus.PUBLISHED}, reason="发布问卷")
        sync_assignments(survey, record)
    return survey


def close(user, survey: Survey) -> Survey:
    """A published survey stops taking answers (its link then says 调查已结束)."""
    _require_designer(user, survey)
    with transaction.atomic(), _acting(user):
        survey = _locked(survey)
        if survey.status != SurveyStatus.PUBLISHED:
            raise ValidationError("只有收集中的问卷可以结束" if survey.status == SurveyStatus.DRAFT else "问卷已结束")
        survey, _ = services.update_record(survey, {"status": SurveyStatus.CLOSED}, reason="结束问卷收集")
    return survey

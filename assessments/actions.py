"""The state changes of the ex-ante assessment. Pages, API endpoints and the demo seeder call these;
each is one transaction: guard, change, audit row. The review transitions themselves are
workflow.actions (submit / approve / return); ``before_transition`` is their workflow hook (workflow/hooks.py).

Who does what (seed 001 第九条: 区业务主管部门……应开展事前绩效评估，出具事前绩效评估报告; seed 000 第七、九条:
购买主体要开展事前绩效评估; 第十一条 / seed 001 第十条: 财政部门可以……直接开展或委托第三方机构独立开展):
- the department reviewer (主管部门) of the subject's unit starts and fills the department's assessment
  — step 0 of the default chain, so the role is data (``workflow.guards.can_prepare``);
- the purchasing unit (购买主体, the unit's preparer) starts and fills the assessment of its purchased service, which
  its head, the department, the finance desk and the performance section review (a chain of its own);
- the performance section may assess directly (财政直接评估, approved by the bureau's leader);
- the finance desk and then the performance section review the department's and may send it back;
- the performance section of the subject's region commissions a third-party agency, which then reaches
  that subject and its own assessment only (core.Assignment), fills it and submits it to the section.
"""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal, InvalidOperation

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F

from accounts.roles import Capability, Role
from assessments import scoring
from assessments.choices import AppliesTo, AssessmentKind, Conclusion
from assessments.models import Assessment, AssessmentScore, AssessmentTemplate, TemplatePoint
from audit import trail
from audit.models import AuditAction
from core import access, clock, services, versioning
from core.models import Assignment
from organisations.choices import OrgKind
from workflow import guards, hooks
from workflow.actions import StaleDocument
from workflow.chains import resolve_chains
from workflow.models import ReviewAction, ReviewStatus


def _text(value) -> str | None:
    return None if value is None else f"{value}"


def _refused(obj, user, exc: PermissionDenied):
    # Written outside the refused transaction, so the attempt stays on record.
    trail.record(AuditAction.PERMISSION_DENIED, obj, actor=user, reason=str(exc))
    return exc


# --- templates ------------------------------------------------------------------------------------------


def applies_to_for(subject) -> str:
    return AppliesTo.PURCHASED_SERVICE if subject.kind == "purchased_service" else AppliesTo.GENERAL


def active_template(applies_to: str) -> AssessmentTemplate | None:
    """The newest active version in force today for ``applies_to``."""
    in_force = versioning.in_force(AssessmentTemplate, applies_to=applies_to)
    if in_force is not None:
        return in_force
    # none in force yet: the newest active one (a template published ahead of its date still serves)
    return AssessmentTemplate.objects.filter(applies_to=applies_to, is_active=True).order_by("-version", "-pk").first()


def can_edit_templates(user) -> bool:
    """The top bureau's performance section edits templates (they apply everywhere)."""
    return access.holds_at_top(user, Capability.EDIT_ASSESSMENT_TEMPLATES)


def new_template_version(
    base: AssessmentTemplate, user, *, points: list[dict], reason: str = "", **values
) -> AssessmentTemplate:
    """Save a change of ``base`` as the next version (the old one is deactivated; assessments already
    started keep theirs). ``points``: [{dimension, name, weight, guidance}] in order; ``values``: name,
    support_min, improve_min, effective_from, basis."""
    if not can_edit_templates(user):
        raise _refused(base, user, PermissionDenied("只有预算绩效管理科可以修改评估模板"))
    problems = scoring.weight_problems(p.get("weight") for p in points)
    if problems:
        raise ValidationError({"points": problems})

    def save_points(template) -> dict:
        for order, point in enumerate(points, start=1):
            row = TemplatePoint(
                template=template,
                order=order,
                dimension=point["dimension"],
                name=point["name"],
                weight=Decimal(str(point["weight"])),
                guidance=point.get("guidance", ""),
            )
            row.full_clean()
            row.save()
        return {"评估要点": [None, [str(p) for p in template.ordered_points()]]}

    # the earlier versions are retired by the versioning (assessments already started keep theirs)
    template = versioning.save_new_version(
        AssessmentTemplate(
            code=base.code,
            applies_to=base.applies_to,
            name=values.get("name") or base.name,
            support_min=values.get("support_min", base.support_min),
            improve_min=values.get("improve_min", base.improve_min),
            effective_from=values.get("effective_from") or clock.today(),
            basis=values.get("basis", base.basis),
        ),
        user,
        reason=reason,
        children=save_points,
    )
    return template


# --- starting an assessment -----------------------------------------------------------------------------


def _open_of_kind(subject, kind: str):
    return Assessment.objects.filter(subject=subject, kind=kind).exclude(status=ReviewStatus.APPROVED)


def _create(assessment: Assessment, reason: str) -> Assessment:
    try:
        services.create_record(assessment, reason=reason)
    except IntegrityError:  # another one of this kind was started at the same moment (assessment_one_open_per_kind)
        raise ValidationError("该项目已有未办结的同类事前绩效评估，请先办结后再发起") from None
    AssessmentScore.objects.bulk_create(
        AssessmentScore(assessment=assessment, point=point) for point in assessment.template.ordered_points()
    )
    return assessment


# The kinds a preparer starts (a third-party assessment is commissioned instead, ``commission_third_party``), in the
# order a page proposes them, and the refusal when the user may start none of them.
STARTED_KINDS = (AssessmentKind.DEPARTMENT, AssessmentKind.PURCHASER, AssessmentKind.FINANCE)
WHO_STARTS = {
    AssessmentKind.DEPARTMENT: "项目所属主管部门",
    AssessmentKind.PURCHASER: "政府购买服务项目的购买主体（项目单位）",
    AssessmentKind.FINANCE: "项目所在地财政部门预算绩效管理科",
}


def kind_applies(subject, kind: str) -> bool:
    """seed 000 第七、九条: only a purchased service has a 购买主体 to assess it."""
    return kind != AssessmentKind.PURCHASER or subject.kind == "purchased_service"


def startable_kinds(user, subject) -> list[str]:
    """The kinds of assessment ``user`` may start for ``subject``: those whose chain's first step the user holds over
    the subject's organisation (the role is data, on the chain page)."""
    if not access.can(user, "view", subject):
        return []
    probes = [Assessment(subject=subject, kind=kind) for kind in STARTED_KINDS if kind_applies(subject, kind)]
    chains = resolve_chains(probes, subject.organisation)
    return [
        probe.kind
        for probe in probes
        if guards.can_prepare(user, Assessment, subject.organisation, probe=probe, chains=chains)
    ]


def preparable_kinds(user) -> dict[str, list]:
    """{kind: the organisations ``user`` prepares that kind of assessment for}, for the kinds the user prepares
    somewhere (the start page, the list's 发起 button)."""
    probes = [Assessment(kind=kind) for kind in STARTED_KINDS]
    found = guards.preparer_organisations_by_kind(user, Assessment, probes)
    return {probe.kind: orgs for probe, orgs in zip(probes, found, strict=True) if orgs}


def can_start(user, subject) -> bool:
    return bool(startable_kinds(user, subject))


def start_assessment(subject, user, *, kind: str | None = None, reason: str = "") -> Assessment:
    """An assessment of ``subject`` of ``kind`` (by default the first the user may start) on the active template for
    the subject's kind: a draft at step 0 of that kind's chain."""
    if kind is not None and kind not in STARTED_KINDS:
        raise ValidationError({"kind": "第三方独立评估由预算绩效管理科委托，不能直接发起"})
    allowed = startable_kinds(user, subject)
    if kind is None and allowed:
        kind = allowed[0]
    if kind is None or kind not in allowed:
        if kind is not None and not kind_applies(subject, kind):
            raise ValidationError(
                {"kind": "只有政府购买服务项目由购买主体开展事前绩效评估（《政府购买服务预算绩效管理暂行办法》第九条）"}
            )
        who = WHO_STARTS[kind] if kind else "项目所属主管部门、购买主体或财政部门"
        raise _refused(
            subject,
            user,
            PermissionDenied(f"只有{who}可以发起{AssessmentKind(kind).label if kind else '事前绩效评估'}"),
        )
    with transaction.atomic():
        if _open_of_kind(subject, kind).exists():
            raise ValidationError(f"该项目已有未办结的{AssessmentKind(kind).label}")
        template = active_template(applies_to_for(subject))
        if template is None:
            raise ValidationError("没有启用的评估模板，请联系预算绩效管理科")
        return _create(Assessment(subject=subject, kind=kind, template=template), reason)


def can_commission(user, subject) -> bool:
    return guards.holds_role_over(user, subject, {Role.PERFORMANCE_SECTION})


def commission_third_party(subject, user, agency_org, reason: str) -> Assessment:
    """The performance section commissions ``agency_org`` to assess ``subject`` independently: a
    third-party assessment (its own chain: the agency fills, the section reviews) and assignments
    that let the agency reach that subject and that assessment, nothing else."""
    if not can_commission(user, subject):
        raise _refused(subject, user, PermissionDenied("只有项目所在地财政部门预算绩效管理科可以委托第三方评估"))
    reason = (reason or "").strip()
    errors = {}
    if agency_org is None or agency_org.kind != OrgKind.AGENCY:
        errors["agency"] = "请选择登记为“第三方机构”的受托机构"
    if not reason:
        errors["reason"] = "请填写委托事由"
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        if _open_of_kind(subject, AssessmentKind.THIRD_PARTY).exists():
            raise ValidationError("该项目已有未办结的第三方独立评估")
        template = active_template(applies_to_for(subject))
        if template is None:
            raise ValidationError("没有启用的评估模板，请联系预算绩效管理科")
        assessment = _create(
            Assessment(
                subject=subject,
                kind=AssessmentKind.THIRD_PARTY,
                agency=agency_org,
                template=template,
                commission_reason=reason,
                commissioned_by=user,
            ),
            f"委托第三方机构独立评估：{reason}",
        )
        for obj in (subject, assessment):
            ct = ContentType.objects.get_for_model(type(obj))
            if not Assignment.objects.filter(content_type=ct, object_id=obj.pk, organisation=agency_org).exists():
                services.create_record(
                    Assignment(content_type=ct, object_id=obj.pk, organisation=agency_org),
                    reason=f"委托{agency_org.name}开展事前绩效评估：{reason}",
                )
    return assessment


# --- scoring ----------------------------------------------------------------------------------------------


def _decimal(value, label: str, errors: dict):
    try:
        return scoring.to_decimal(value)
    except (InvalidOperation, ValueError):
        errors[label] = "得分应为数字"
        return None


def save_scores(
    assessment: Assessment,
    user,
    version: int,
    *,
    scores: dict | None = None,
    summary: str | None = None,
    suggestions: str | None = None,
    reason: str = "",
) -> Assessment:
    """The preparer's scores and findings ({point id: {"score": …, "finding": …}}) while the assessment is a
    draft or returned; the running total is kept, the conclusion waits for the submission."""
    try:
        with transaction.atomic():
            fresh = (
                Assessment.objects.select_for_update(of=("self",))
                .select_related("template", "chain")
                .get(pk=assessment.pk)
            )
            if fresh.version != version:
                raise StaleDocument()
            if not guards.can_edit(user, fresh):
                raise PermissionDenied("只有当前填报人可以在草稿或退回状态下评分")
            rows = {s.point_id: s for s in fresh.scores.select_related("point")}
            errors, changes = {}, {}
            for key, values in (scores or {}).items():
                row = rows.get(int(key))
                if row is None:
                    errors[f"point_{key}"] = "评估要点不属于该评估所用的模板版本"
                    continue
                label = f"{row.point.dimension}·{row.point.name}"
                new_score = _decimal(values["score"], label, errors) if "score" in values else row.score
                new_finding = (values.get("finding", row.finding) or "").strip()
                problem = scoring.score_problem(new_score, row.point.weight)
                if problem:
                    errors[label] = problem
                    continue
                if new_score != row.score:
                    changes[f"得分：{label}"] = [_text(row.score), _text(new_score)]
                if new_finding != row.finding:
                    changes[f"评估意见：{label}"] = [row.finding, new_finding]
                row.score, row.finding = new_score, new_finding
                row.save(update_fields=["score", "finding"])
            if errors:
                raise ValidationError(errors)
            values = {"total_score": scoring.total(r.score for r in rows.values())}
            for name, value in (("summary", summary), ("suggestions", suggestions)):
                if value is not None and value.strip() != getattr(fresh, name):
                    changes[str(Assessment._meta.get_field(name).verbose_name)] = [getattr(fresh, name), value.strip()]
                    values[name] = value.strip()
            if fresh.total_score != values["total_score"]:
                changes["总分"] = [_text(fresh.total_score), _text(values["total_score"])]
            Assessment.objects.filter(pk=fresh.pk, version=version).update(
                version=F("version") + 1, updated_at=clock.now(), **values
            )
            if changes:
                trail.record(AuditAction.UPDATE, fresh, changes=changes, actor=user, reason=reason)
    except PermissionDenied as exc:
        raise _refused(assessment, user, exc) from None
    stored = Assessment.objects.select_related("chain", "template").get(pk=assessment.pk)
    assessment.__dict__.update({k: v for k, v in stored.__dict__.items() if not k.startswith("_")})
    return assessment


# --- the review chain's hook ------------------------------------------------------------------------------


def unscored_points(assessment: Assessment) -> list[str]:
    return [f"{s.point.dimension}·{s.point.name}" for s in assessment.scores.select_related("point") if s.score is None]


@hooks.before_transition("assessments.assessment")
def before_transition(assessment: Assessment, action: str, to_status: str, user) -> dict:
    """At submission the conclusion is computed from the scores (every point scored, findings summarised);
    at the final approval it is frozen as approved. Returns the changes for the transition's audit row."""
    changes = {}
    if action == ReviewAction.SUBMIT:
        missing = unscored_points(assessment)
        if missing:
            raise ValidationError(f"以下评估要点尚未评分：{'、'.join(missing)}")
        if not assessment.summary.strip():
            raise ValidationError("请填写主要评估意见后再提交")
        template = assessment.template
        total = scoring.total(assessment.scores.values_list("score", flat=True))
        conclusion = scoring.conclusion(total, template)
        Assessment.objects.filter(pk=assessment.pk).update(
            total_score=total, conclusion=conclusion, submitted_at=clock.now()
        )
        changes["总分"] = [_text(assessment.total_score), _text(total)]
        changes["评估结论"] = [assessment.get_conclusion_display() or None, Conclusion(conclusion).label]
        assessment.total_score, assessment.conclusion = total, conclusion
    if to_status == ReviewStatus.APPROVED:
        Assessment.objects.filter(pk=assessment.pk).update(approved_at=clock.now())
        changes["审定结论"] = [None, assessment.get_conclusion_display()]
    return changes


# --- side by side ------------------------------------------------------------------------------------


def comparable(assessments: Iterable[Assessment]) -> list[dict]:
    """Per dimension, the subtotal of each assessment (for the side-by-side page and the report)."""
    columns = list(assessments)
    table: dict[str, dict] = {}
    for a in columns:
        rows = [(s.point.dimension, s.point.weight, s.score) for s in a.scores.all()]
        for dimension, weight, score in scoring.subtotals(rows):
            entry = table.setdefault(dimension, {"dimension": dimension, "weights": {}, "scores": {}})
            entry["weights"][a.pk] = weight
            entry["scores"][a.pk] = score
    return [
        {
            "dimension": d["dimension"],
            "weight": next(iter(d["weights"].values()), None),
            "cells": [d["scores"].get(a.pk) for a in columns],
        }
        for d in table.values()
    ]

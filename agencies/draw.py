"""The random draw of experts from the register (专家库抽取; issue 14 "Expert register"; seed 000 第二十五条, seed 003
第三十三条, seed 004 三(一) 利益关系回避).

``draw_experts`` screens the keeper's register for the field: candidates are the experts in the register (not removed),
available, not suspended, and free of a conflict of interest with the evaluated organisation — employed by it or by
an organisation under it (its ``path``), or having declared a relation (``ExpertRelation``) to it, to an organisation
under it or to its department. Everyone screened out is recorded with the reason in Chinese. The candidates' ids,
sorted, are shuffled by ``random.Random(seed).sample``; the seed (given, or ``secrets.randbits(63)``) and the
candidate ids are stored on the draw, so ``replay`` re-runs it and anyone can check the result. Audited.
"""

from __future__ import annotations

import random
import secrets
from dataclasses import dataclass

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q

from accounts.roles import Capability
from agencies.acting import acting
from agencies.models import Expert, ExpertDraw, ExpertRelation, ExpertStatus
from agencies.standing import effective_status
from audit import trail
from audit.models import AuditAction
from core import access, clock, services

SEED_MAX = 2**63 - 1  # the seed column is a signed 64-bit integer
COUNT_MAX = 50

DRAW_DENIED = "只有管理该专家库的预算绩效管理科或重点评价的组织单位可以抽取专家"


@dataclass(frozen=True)
class Screened:
    candidates: list[Expert]  # sorted by id
    excluded: list[dict]  # {"expert": id, "name": …, "reason": …}


def conflict_organisations(evaluated) -> Q:
    """The organisations a declared relation to which excludes an expert: the evaluated organisation, everything under
    it, and its department (主管部门)."""
    q = Q(path__startswith=evaluated.path)
    if evaluated.department_id and evaluated.department_id != evaluated.pk:
        q |= Q(pk=evaluated.department_id)
    return q


def screen(keeper, evaluated, field, today=None) -> Screened:
    """The register's experts of ``field`` split into candidates and those excluded, with the reasons."""
    from organisations.models import Organisation

    today = today or clock.today()
    experts = list(
        Expert.objects.filter(keeper=keeper, fields=field)
        .exclude(status=ExpertStatus.REMOVED)
        .select_related("employer")
        .order_by("pk")
    )
    conflicting = Organisation.objects.filter(conflict_organisations(evaluated))
    relations: dict[int, list[str]] = {}
    for relation in ExpertRelation.objects.filter(
        expert__in=[e.pk for e in experts], organisation__in=conflicting
    ).select_related("organisation"):
        relations.setdefault(relation.expert_id, []).append(
            f"申报了与{relation.organisation.name}的关系（{relation.relation}）"
        )
    candidates, excluded = [], []
    for expert in experts:
        reasons = []
        status = effective_status(expert, today)
        if status == ExpertStatus.SUSPENDED:
            until = f"至 {expert.status_until:%Y-%m-%d}" if expert.status_until else ""
            reasons.append(f"暂停抽取{until}")
        if not expert.available:
            reasons.append("暂不可抽取（出差、休假等）")
        employer = expert.employer
        if employer is not None and employer.path.startswith(evaluated.path):
            reasons.append(f"任职于被评价单位（{employer.name}），应当回避")
        reasons.extend(relations.get(expert.pk, []))
        if reasons:
            excluded.append({"expert": expert.pk, "name": expert.name, "reason": "；".join(reasons)})
        else:
            candidates.append(expert)
    return Screened(candidates, excluded)


def pick(candidate_ids: list[int], seed: int, count: int) -> list[int]:
    """The drawn ids: ``count`` of the sorted candidate ids, by ``random.Random(seed).sample``."""
    return random.Random(seed).sample(sorted(candidate_ids), count)


def replay(draw: ExpertDraw) -> list[int]:
    """The experts the draw's recorded candidates and seed give: the same as ``draw.drawn`` unless it was tampered
    with."""
    return pick(list(draw.candidate_ids), draw.seed, draw.count)


def keeps(user, keeper) -> bool:
    """Does ``user`` manage ``keeper``'s register (the performance section itself)?"""
    return any(
        a.organisation_id == keeper.pk for a in access.capable_assignments(user, Capability.MANAGE_AGENCY_REGISTER)
    )


def _may_draw(user, keeper, record) -> bool:
    if keeps(user, keeper):
        return True
    # A key evaluation organised by a department draws from its region's register; the caller checked the organiser.
    return record is not None and access.has_capability(user, Capability.ORGANISE_KEY_EVALUATIONS)


def _seed(seed) -> int:
    if seed is None or seed == "":
        return secrets.randbits(63)
    try:
        value = int(seed)
    except (TypeError, ValueError):
        raise ValidationError({"seed": "随机种子须是整数"}) from None
    if not 0 <= value <= SEED_MAX:
        raise ValidationError({"seed": f"随机种子须在 0 到 {SEED_MAX} 之间"})
    return value


def draw_experts(*, keeper, evaluated, field, count, user, seed=None, purpose: str = "", record=None) -> ExpertDraw:
    """Draw ``count`` experts of ``field`` from ``keeper``'s register for an evaluation of ``evaluated``."""
    if not _may_draw(user, keeper, record):
        trail.record(AuditAction.PERMISSION_DENIED, keeper, actor=user, reason=DRAW_DENIED)
        raise PermissionDenied(DRAW_DENIED)
    try:
        count = int(count)
    except (TypeError, ValueError):
        raise ValidationError({"count": "抽取人数须是整数"}) from None
    if not 1 <= count <= COUNT_MAX:
        raise ValidationError({"count": f"抽取人数须在 1 到 {COUNT_MAX} 之间"})
    seed = _seed(seed)
    found = screen(keeper, evaluated, field)
    available = len(found.candidates)
    if available < count:
        raise ValidationError(
            {
                "count": f"{field.name}领域可抽取的专家只有 {available} 名（另有 {len(found.excluded)} 名回避或暂不可抽取），"
                f"不足 {count} 名，请减少抽取人数或先补充专家库"
            }
        )
    ids = [e.pk for e in found.candidates]
    chosen = pick(ids, seed, count)
    names = {e.pk: e.name for e in found.candidates}
    draw = ExpertDraw(
        keeper=keeper,
        evaluated=evaluated,
        field=field,
        count=count,
        seed=seed,
        candidate_ids=ids,
        excluded=found.excluded,
        purpose=(purpose or "").strip()[:200],
        drawn_by=user,
        drawn_at=clock.now(),
    )
    if record is not None:
        draw.content_type = ContentType.objects.get_for_model(type(record))
        draw.object_id = record.pk
        if not draw.purpose:
            draw.purpose = str(record)[:200]
    with acting(user), transaction.atomic():
        services.create_record(
            draw,
            reason=f"随机抽取专家（种子 {seed}，候选 {available} 名，回避 {len(found.excluded)} 名）："
            + "、".join(names[pk] for pk in chosen),
        )
        draw.drawn.set(chosen)
    return draw


def verify(draw: ExpertDraw) -> tuple[bool, list[int]]:
    """复核抽取结果: (the re-run gives the recorded experts, the ids it gives)."""
    again = replay(draw)
    recorded = sorted(draw.drawn.values_list("pk", flat=True))
    return sorted(again) == recorded, again

"""评价实施 (seed 003 第三十九条; seed 004 三(四)): document requests to the evaluated unit, site visits (with photos)
and expert consultation notes.

* A document request is made by the organiser or the assigned agency with a due date; the evaluated unit answers by
  uploading files (``RequestFile`` through core/attachments) and a note. An answer after the due date is marked late,
  never refused (the rule chosen: the evaluation needs the material more than the deadline; the lateness shows).
  The organiser (or the agency) accepts the material.
* Site visits and consultation notes are recorded by the organiser, the agency or the experts assigned.
"""

from __future__ import annotations

import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from accounts.roles import Action
from audit import trail
from audit.models import AuditAction
from core import access, clock, services
from core.attachments import Attachments
from keyevals.actions import is_agency_of, is_organiser, may_work
from keyevals.models import (
    ConsultationNote,
    DocumentRequest,
    KeyStatus,
    RequestFile,
    RequestStatus,
    SitePhoto,
    SiteVisit,
)

WORKING = (KeyStatus.PREPARING, KeyStatus.FIELDWORK, KeyStatus.SCORING)
NOT_WORKER = "只有组织评价的单位、受托机构和评价专家可以记录评价实施情况"


def _require_working(evaluation) -> None:
    if evaluation.status not in WORKING:
        raise ValidationError(f"评价已进入“{evaluation.get_status_display()}”阶段，不能再记录评价实施情况")


def _refuse(record, user, message: str) -> PermissionDenied:
    trail.record(AuditAction.PERMISSION_DENIED, record, actor=user, reason=message)
    return PermissionDenied(message)


# ---------------------------------------------------------------------------------------------- document requests


def may_request(user, evaluation) -> bool:
    return evaluation.status in WORKING and (is_organiser(user, evaluation) or is_agency_of(user, evaluation))


def is_evaluated_member(user, evaluation) -> bool:
    """A person of the evaluated organisation (or one of its units) who reaches what is addressed to it."""
    from accounts.roles import Role

    if user is None or not user.is_authenticated or user.organisation_id is None:
        return False
    if not user.role_names() - {Role.AGENCY, Role.EXPERT, Role.PUBLIC}:
        return False
    return user.organisation.path.startswith(evaluation.evaluated.path)


def may_answer(user, request: DocumentRequest) -> bool:
    return (
        request.status != RequestStatus.ACCEPTED
        and request.evaluation.status in WORKING
        and is_evaluated_member(user, request.evaluation)
        and access.can(user, Action.CHANGE, request)
    )


def may_accept(user, request: DocumentRequest) -> bool:
    return request.status == RequestStatus.ANSWERED and may_request(user, request.evaluation)


def is_late(request: DocumentRequest) -> bool:
    """Answered after the due date (or still open past it)."""
    if request.answered_at is not None:
        return timezone.localdate(request.answered_at) > request.due_on
    return request.status == RequestStatus.OPEN and clock.today() > request.due_on


def create_request(user, evaluation, data: dict) -> DocumentRequest:
    if not (is_organiser(user, evaluation) or is_agency_of(user, evaluation)):
        raise _refuse(evaluation, user, "只有组织评价的单位或受托机构可以提出资料需求")
    _require_working(evaluation)
    title = (data.get("title") or "").strip()
    due_on = data.get("due_on")
    errors = {}
    if not title:
        errors["title"] = "请填写资料名称"
    if not isinstance(due_on, datetime.date):
        errors["due_on"] = "请填写提供期限（如 2026-09-30）"
    elif due_on < clock.today():
        errors["due_on"] = "提供期限不能早于今天"
    if errors:
        raise ValidationError(errors)
    request = DocumentRequest(
        evaluation=evaluation,
        title=title,
        detail=(data.get("detail") or "").strip(),
        due_on=due_on,
        created_by=user,
        created_at=clock.now(),
    )
    return services.create_record(request, reason="提出资料需求")


def answer_request(user, request: DocumentRequest, answer: str, files=()) -> DocumentRequest:
    """The unit's answer: a note and the files (at least one of them); after the due date it is marked late."""
    if not may_answer(user, request):
        if request.status == RequestStatus.ACCEPTED:
            raise ValidationError("资料已确认，不能再修改")
        raise _refuse(request, user, "只有被评价单位可以提供资料")
    answer = (answer or "").strip()
    files = [f for f in files if f]
    if not answer and not files and not request.files.exists():
        raise ValidationError({"answer": "请上传资料或填写说明"})
    with transaction.atomic():
        for upload in files:
            REQUEST_FILES.add(request, user, file=upload, note="")
        now = clock.now()
        late = clock.today() > request.due_on
        services.update_record(
            request,
            {
                "answer": answer or request.answer,
                "status": RequestStatus.ANSWERED,
                "answered_at": now,
                "answered_by": user,
            },
            reason="提供资料（逾期）" if late else "提供资料",
        )
    return request


def accept_request(user, request: DocumentRequest) -> DocumentRequest:
    if not may_accept(user, request):
        if request.status != RequestStatus.ANSWERED:
            raise ValidationError("该资料需求尚未提供或已确认")
        raise _refuse(request, user, "只有组织评价的单位或受托机构可以确认资料")
    services.update_record(request, {"status": RequestStatus.ACCEPTED}, reason="确认资料")
    return request


def _may_upload(user, request) -> bool:
    return may_answer(user, request)


REQUEST_FILES = Attachments(
    model=RequestFile,
    parent_field="request",
    label="提供的资料",
    can_change=_may_upload,
    refused="只有被评价单位可以在资料确认前上传或删除资料",
    url_prefix="keyevals:request_file",
    anchor="files",
    parent_queryset=lambda: DocumentRequest.objects.select_related("evaluation", "evaluation__evaluated"),
)


# ---------------------------------------------------------------------------------------------- site visits, notes


def _require_worker(user, evaluation) -> None:
    if not may_work(user, evaluation):
        raise _refuse(evaluation, user, NOT_WORKER)
    _require_working(evaluation)


def may_record(user, evaluation) -> bool:
    return evaluation.status in WORKING and may_work(user, evaluation)


def _date(value, field: str, label: str) -> datetime.date:
    if not isinstance(value, datetime.date):
        raise ValidationError({field: f"请填写{label}（如 2026-09-15）"})
    if value > clock.today():
        raise ValidationError({field: f"{label}不能晚于今天"})
    return value


def record_visit(user, evaluation, data: dict) -> SiteVisit:
    _require_worker(user, evaluation)
    visit = SiteVisit(
        evaluation=evaluation,
        visited_on=_date(data.get("visited_on"), "visited_on", "勘查日期"),
        place=(data.get("place") or "").strip(),
        people=(data.get("people") or "").strip(),
        findings=(data.get("findings") or "").strip(),
        recorded_by=user,
        recorded_at=clock.now(),
    )
    return services.create_record(visit, reason="现场勘查记录")


def update_visit(user, visit: SiteVisit, data: dict) -> SiteVisit:
    _require_worker(user, visit.evaluation)
    values = {k: (data[k] or "").strip() for k in ("place", "people", "findings") if k in data}
    if "visited_on" in data:
        values["visited_on"] = _date(data["visited_on"], "visited_on", "勘查日期")
    services.update_record(visit, values, reason="修改现场勘查记录")
    return visit


def record_consultation(user, evaluation, data: dict) -> ConsultationNote:
    _require_worker(user, evaluation)
    note = ConsultationNote(
        evaluation=evaluation,
        held_on=_date(data.get("held_on"), "held_on", "咨询日期"),
        experts=(data.get("experts") or "").strip(),
        topic=(data.get("topic") or "").strip(),
        opinion=(data.get("opinion") or "").strip(),
        recorded_by=user,
    )
    return services.create_record(note, reason="专家咨询记录")


def _may_photo(user, visit) -> bool:
    return may_record(user, visit.evaluation)


SITE_PHOTOS = Attachments(
    model=SitePhoto,
    parent_field="visit",
    label="现场照片",
    can_change=_may_photo,
    refused=NOT_WORKER,
    url_prefix="keyevals:visit_photo",
    anchor="photos",
    hint="JPG、PNG 图片或 PDF",
    parent_queryset=lambda: SiteVisit.objects.select_related("evaluation"),
)

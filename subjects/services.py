"""Writing a subject with what belongs to it (the current year's money, the purchased-service
detail) in one transaction, validated and audited — the pages, the API and the import call these."""

from __future__ import annotations

from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction

from audit import trail
from core import services
from subjects.choices import SubjectKind
from subjects.models import PurchasedServiceDetail, Subject, SubjectYearAmount
from workflow import actions


def _save_year(subject, previous_amount, requested_amount) -> None:
    if requested_amount is None:
        return
    row = SubjectYearAmount.objects.filter(subject=subject, fiscal_year=subject.fiscal_year).first()
    values = {"previous_amount": Decimal(previous_amount or 0), "requested_amount": Decimal(requested_amount)}
    if row is None:
        services.create_record(SubjectYearAmount(subject=subject, fiscal_year=subject.fiscal_year, **values))
    else:
        services.update_record(row, values)


def _save_detail(subject, detail: PurchasedServiceDetail | None) -> None:
    existing = PurchasedServiceDetail.objects.filter(subject=subject).first()
    if subject.kind != SubjectKind.PURCHASED_SERVICE:
        if existing is not None:
            services.delete_record(existing, reason="项目类别不再是政府购买服务")
        return
    if detail is None:
        return
    detail.subject = subject
    if detail.purchaser_id is None:
        detail.purchaser = subject.organisation
    if existing is None:
        detail.pk = None
        services.create_record(detail)
    else:
        detail.pk = existing.pk
        services.update_record(detail, before=trail.snapshot(existing))


def create_subject(
    subject: Subject,
    *,
    previous_amount=None,
    requested_amount=None,
    detail: PurchasedServiceDetail | None = None,
    reason: str = "",
) -> Subject:
    with transaction.atomic():
        services.create_record(subject, reason=reason)
        _save_year(subject, previous_amount, requested_amount)
        _save_detail(subject, detail)
    return subject


def save_subject(
    subject: Subject,
    user,
    version: int,
    *,
    before: dict | None = None,
    previous_amount=None,
    requested_amount=None,
    detail: PurchasedServiceDetail | None = None,
    reason: str = "",
):
    """The preparer's edit of a draft or returned subject (workflow.actions.save_edit) with its year and detail."""
    with transaction.atomic():
        fresh = Subject.objects.get(pk=subject.pk)
        if (
            fresh.fiscal_year != subject.fiscal_year
            and fresh.year_amounts.exclude(fiscal_year=fresh.fiscal_year).exists()
        ):
            raise ValidationError({"fiscal_year": "已有多个年度资金记录的项目不能修改申报年度"})
        result = actions.save_edit(subject, user, version, before=before, reason=reason)
        if fresh.fiscal_year != subject.fiscal_year:
            row = SubjectYearAmount.objects.filter(subject=subject, fiscal_year=fresh.fiscal_year).first()
            if row is not None:
                services.update_record(row, {"fiscal_year": subject.fiscal_year}, reason="申报年度修改")
        _save_year(subject, previous_amount, requested_amount)
        _save_detail(subject, detail)
    return result

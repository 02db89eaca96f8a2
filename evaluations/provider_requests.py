"""Asking a purchased service's provider (承接主体) for data during the self-evaluation (seed 000 第八条: 承接主体负责按
合同约定完成服务内容，配合开展绩效评价): the actions, the provider's 待办, and the page where the provider answers.

The unit (the form's preparer, while the form is editable) asks; the provider registered on the subject's purchase
(``subjects.PurchasedServiceDetail.provider``) gets the request in its 待办 and reaches that request only
(``core.Assignment``: the provider's role reaches assigned records, Scope.ASSIGNED); it answers once; the answer shows
on the form beside the indicators it informs.
"""

from __future__ import annotations

import datetime

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone

from accounts.roles import Role
from audit import trail
from audit.models import AuditAction
from core import access, clock, services
from core.models import Assignment
from core.todo import TodoItem
from evaluations.models import ProviderDataRequest
from workflow import guards

ASK_DENIED = "只有自评表的填报人在草稿或退回修改时可以请承接主体提供数据"
LIMIT = 50


def provider_of(form):
    """The provider registered on the form's purchased service, or None."""
    detail = getattr(form.subject, "purchased_service", None) if form.subject.kind == "purchased_service" else None
    return detail.provider if detail is not None and detail.provider_id else None


def can_ask(user, form) -> bool:
    return guards.can_edit(user, form) and provider_of(form) is not None


def ask(form, user, *, question: str, due_on: datetime.date) -> ProviderDataRequest:
    if not guards.can_edit(user, form):
        trail.record(AuditAction.PERMISSION_DENIED, form, actor=user, reason=ASK_DENIED)
        raise PermissionDenied(ASK_DENIED)
    if form.subject.kind != "purchased_service":
        raise ValidationError("只有政府购买服务项目可以请承接主体提供数据")
    provider = provider_of(form)
    if provider is None:
        raise ValidationError("该政府购买服务项目未登记承接主体，请先在项目库中补充")
    if not (question or "").strip():
        raise ValidationError({"question": "请写明需要承接主体提供的数据"})
    if due_on < clock.today():
        raise ValidationError({"due_on": "答复期限不能早于今天"})
    with transaction.atomic():
        request = services.create_record(
            ProviderDataRequest(
                evaluation=form, provider=provider, question=question.strip(), due_on=due_on, asked_by=user
            ),
            reason="请承接主体配合提供自评数据",
        )
        services.create_record(
            Assignment(
                content_type=ContentType.objects.get_for_model(ProviderDataRequest),
                object_id=request.pk,
                organisation=provider,
            ),
            reason="承接主体可查看并答复该数据请求",
        )
    return request


def can_answer(user, request) -> bool:
    return (
        request.answered_at is None
        and any(a.role == Role.PROVIDER and a.organisation_id == request.provider_id for a in user.role_assignments())
        and access.can(user, "view", request)
    )


def answer(request, user, *, text: str) -> ProviderDataRequest:
    with transaction.atomic():
        locked = ProviderDataRequest.objects.select_for_update().get(pk=request.pk)
        if locked.answered_at is not None:
            raise ValidationError("该数据请求已经答复，不能重复答复")
        if not can_answer(user, locked):
            trail.record(AuditAction.PERMISSION_DENIED, locked, actor=user, reason="只有受请求的承接主体可以答复")
            raise PermissionDenied("只有受请求的承接主体可以答复")
        if not (text or "").strip():
            raise ValidationError({"answer": "请填写答复内容"})
        services.update_record(
            locked,
            {"answer": text.strip(), "answered_by": user, "answered_at": clock.now()},
            reason="承接主体答复数据请求",
        )
    return locked


# --- 待办 -----------------------------------------------------------------------------------------------------------


def to_answer(user):
    providers = [a.organisation_id for a in user.role_assignments() if a.role == Role.PROVIDER]
    if not providers:
        return ProviderDataRequest.objects.none()
    return ProviderDataRequest.objects.filter(provider_id__in=providers, answered_at__isnull=True)


def todo_provider(user) -> list[TodoItem]:
    rows = to_answer(user).select_related("evaluation__subject", "evaluation__organisation")
    return [
        TodoItem(
            title=f"配合绩效自评：{r.evaluation.subject.name}（{r.evaluation.fiscal_year} 年度）",
            url=r.get_absolute_url(),
            stage="evaluation",
            kind="提供数据",
            organisation=r.evaluation.organisation.name,
            since=r.asked_at,
            due_at=timezone.make_aware(datetime.datetime.combine(r.due_on, datetime.time(23, 59))),
        )
        for r in rows.order_by("due_on", "pk")[:LIMIT]
    ]


def todo_count(user) -> dict[str, int]:
    n = to_answer(user).count()
    return {"evaluation": n} if n else {}


# --- pages ----------------------------------------------------------------------------------------------------------


class AskForm(forms.Form):
    question = forms.CharField(label="需提供的数据和说明", widget=forms.Textarea(attrs={"rows": 3}), max_length=2000)
    due_on = forms.DateField(label="答复期限", widget=forms.DateInput(attrs={"type": "date"}))


class AnswerForm(forms.Form):
    answer = forms.CharField(label="答复", widget=forms.Textarea(attrs={"rows": 5}), max_length=5000)


def panel(form, user) -> dict:
    """The form page's part: the requests and their answers, and the ask form for the unit."""
    return {
        "provider_requests": list(form.provider_requests.select_related("provider", "answered_by")),
        "provider_ask_form": AskForm(initial={"due_on": clock.today() + datetime.timedelta(days=10)})
        if can_ask(user, form)
        else None,
        "provider": provider_of(form) if form.subject.kind == "purchased_service" else None,
    }


@login_required
def ask_view(request, pk):
    from evaluations.models import SelfEvaluation

    form = access.get_object_or_404(SelfEvaluation.objects.select_related("subject", "chain"), request.user, pk=pk)
    if request.method != "POST" or not can_ask(request.user, form):
        raise Http404("无权操作")
    bound = AskForm(request.POST)
    if not bound.is_valid():
        messages.error(request, "；".join(e for errors in bound.errors.values() for e in errors))
    else:
        try:
            ask(form, request.user, **bound.cleaned_data)
        except (ValidationError, PermissionDenied) as exc:
            messages.error(request, "；".join(exc.messages) if isinstance(exc, ValidationError) else str(exc))
        else:
            messages.success(request, "已请承接主体提供数据，答复后显示在本表")
    return redirect(form.get_absolute_url() + "#provider-requests")


@login_required
def request_view(request, pk):
    """The provider's page: the question and the answer form; the unit and its reviewers read it too."""
    item = access.get_object_or_404(
        ProviderDataRequest.objects.select_related("evaluation__subject", "evaluation__organisation", "provider"),
        request.user,
        pk=pk,
    )
    bound = AnswerForm(request.POST or None)
    if request.method == "POST":
        if not can_answer(request.user, item) and item.answered_at is None:
            raise Http404("无权答复")
        if bound.is_valid():
            try:
                answer(item, request.user, text=bound.cleaned_data["answer"])
            except (ValidationError, PermissionDenied) as exc:
                bound.add_error(None, "；".join(exc.messages) if isinstance(exc, ValidationError) else str(exc))
            else:
                messages.success(request, "已答复")
                return redirect(item.get_absolute_url())
    return render(
        request,
        "evaluations/provider_request.html",
        {
            "title": str(item),
            "object": item,
            "form": bound if can_answer(request.user, item) else None,
        },
    )

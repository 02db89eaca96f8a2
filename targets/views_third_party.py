"""Pages of the 第三方评审 of a target sheet (targets/actions/third_party.py): the performance section commissions
agencies and experts; a reviewer submits its opinion from the sheet's page."""

from __future__ import annotations

from datetime import timedelta

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from accounts.models import User
from accounts.roles import Role
from core import access, clock, kept_input
from organisations.choices import OrgKind
from organisations.models import Organisation
from targets.actions import third_party
from targets.models import TargetSheet
from targets.third_party_models import ReviewConclusion, TargetThirdPartyReview

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class CommissionForm(forms.Form):
    agencies = forms.ModelMultipleChoiceField(
        label="中介机构",
        queryset=Organisation.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="登记为“第三方机构”的机构；受托后机构人员只能看到该项目、这份申报表和本次评审",
    )
    experts = forms.ModelMultipleChoiceField(
        label="评审专家",
        queryset=User.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="被指派的专家本人才能看到并提交评审意见",
    )
    reason = forms.CharField(
        label="评审事由",
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="长治市《预算绩效管理办法》第十四条：对社会关注度高、对经济社会发展有重要影响和关系民生公益等重大项目的"
        "绩效目标，财政部门可根据需要实施第三方评审，评审意见作为安排预算资金的重要参考依据",
    )
    due_on = forms.DateField(label="评审期限", widget=DATE)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["agencies"].queryset = Organisation.objects.filter(kind=OrgKind.AGENCY, is_active=True).order_by(
            "sort_order", "name"
        )
        self.fields["experts"].queryset = (
            User.objects.filter(is_active=True, roles__role=Role.EXPERT)
            .select_related("organisation")
            .distinct()
            .order_by("username")
        )
        self.fields["experts"].label_from_instance = lambda u: (
            f"{u.name}（{u.organisation.name}）" if u.organisation_id else u.name
        )


class SubmitForm(forms.Form):
    conclusion = forms.ChoiceField(label="评审结论", choices=ReviewConclusion.choices, widget=forms.RadioSelect)
    opinion = forms.CharField(label="评审意见", max_length=4000, widget=forms.Textarea(attrs={"rows": 5}))


def _errors(form, exc) -> None:
    if isinstance(exc, PermissionDenied):
        form.add_error(None, str(exc))
        return
    for field, messages_ in (exc.message_dict if hasattr(exc, "error_dict") else {None: exc.messages}).items():
        form.add_error(field if field in form.fields else None, messages_)


@login_required
def commission(request, pk):
    sheet = access.get_object_or_404(TargetSheet.objects.select_related("subject"), request.user, pk=pk)
    if not third_party.can_commission(request.user, sheet):
        raise Http404("页面不存在")
    initial = {"due_on": clock.today() + timedelta(days=third_party.REVIEW_DAYS)}
    form = CommissionForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            created = third_party.commission(
                sheet,
                request.user,
                agencies=data["agencies"],
                experts=data["experts"],
                reason=data["reason"],
                due_on=data["due_on"],
            )
        except (ValidationError, PermissionDenied) as exc:
            _errors(form, exc)
        else:
            messages.success(request, f"已委托第三方评审：{'、'.join(r.reviewer_name for r in created)}")
            return redirect(sheet.get_absolute_url() + "#third-party-reviews")
    return render(request, "core/form.html", {"title": f"委托第三方评审绩效目标 · {sheet.subject.name}", "form": form})


@login_required
@require_POST
def submit(request, pk):
    review = access.get_object_or_404(TargetThirdPartyReview.objects.select_related("sheet"), request.user, pk=pk)
    form = SubmitForm(request.POST)
    back = review.sheet.get_absolute_url() + "#third-party-reviews"
    if not form.is_valid():
        kept_input.keep(request, f"third-party-review-{review.pk}", request.POST)
        messages.error(request, "；".join(e for errors in form.errors.values() for e in errors))
        return redirect(back)
    try:
        third_party.submit(review, request.user, **form.cleaned_data)
    except PermissionDenied as exc:
        messages.error(request, str(exc))
    except ValidationError as exc:
        kept_input.keep(request, f"third-party-review-{review.pk}", request.POST)
        messages.error(request, "；".join(exc.messages))
    else:
        messages.success(request, "评审意见已提交")
    return redirect(back)


def panel_context(sheet, request) -> dict:
    """The sheet page's 第三方评审 card: the reviews this user may read, whether the user may commission one, and for
    each review the user may answer, its form (with what a refused submission kept)."""
    user = request.user
    reviews = list(third_party.visible_reviews(user, sheet))
    for review in reviews:
        review.answerable = third_party.can_submit(user, review)
        if review.answerable:
            review.form = SubmitForm(kept_input.take(request, f"third-party-review-{review.pk}") or None)
    return {"third_party_reviews": reviews, "can_commission_review": third_party.can_commission(user, sheet)}

"""Pages of the agency register (第三方机构库): the list and a profile (qualifications, staff, contracts, past work,
ratings and sanctions), contracts with their deliverables and teams, and the team review. Every read goes through the
gate (``core.access``; an agency reaches its own profile and contracts through their assignments); every change
through ``agencies.actions`` / ``agencies.teams`` / ``agencies.deliverables``."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Avg, F, OuterRef, Subquery, Sum, Value
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from accounts.roles import Capability
from agencies import actions, teams
from agencies.deliverables import DELIVERABLES, decide, deliverables_of, may_upload
from agencies.filtersets import AgencyProfileFilterSet, ContractFilterSet, TeamProposalFilterSet
from agencies.forms import (
    AppraisalForm,
    ContractForm,
    DecisionForm,
    MemberForm,
    ProfileForm,
    ProposeForm,
    StaffForm,
    StatementForm,
)
from agencies.models import (
    AgencyContract,
    AgencyProfile,
    AgencyStaff,
    Deliverable,
    MemberAppraisal,
    Rating,
    TeamMember,
    TeamProposal,
)
from agencies.standing import agency_standing
from agencies.tables import AgencyProfileTable, ContractTable, TeamProposalTable
from core import access
from core.views import GatedListView, audit_history
from workflow.actions import StaleDocument
from workflow.views import TransitionView, review_context


def error_text(exc) -> str:
    return "；".join(exc.messages) if isinstance(exc, ValidationError) else str(exc)


def form_errors(form, exc: ValidationError) -> None:
    """Put an action's ValidationError on the form: a field's message under the field when the form has it."""
    if hasattr(exc, "error_dict"):
        for field, errors in exc.error_dict.items():
            target = field if field in form.fields else None
            for error in errors:
                form.add_error(target, error.messages if hasattr(error, "messages") else error)
    else:
        form.add_error(None, exc.messages)


def form_page(request, form, title: str, *, intro: str = "", back: str = "", pretitle: str = "第三方机构库"):
    return render(
        request,
        "agencies/form.html",
        {"title": title, "form": form, "intro": intro, "back": back, "pretitle": pretitle},
    )


def _act(request, form, action, success: str, *, title: str, back: str, intro: str = ""):
    """Run ``action()`` for a valid form: its record on success (with the message), else the form again with the
    action's refusal on it. A refusal of who may act is a 404 (the page exists only for who may)."""
    try:
        record = action()
    except PermissionDenied:
        raise Http404("无权操作") from None
    except ValidationError as exc:
        form_errors(form, exc)
        return None, form_page(request, form, title, intro=intro, back=back)
    messages.success(request, success)
    return record, None


# ---------------------------------------------------------------------------------------------- the register


def _rating_average(target: str):
    rows = (
        Rating.objects.filter(**{target: OuterRef("pk")})
        .values(target)
        .annotate(a=Avg(F("quality") + F("timeliness") + F("conduct")))
        .values("a")
    )
    return Subquery(rows)


def _rating_count(target: str):
    rows = Rating.objects.filter(**{target: OuterRef("pk")}).values(target).annotate(n=Sum(Value(1))).values("n")
    return Subquery(rows)


class AgencyListView(GatedListView):
    model = AgencyProfile
    table_class = AgencyProfileTable
    filterset_class = AgencyProfileFilterSet
    title = "第三方机构库"
    export_name = "第三方机构库"
    create_url_name = "agencies:create"
    create_capability = Capability.MANAGE_AGENCY_REGISTER
    extra_actions = (("agencies:contract_list", "委托合同", "bi-file-earmark-text"),)

    def base_queryset(self):
        staff = (
            AgencyStaff.objects.filter(agency=OuterRef("pk"), is_active=True)
            .values("agency")
            .annotate(n=Sum(Value(1)))  # a row count; SUM keeps the list's one COUNT(*) the only count
            .values("n")
        )
        return AgencyProfile.objects.select_related("organisation").annotate(
            staff_count=Subquery(staff), rating_average=_rating_average("agency"), rating_count=_rating_count("agency")
        )


def _profile(request, pk):
    return access.get_object_or_404(AgencyProfile.objects.select_related("organisation__region"), request.user, pk=pk)


@login_required
def agency_detail(request, pk):
    from keyevals.models import KeyEvaluation

    profile = _profile(request, pk)
    user = request.user
    contracts = access.restrict(AgencyContract.objects.filter(agency=profile), user).select_related("commissioner")
    past = access.restrict(KeyEvaluation.objects.filter(agency=profile.organisation), user).select_related("evaluated")
    return render(
        request,
        "agencies/agency_detail.html",
        {
            "title": profile.organisation.name,
            "object": profile,
            "qualifications": [line.strip() for line in profile.qualifications.splitlines() if line.strip()],
            "staff": profile.staff.select_related("user").order_by("-is_active", "name"),
            "contracts": contracts,
            "past": past,
            "ratings": profile.ratings.select_related("rater", "rated_by"),
            "sanctions": profile.sanctions.select_related("issuer", "issued_by"),
            "standing": agency_standing(profile),
            "can_manage": actions.manages(user, profile),
            "history": audit_history(profile),
        },
    )


@login_required
def agency_create(request):
    if not actions.may_manage_register(request.user):
        raise Http404("页面不存在")
    form = ProfileForm(request.POST or None, user=request.user)
    title = "第三方机构入库"
    if request.method == "POST" and form.is_valid():
        values = {k: v for k, v in form.cleaned_data.items() if k != "reason"}
        profile, page = _act(
            request, form, lambda: actions.create_profile(request.user, values), "已入库", title=title, back=""
        )
        return page or redirect(profile)
    return form_page(
        request,
        form,
        title,
        intro="机构须先由系统管理员在“机构”中新增（类型为第三方机构），再在此登记其类型、资质和人员。",
    )


@login_required
def agency_edit(request, pk):
    profile = _profile(request, pk)
    if not actions.manages(request.user, profile):
        raise Http404("无权编辑")
    form = ProfileForm(request.POST or None, instance=AgencyProfile.objects.get(pk=profile.pk))
    title = f"编辑机构信息：{profile}"
    if request.method == "POST" and form.is_valid():
        values = {k: v for k, v in form.cleaned_data.items() if k != "reason"}
        reason = form.cleaned_data.get("reason", "")
        _, page = _act(
            request,
            form,
            lambda: actions.update_profile(request.user, profile, values, reason),
            "已保存",
            title=title,
            back=profile.get_absolute_url(),
        )
        return page or redirect(profile)
    return form_page(request, form, title, back=profile.get_absolute_url())


@login_required
def staff_add(request, pk):
    profile = _profile(request, pk)
    if not actions.manages(request.user, profile):
        raise Http404("无权操作")
    form = StaffForm(request.POST or None, profile=profile)
    title = f"登记机构人员：{profile}"
    if request.method == "POST" and form.is_valid():
        _, page = _act(
            request,
            form,
            lambda: actions.add_staff(request.user, profile, form.cleaned_data),
            "已登记",
            title=title,
            back=profile.get_absolute_url(),
        )
        return page or redirect(profile.get_absolute_url() + "#staff")
    return form_page(request, form, title, back=profile.get_absolute_url())


@login_required
def staff_edit(request, pk):
    staff = AgencyStaff.objects.select_related("agency__organisation").filter(pk=pk).first()
    if staff is None:
        raise Http404("记录不存在或无权访问")
    profile = _profile(request, staff.agency_id)
    if not actions.manages(request.user, profile):
        raise Http404("无权编辑")
    form = StaffForm(request.POST or None, instance=staff, profile=profile)
    title = f"编辑机构人员：{staff.name}"
    if request.method == "POST" and form.is_valid():
        values = {k: v for k, v in form.cleaned_data.items() if k != "reason"}
        reason = form.cleaned_data.get("reason", "")
        fresh = AgencyStaff.objects.get(pk=staff.pk)
        _, page = _act(
            request,
            form,
            lambda: actions.update_staff(request.user, fresh, values, reason),
            "已保存",
            title=title,
            back=profile.get_absolute_url(),
        )
        return page or redirect(profile.get_absolute_url() + "#staff")
    return form_page(request, form, title, back=profile.get_absolute_url())


# ---------------------------------------------------------------------------------------------- contracts


class ContractListView(GatedListView):
    model = AgencyContract
    table_class = ContractTable
    filterset_class = ContractFilterSet
    title = "委托合同"
    export_name = "第三方机构委托合同"
    create_url_name = "agencies:contract_create"
    create_capability = Capability.ORGANISE_KEY_EVALUATIONS

    def base_queryset(self):
        return AgencyContract.objects.select_related("agency__organisation", "commissioner")


def _contract(request, pk):
    return access.get_object_or_404(
        AgencyContract.objects.select_related("agency__organisation", "commissioner", "created_by"), request.user, pk=pk
    )


@login_required
def contract_detail(request, pk):
    contract = _contract(request, pk)
    user = request.user
    proposals = list(
        access.restrict(TeamProposal.objects.filter(contract=contract), user).prefetch_related("members__staff")
    )
    panel = DELIVERABLES.panel(contract, user)["attachment_panel"]
    commissioning = actions.commissions(user, contract)
    return render(
        request,
        "agencies/contract_detail.html",
        {
            "title": f"委托合同：{contract.title}",
            "object": contract,
            "proposals": proposals,
            "in_force": next((p for p in proposals if p.in_force), None),
            "deliverables": deliverables_of(contract),
            "upload_form": panel["form"],
            "decision_form": DecisionForm() if commissioning else None,
            "can_decide": commissioning,
            "can_upload": may_upload(user, contract),
            "can_edit": commissioning,
            "can_propose": teams.may_propose(user, contract),
            "standing": agency_standing(contract.agency),
            "key_evaluations": _key_evaluations(contract, user),
            "history": audit_history(contract),
        },
    )


def _key_evaluations(contract, user):
    from keyevals.models import KeyEvaluation

    return access.restrict(KeyEvaluation.objects.filter(contract=contract), user)


@login_required
def contract_create(request):
    if not actions.may_register_contract(request.user):
        raise Http404("页面不存在")
    form = ContractForm(request.POST or None, user=request.user)
    title = "登记委托合同"
    if request.method == "POST" and form.is_valid():
        contract, page = _act(
            request,
            form,
            lambda: actions.create_contract(request.user, form.cleaned_data),
            "已登记委托合同",
            title=title,
            back="",
        )
        return page or redirect(contract)
    return form_page(
        request, form, title, pretitle="委托合同", intro="登记后受托机构即可查看合同、提出工作团队、上传委托成果。"
    )


@login_required
def contract_edit(request, pk):
    contract = _contract(request, pk)
    if not actions.commissions(request.user, contract):
        raise Http404("无权编辑")
    form = ContractForm(request.POST or None, instance=AgencyContract.objects.get(pk=contract.pk))
    title = f"编辑委托合同：{contract.title}"
    if request.method == "POST" and form.is_valid():
        values = {k: v for k, v in form.cleaned_data.items() if k != "reason"}
        reason = form.cleaned_data.get("reason", "")
        _, page = _act(
            request,
            form,
            lambda: actions.update_contract(request.user, contract, values, reason),
            "已保存",
            title=title,
            back=contract.get_absolute_url(),
        )
        return page or redirect(contract)
    return form_page(request, form, title, back=contract.get_absolute_url(), pretitle="委托合同")


@require_POST
@login_required
def deliverable_decide(request, pk, deliverable_pk):
    contract = _contract(request, pk)
    deliverable = Deliverable.objects.filter(contract=contract, pk=deliverable_pk).first()
    if deliverable is None or not actions.commissions(request.user, contract):
        raise Http404("记录不存在或无权访问")
    form = DecisionForm(request.POST)
    back = contract.get_absolute_url() + "#deliverables"
    if not form.is_valid():
        messages.error(request, "请选择验收结论")
        return redirect(back)
    try:
        decide(request.user, deliverable, form.cleaned_data["decision"], form.cleaned_data["note"])
    except PermissionDenied:
        raise Http404("无权操作") from None
    except ValidationError as exc:
        messages.error(request, f"“{deliverable.title}”未能验收：{error_text(exc)}")
    else:
        messages.success(request, f"“{deliverable.title}”已{deliverable.get_decision_display()}")
    return redirect(back)


deliverable_upload = DELIVERABLES.upload_view()
deliverable_delete = DELIVERABLES.delete_view()
deliverable_download = DELIVERABLES.download_view()


# ---------------------------------------------------------------------------------------------- teams


class TeamProposalListView(GatedListView):
    model = TeamProposal
    table_class = TeamProposalTable
    filterset_class = TeamProposalFilterSet
    title = "第三方机构工作团队"
    export_name = "第三方机构工作团队"

    def base_queryset(self):
        return TeamProposal.objects.select_related("contract__agency__organisation")


def _proposal(request, pk):
    return access.get_object_or_404(
        TeamProposal.objects.select_related(
            "contract__agency__organisation", "contract__commissioner", "chain", "replaces"
        ),
        request.user,
        pk=pk,
    )


@login_required
def team_propose(request, pk):
    contract = _contract(request, pk)
    if not actions.is_agency_of(request.user, contract):
        raise Http404("无权操作")
    current = teams.in_force(contract)
    form = ProposeForm(request.POST or None)
    title = f"{'调整' if current else '提出'}工作团队：{contract.title}"
    intro = (
        "人员调整须经委托方审核通过后生效（seed 004 三(一)）：新方案沿用现行团队成员，调整后提交审核。"
        if current
        else "团队须有不少于 3 名驻场人员，其中 1 人为项目负责人；提交前请填写利益冲突声明。"
    )
    if request.method == "POST" and form.is_valid():
        proposal, page = _act(
            request,
            form,
            lambda: teams.propose(request.user, contract, **form.cleaned_data),
            "已提出，请添加团队成员后提交审核",
            title=title,
            back=contract.get_absolute_url(),
            intro=intro,
        )
        return page or redirect(proposal)
    return form_page(request, form, title, intro=intro, back=contract.get_absolute_url(), pretitle="委托合同")


@login_required
def team_detail(request, pk):
    proposal = _proposal(request, pk)
    user = request.user
    editable = teams.guards.can_edit(user, proposal)
    members = list(proposal.members.select_related("staff").order_by("role", "id"))
    appraisals = MemberAppraisal.objects.filter(member__proposal=proposal).select_related(
        "member__staff", "appraised_by"
    )
    may_appraise = teams.may_appraise(user, proposal)
    context = {
        "title": f"工作团队：{proposal.contract.title}",
        "object": proposal,
        "contract": proposal.contract,
        "members": members,
        "resident_count": sum(1 for m in members if m.resident),
        "min_resident": teams.MIN_RESIDENT,
        "problems": teams.team_problems(proposal) if proposal.status != "approved" else [],
        "conflicts": teams.conflicts(proposal),
        "editable": editable,
        "member_form": MemberForm(proposal=proposal) if editable else None,
        "statement_form": StatementForm(
            initial={
                "version": proposal.version,
                "reason": proposal.reason,
                "conflict_statement": proposal.conflict_statement,
            }
        )
        if editable
        else None,
        "appraisals": appraisals,
        "appraisal_form": AppraisalForm(proposal=proposal) if may_appraise else None,
        "replaced_members": list(proposal.replaces.members.select_related("staff")) if proposal.replaces_id else [],
        "can_read_contract": True,
        "transition_url": reverse("agencies:team_transition", args=[proposal.pk]),
        "history": audit_history(proposal),
    }
    context.update(review_context(proposal, user))
    return render(request, "agencies/team_detail.html", context)


@require_POST
@login_required
def team_statement(request, pk):
    proposal = _proposal(request, pk)
    if not teams.guards.can_edit(request.user, proposal):
        raise Http404("无权操作")
    form = StatementForm(request.POST)
    if form.is_valid():
        try:
            teams.update_statement(request.user, proposal, **form.cleaned_data)
        except StaleDocument as exc:
            messages.error(request, exc.message)
        except PermissionDenied:
            raise Http404("无权操作") from None
        except ValidationError as exc:
            messages.error(request, error_text(exc))
        else:
            messages.success(request, "已保存团队说明")
    else:
        messages.error(request, "页面版本号缺失，请刷新页面后重新填写")
    return redirect(proposal)


@require_POST
@login_required
def team_member_add(request, pk):
    proposal = _proposal(request, pk)
    if not teams.guards.can_edit(request.user, proposal):
        raise Http404("无权操作")
    form = MemberForm(request.POST, proposal=proposal)
    if not form.is_valid():
        messages.error(
            request,
            "未能添加："
            + "；".join(
                f"{form.fields[k].label if k in form.fields else ''}{' '.join(v)}" for k, v in form.errors.items()
            ),
        )
        return redirect(proposal)
    try:
        member = teams.add_member(request.user, proposal, form.cleaned_data)
    except PermissionDenied:
        raise Http404("无权操作") from None
    except ValidationError as exc:
        messages.error(request, f"未能添加：{error_text(exc)}")
    else:
        messages.success(request, f"已添加{member.staff.name}")
    return redirect(proposal.get_absolute_url() + "#members")


@require_POST
@login_required
def team_member_remove(request, pk, member_pk):
    proposal = _proposal(request, pk)
    member = TeamMember.objects.filter(proposal=proposal, pk=member_pk).select_related("staff").first()
    if member is None or not teams.guards.can_edit(request.user, proposal):
        raise Http404("无权操作")
    teams.remove_member(request.user, member)
    messages.success(request, f"已移出{member.staff.name}")
    return redirect(proposal.get_absolute_url() + "#members")


@require_POST
@login_required
def team_appraise(request, pk):
    proposal = _proposal(request, pk)
    if not teams.may_appraise(request.user, proposal):
        raise Http404("无权操作")
    form = AppraisalForm(request.POST, proposal=proposal)
    if not form.is_valid():
        messages.error(
            request,
            "未能考核："
            + "；".join(
                f"{form.fields[k].label if k in form.fields else ''}{' '.join(v)}" for k, v in form.errors.items()
            ),
        )
        return redirect(proposal.get_absolute_url() + "#appraisals")
    data = form.cleaned_data
    try:
        teams.appraise(request.user, data["member"], year=data["year"], grade=data["grade"], comment=data["comment"])
    except PermissionDenied:
        raise Http404("无权操作") from None
    except ValidationError as exc:
        messages.error(request, f"未能考核：{error_text(exc)}")
    else:
        messages.success(request, f"已记录{data['member'].staff.name} {data['year']} 年度考核")
    return redirect(proposal.get_absolute_url() + "#appraisals")


class TeamTransitionView(TransitionView):
    model = TeamProposal

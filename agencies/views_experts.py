"""Pages of the expert register (专家库): the list and an expert (fields, employer, declared relations, ratings,
sanctions, the draws he or she was in), the random draw with its result, exclusions and seed and its 复核 (replay), and
the rating and sanction forms of agencies and experts alike. Reads through the gate, changes through
``agencies.actions`` and ``agencies.draw``."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from accounts.roles import Capability
from agencies import actions, draw
from agencies.filtersets import ExpertDrawFilterSet, ExpertFilterSet
from agencies.forms import DrawForm, ExpertForm, RatingForm, RelationForm, SanctionForm
from agencies.models import AgencyProfile, Expert, ExpertDraw, ExpertRelation
from agencies.standing import expert_standing
from agencies.tables import ExpertDrawTable, ExpertTable
from agencies.views import _act, _rating_average, error_text, form_page
from core import access
from core.views import GatedListView, audit_history


class ExpertListView(GatedListView):
    model = Expert
    table_class = ExpertTable
    filterset_class = ExpertFilterSet
    title = "评审专家库"
    export_name = "评审专家库"
    create_url_name = "agencies:expert_create"
    create_capability = Capability.MANAGE_AGENCY_REGISTER
    extra_actions = (("agencies:draw_list", "专家抽取记录", "bi-shuffle"),)
    extra_actions_capability = Capability.MANAGE_AGENCY_REGISTER

    def base_queryset(self):
        return Expert.objects.prefetch_related("fields").annotate(rating_average=_rating_average("expert"))


def _expert(request, pk):
    return access.get_object_or_404(Expert.objects.select_related("keeper", "employer", "user"), request.user, pk=pk)


@login_required
def expert_detail(request, pk):
    expert = _expert(request, pk)
    user = request.user
    can_manage = actions.manages(user, expert)
    draws = access.restrict(ExpertDraw.objects.filter(drawn=expert), user).select_related("evaluated", "field")
    return render(
        request,
        "agencies/expert_detail.html",
        {
            "title": f"评审专家：{expert.name}",
            "object": expert,
            "field_names": "、".join(f.name for f in expert.fields.all()),
            "relations": expert.relations.select_related("organisation"),
            "ratings": expert.ratings.select_related("rater", "rated_by"),
            "sanctions": expert.sanctions.select_related("issuer", "issued_by"),
            "draws": draws,
            "standing": expert_standing(expert),
            "can_manage": can_manage,
            "relation_form": RelationForm(user=user) if can_manage else None,
            "history": audit_history(expert),
        },
    )


@login_required
def expert_create(request):
    if actions.keeper_for(request.user) is None:
        raise Http404("页面不存在")
    form = ExpertForm(request.POST or None, user=request.user)
    title = "专家入库"
    if request.method == "POST" and form.is_valid():
        values = {k: v for k, v in form.cleaned_data.items() if k not in ("reason", "fields_chosen")}
        expert, page = _act(
            request,
            form,
            lambda: actions.create_expert(request.user, values, form.cleaned_data["fields_chosen"]),
            "已入库",
            title=title,
            back="",
        )
        return page or redirect(expert)
    return form_page(request, form, title, pretitle="评审专家库")


@login_required
def expert_edit(request, pk):
    expert = _expert(request, pk)
    if not actions.manages(request.user, expert):
        raise Http404("无权编辑")
    form = ExpertForm(request.POST or None, instance=Expert.objects.get(pk=expert.pk), user=request.user)
    title = f"编辑专家信息：{expert.name}"
    if request.method == "POST" and form.is_valid():
        values = {k: v for k, v in form.cleaned_data.items() if k not in ("reason", "fields_chosen")}
        fresh = Expert.objects.get(pk=expert.pk)
        _, page = _act(
            request,
            form,
            lambda: actions.update_expert(
                request.user, fresh, values, form.cleaned_data["fields_chosen"], form.cleaned_data.get("reason", "")
            ),
            "已保存",
            title=title,
            back=expert.get_absolute_url(),
        )
        return page or redirect(expert)
    return form_page(request, form, title, back=expert.get_absolute_url(), pretitle="评审专家库")


@require_POST
@login_required
def relation_add(request, pk):
    expert = _expert(request, pk)
    if not actions.manages(request.user, expert):
        raise Http404("无权操作")
    form = RelationForm(request.POST, user=request.user)
    back = expert.get_absolute_url() + "#relations"
    if not form.is_valid():
        messages.error(request, "未能申报：" + "；".join(" ".join(v) for v in form.errors.values()))
        return redirect(back)
    try:
        actions.add_relation(request.user, expert, form.cleaned_data["organisation"], form.cleaned_data["relation"])
    except ValidationError as exc:
        messages.error(request, f"未能申报：{error_text(exc)}")
    else:
        messages.success(request, "已申报回避关系")
    return redirect(back)


@require_POST
@login_required
def relation_remove(request, pk, relation_pk):
    expert = _expert(request, pk)
    row = ExpertRelation.objects.filter(expert=expert, pk=relation_pk).first()
    if row is None or not actions.manages(request.user, expert):
        raise Http404("无权操作")
    actions.remove_relation(request.user, row)
    messages.success(request, "已撤销回避关系")
    return redirect(expert.get_absolute_url() + "#relations")


# ---------------------------------------------------------------------------------------------- the draw


class ExpertDrawListView(GatedListView):
    model = ExpertDraw
    table_class = ExpertDrawTable
    filterset_class = ExpertDrawFilterSet
    title = "专家抽取记录"
    export_name = "专家抽取记录"
    create_url_name = "agencies:draw_create"
    create_capability = Capability.MANAGE_AGENCY_REGISTER

    def base_queryset(self):
        return ExpertDraw.objects.select_related("evaluated", "field", "drawn_by")


@login_required
def draw_create(request):
    keeper = actions.keeper_for(request.user)
    if keeper is None:
        raise Http404("页面不存在")
    form = DrawForm(request.POST or None, user=request.user)
    title = "随机抽取专家"
    intro = (
        "按专业领域从本级专家库随机抽取：任职于被评价单位（含其下属单位）、申报了与被评价单位或其主管部门有关系、"
        "暂停或暂不可抽取的专家自动回避。抽取结果、回避名单和随机种子记录在案，可复核。"
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        made, page = _act(
            request,
            form,
            lambda: draw.draw_experts(
                keeper=keeper,
                evaluated=data["evaluated"],
                field=data["field"],
                count=data["count"],
                user=request.user,
                seed=data.get("seed"),
                purpose=data.get("purpose", ""),
            ),
            "已抽取",
            title=title,
            back="",
            intro=intro,
        )
        return page or redirect(made)
    return form_page(request, form, title, intro=intro, pretitle="评审专家库")


def _draw(request, pk):
    return access.get_object_or_404(
        ExpertDraw.objects.select_related("keeper", "evaluated", "field", "drawn_by"), request.user, pk=pk
    )


@login_required
def draw_detail(request, pk):
    made = _draw(request, pk)
    verified = None
    if request.method == "POST":
        same, _ = draw.verify(made)
        verified = same
        if same:
            messages.success(request, "复核一致：按记录的随机种子和候选名单重新抽取，结果与记录相同")
        else:
            messages.error(request, "复核不一致：重新抽取的结果与记录不同，请核查")
    drawn = list(made.drawn.select_related("employer").order_by("name"))
    return render(
        request,
        "agencies/draw_detail.html",
        {
            "title": f"专家抽取：{made.evaluated.name} · {made.field.name}",
            "object": made,
            "drawn": drawn,
            "candidates": len(made.candidate_ids),
            "verified": verified,
            "record": _record_link(made, request.user),
            "history": audit_history(made),
        },
    )


def _record_link(made, user):
    """The record the draw was made for (a key evaluation), if the user reaches it."""
    model = made.content_type.model_class() if made.content_type_id else None
    if model is None:
        return None
    return access.restrict(model._default_manager.filter(pk=made.object_id), user).first()


# ---------------------------------------------------------------------------------------------- ratings and sanctions


def _target(request, kind: str, pk):
    if kind == "agency":
        target = access.get_object_or_404(AgencyProfile.objects.select_related("organisation"), request.user, pk=pk)
        return target, {"agency": target}
    target = _expert(request, pk)
    return target, {"expert": target}


@login_required
def rate(request, kind, pk):
    target, who = _target(request, kind, pk)
    if not actions.manages(request.user, target):
        raise Http404("无权操作")
    form = RatingForm(request.POST or None)
    title = f"履职评价：{target.organisation.name if kind == 'agency' else target.name}"
    intro = "评价完成后对受托机构或专家履职情况评分：报告（意见）质量 0–40 分、及时性 0–30 分、执业规范 0–30 分，并记录审核发现的问题数。"
    back = target.get_absolute_url()
    if request.method == "POST" and form.is_valid():
        _, page = _act(
            request,
            form,
            lambda: actions.rate(request.user, values=form.cleaned_data, **who),
            "已记录履职评价",
            title=title,
            back=back,
            intro=intro,
        )
        return page or redirect(back + "#ratings")
    return form_page(request, form, title, intro=intro, back=back)


@login_required
def sanction(request, kind, pk):
    target, who = _target(request, kind, pk)
    if not actions.manages(request.user, target):
        raise Http404("无权操作")
    form = SanctionForm(request.POST or None)
    title = f"处理：{target.organisation.name if kind == 'agency' else target.name}"
    intro = "警告；暂停委托（须填截止日期，到期自动恢复）；清退出库（不再委托、不再抽取）。登记后在库状态随之改变。"
    back = target.get_absolute_url()
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        _, page = _act(
            request,
            form,
            lambda: actions.sanction(
                request.user,
                kind=data["kind"],
                reason=data["reason"],
                starts_on=data["starts_on"],
                ends_on=data["ends_on"],
                **who,
            ),
            "已登记处理",
            title=title,
            back=back,
            intro=intro,
        )
        return page or redirect(back + "#sanctions")
    return form_page(request, form, title, intro=intro, back=back)

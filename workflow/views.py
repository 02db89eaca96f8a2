"""Pages of the review chain: the review panel every document's detail page includes, the one
transition endpoint, and the chain configuration pages."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.views import View

from audit import trail
from audit.models import AuditAction
from core import access
from core.views import GatedUpdateView
from workflow import actions, config, guards, staffing
from workflow.forms import ChainForm, StepFormSet, TransitionForm
from workflow.models import ChainDefinition, ReviewAction, ReviewLog, ReviewStatus


def review_history(doc):
    from django.contrib.contenttypes.models import ContentType

    return ReviewLog.objects.filter(
        content_type=ContentType.objects.get_for_model(type(doc)), object_id=doc.pk
    ).select_related("actor__organisation")


def returned_reason(doc):
    """The return that sent a returned document back (who, from which step, why), for the banner at the top of the
    document's page (templates/workflow/returned_banner.html, issue 12 §6); None unless it is returned."""
    if doc.status != ReviewStatus.RETURNED:
        return None
    return review_history(doc).filter(action=ReviewAction.RETURN).order_by("-created_at", "-id").first()


def review_context(doc, user) -> dict:
    """What templates/workflow/review_panel.html needs."""
    allowed = actions.allowed_actions(user, doc)
    targets = actions.return_targets(doc) if "return" in allowed else []
    chain = actions.chain_for_display(doc)
    form = TransitionForm(initial={"version": doc.version}, targets=targets)
    if "submit" in allowed:
        form.fields["opinion"].widget.attrs["placeholder"] = "提交说明（可选）"
    return {
        "review_returned": returned_reason(doc),
        "review_chain": chain,
        "review_steps": chain.ordered_steps() if chain else [],
        "review_actions": allowed,
        "review_form": form,
        "review_targets": targets,
        "review_log": review_history(doc),
        "can_edit": guards.can_edit(user, doc),
    }


class ReviewableEditView(GatedUpdateView):
    """Edit a document on the review chain: only its preparer, only while draft or returned, and only
    the version the preparer loaded (optimistic locking). Subclasses set ``model`` and ``form_class``."""

    def get_object(self, queryset=None):
        obj = access.get_object_or_404(
            self.model._default_manager.select_related("chain"), self.request.user, pk=self.kwargs["pk"]
        )
        if not guards.can_edit(self.request.user, obj):
            trail.record(AuditAction.PERMISSION_DENIED, obj, reason="文档不在可修改状态或无编辑权限")
            raise Http404("无权编辑")
        return obj

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        kwargs["user"] = self.request.user
        return kwargs

    def form_valid(self, form):
        before = trail.snapshot(self.model._default_manager.get(pk=self.object.pk))
        version = form.cleaned_data.get("version") or 0
        try:
            _, changes = actions.save_edit(
                form.instance,
                self.request.user,
                version,
                before=before,
                reason=form.cleaned_data.get(form.note_field, ""),
            )
        except actions.StaleDocument as exc:
            form.add_error(None, exc.message)
            return self.form_invalid(form)
        except (ValidationError, PermissionDenied) as exc:
            form.add_error(None, exc.messages if isinstance(exc, ValidationError) else str(exc))
            return self.form_invalid(form)
        messages.success(self.request, "已保存" if changes else "没有修改")
        return redirect(self.object.get_absolute_url())


class TransitionView(LoginRequiredMixin, View):
    """POST submit / approve / return for any reviewable model; the action function decides."""

    model = None

    def post(self, request, pk):
        doc = access.get_object_or_404(self.model._default_manager.select_related("chain"), request.user, pk=pk)
        form = TransitionForm(request.POST, targets=actions.return_targets(doc))
        if not form.is_valid():
            messages.error(
                request,
                "提交的内容有误："
                + "；".join(f"{form.fields[k].label or k}：{' '.join(v)}" for k, v in form.errors.items()),
            )
            return redirect(doc.get_absolute_url())
        data = form.cleaned_data
        try:
            actions.perform(
                data["action"], doc, request.user, data["version"], data["opinion"], data.get("target_step")
            )
        except actions.StaleDocument as exc:
            messages.error(request, exc.message)
        except ValidationError as exc:
            messages.error(request, "；".join(exc.messages))
        else:
            messages.success(
                request, f"已{dict(form.fields['action'].choices)[data['action']]}，当前环节：{doc.current_step_name}"
            )
        return redirect(doc.get_absolute_url())


def _require_view(user):
    if not config.can_view_chains(user):
        raise Http404("页面不存在")


@login_required
def chain_list(request):
    _require_view(request.user)
    show_all = request.GET.get("all") == "1"
    chains = ChainDefinition.objects.select_related("region").prefetch_related("steps")
    if not show_all:
        chains = chains.filter(is_active=True)
    can_configure = access.has_capability(request.user, "manage_config")
    chains = list(chains)
    by_region: dict = {}  # asked once per region, not once per chain
    for chain in chains:
        if chain.region_id not in by_region:
            by_region[chain.region_id] = can_configure and config.can_configure(request.user, chain.region)
        chain.editable = chain.is_active and by_region[chain.region_id]
    return render(
        request,
        "workflow/chain_list.html",
        {
            "title": "审核流程",
            "chains": chains,
            "show_all": show_all,
            "can_configure": can_configure,
        },
    )


@login_required
def chain_edit(request, pk=None):
    """Create a chain (a region's own, or a default) or save a new version of an existing one."""
    if not access.has_capability(request.user, "manage_config"):
        raise Http404("页面不存在")
    base = get_object_or_404(ChainDefinition.objects.select_related("region"), pk=pk) if pk else None
    if base is not None and not config.can_configure(request.user, base.region):
        raise Http404("页面不存在")
    initial_steps = (
        [{"name": s.name, "role": s.role, "deadline_days": s.deadline_days} for s in base.ordered_steps()]
        if base
        else []
    )
    form = ChainForm(request.POST or None, base=base, regions=config.configurable_regions(request.user))
    formset = StepFormSet(request.POST or None, initial=initial_steps, prefix="steps")
    if request.method == "POST" and form.is_valid() and formset.is_valid():
        data = form.cleaned_data
        try:
            chain = config.save_chain(
                request.user,
                document_type=data["document_type"],
                region=data["region"],
                name=data["name"],
                steps=formset.ordered_steps(),
                replaces=base,
                reason=data.get("reason", ""),
            )
        except PermissionDenied as exc:
            form.add_error("region", str(exc))
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, f"已保存：{chain}")
            return redirect("workflow:chain_list")
    title = f"修改审核流程：{base}" if base else "新增审核流程"
    return render(request, "workflow/chain_form.html", {"title": title, "form": form, "formset": formset, "base": base})


@login_required
def stranded_list(request):
    """无人办理的文档: documents waiting at a step nobody can act on (the system administrator's, issue 17 §9)."""
    if not staffing.can_see_stranded(request.user):
        raise Http404("页面不存在")
    return render(
        request,
        "workflow/stranded_list.html",
        {"title": "无人办理的文档", "rows": staffing.stranded(request.user)},
    )

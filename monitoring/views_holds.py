"""Pages of disbursement holds (拨款控制; seed 000 第二十一条): the list (the treasury's holds to apply, the holds the
user may lift), a 主管部门's own hold over its units' subjects, and the subject page's panel of holds in force. The
steps are ``monitoring.actions.holds``'; these pages only call them."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from accounts.roles import Capability
from audit import trail
from audit.models import AuditAction
from core import access
from core.views import GatedListView
from monitoring import actions
from monitoring.filtersets import DisbursementHoldFilterSet
from monitoring.forms import DisbursementHoldForm
from monitoring.models import DisbursementHold
from monitoring.tables import DisbursementHoldTable
from monitoring.views import _error, _perform


class DisbursementHoldListView(GatedListView):
    model = DisbursementHold
    table_class = DisbursementHoldTable
    filterset_class = DisbursementHoldFilterSet
    title = "拨款控制"
    template_name = "monitoring/hold_list.html"
    create_url_name = "monitoring:hold_create"  # a 主管部门's own hold (seed 000 第二十一条)

    def can_create(self):
        return actions.may_hold(self.request.user)

    def base_queryset(self):
        return DisbursementHold.objects.select_related("subject__organisation", "department")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user = self.request.user
        context["liftable"] = [
            h
            for h in access.restrict(
                DisbursementHold.objects.filter(lifted_at__isnull=True).select_related("subject"), user
            )
            if actions.can_lift(user, h)
        ]
        context["to_apply"] = (
            []
            if not access.has_capability(user, Capability.APPLY_HOLDS)
            else [
                h
                for h in access.restrict(
                    DisbursementHold.objects.filter(lifted_at__isnull=True, applied_at__isnull=True).select_related(
                        "subject", "department"
                    ),
                    user,
                )
                if actions.can_apply(user, h)
            ]
        )
        return context


@login_required
def hold_create(request):
    """A 主管部门 suspends or stops the disbursement of a subject of its own units (seed 000 第二十一条; the treasury
    then applies it from its 待办). The subject is picked within the reviewer's reach; any other is refused."""
    if not actions.may_hold(request.user):
        trail.record(
            AuditAction.PERMISSION_DENIED,
            object_type="monitoring.disbursementhold",
            object_repr="暂缓或停止拨款",
            reason="只有主管部门审核人可以暂缓或停止所属单位项目的拨款",
        )
        raise Http404("无权操作")
    form = DisbursementHoldForm(
        request.POST or None,
        subjects=actions.hold_subject_choices(request.user),
        initial={"subject": request.GET.get("subject")} if request.GET.get("subject", "").isdecimal() else None,
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            made = actions.hold(data["subject"], request.user, data["kind"], data["reason"])
        except PermissionDenied:
            raise Http404("无权操作") from None
        except ValidationError as exc:
            form.add_error(None, _error(exc))
        else:
            messages.success(request, f"已决定：{made}，待国库科执行")
            return redirect("monitoring:holds")
    intro = (
        "《张掖市市级政府购买服务预算绩效管理暂行办法》第二十一条：财政部门和主管部门不定期整理、分析绩效运行监控结果，"
        "对存在问题的项目，可暂缓或停止预算拨款，并督促购买主体整改。决定即生效，由国库科执行；本部门可随时解除。"
    )
    return render(request, "core/form.html", {"title": "暂缓或停止拨款", "form": form, "intro": intro})


@require_POST
@login_required
def hold_lift(request, pk):
    hold = access.get_object_or_404(DisbursementHold.objects.select_related("subject"), request.user, pk=pk)
    _perform(
        request,
        lambda: actions.lift_hold(hold, request.user, request.POST.get("reason", "")),
        lambda _: f"已解除：{hold}",
    )
    return redirect("monitoring:holds")


@require_POST
@login_required
def hold_apply(request, pk):
    hold = access.get_object_or_404(DisbursementHold.objects.select_related("subject"), request.user, pk=pk)
    _perform(request, lambda: actions.apply_hold(hold, request.user), lambda _: f"已确认执行：{hold}")
    return redirect("monitoring:holds")


def subject_holds(subject, user) -> list:
    """For the subject page: holds in force, when the user may read the subject's records."""
    return list(access.restrict(actions.active_holds(subject).select_related("department"), user))

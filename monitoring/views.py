"""Pages of monitoring rounds (status board, reports), monitoring tables (edit with indicator rows, review
chain), warnings (list, reply, disposal), disbursement holds (拨款控制) and the warning rules."""

from __future__ import annotations

import json
from urllib.parse import quote

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Prefetch
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from audit import trail
from audit.models import AuditAction
from core import access, clock, fiscal
from core.views import GatedDetailView, GatedListView
from monitoring import actions, alerts, board, documents, thresholds
from monitoring.actions import scope
from monitoring.actions.rounds import OPEN_DENIED
from monitoring.choices import RoundKind, RoundScope
from monitoring.filtersets import (
    MonitoringRoundFilterSet,
    MonitoringTableFilterSet,
    PerformanceWarningFilterSet,
)
from monitoring.forms import (
    DisposalForm,
    MonitoringIndicatorFormSet,
    MonitoringRoundForm,
    MonitoringTableForm,
    PerformanceWarningDismissForm,
    PerformanceWarningReplyForm,
    formset_rows,
)
from monitoring.models import (
    DisbursementHold,
    MonitoringRound,
    MonitoringTable,
    PerformanceWarning,
    WarningRule,
)
from monitoring.tables import MonitoringRoundTable, MonitoringTableTable, PerformanceWarningTable
from subjects.citations import citation
from workflow.actions import StaleDocument
from workflow.views import ReviewableEditView, TransitionView, review_context


def _error(exc) -> str:
    return "；".join(exc.messages) if isinstance(exc, ValidationError) else str(exc)


def _perform(request, call, success):
    """Run one action for a POST: refused → 404 (the gate's rule), invalid → the Chinese message, else
    ``success(result)`` as the confirmation. Returns the action's result or None."""
    try:
        result = call()
    except PermissionDenied:
        raise Http404("无权操作") from None
    except ValidationError as exc:
        messages.error(request, _error(exc))
        return None
    messages.success(request, success(result))
    return result


# ---------------------------------------------------------------- rounds


class MonitoringRoundListView(GatedListView):
    model = MonitoringRound
    table_class = MonitoringRoundTable
    filterset_class = MonitoringRoundFilterSet
    title = "监控轮次"
    create_url_name = "monitoring:round_create"

    def get_queryset(self):
        return board.visible_rounds(self.request.user).select_related("organisation")

    def export_queryset(self):
        return self.get_queryset()

    def can_create(self):
        return actions.can_open_round(self.request.user)


@login_required
def round_create(request):
    if not actions.can_open_round(request.user):
        trail.record(
            AuditAction.PERMISSION_DENIED,
            object_type="monitoring.monitoringround",
            object_repr="发起监控轮次",
            reason=OPEN_DENIED,
        )
        raise Http404("无权发起")
    year = fiscal.current_year(request)
    subjects = actions.key_subject_choices(request.user)
    owner = actions.round_organisation(request.user)
    department = owner if actions.round_kind(owner) == RoundKind.DEPARTMENT else None
    as_of, due = actions.round_defaults(year, clock.business_date())  # issue 12 §4: the dates follow today
    initial = {
        "fiscal_year": year,
        "name": f"{year}年{as_of.month}月绩效运行监控",
        "data_as_of": as_of.isoformat(),
        "due_date": due.isoformat(),
    }
    if department is not None:
        initial.update(name=f"{year}年{department.name}重点项目绩效运行监控", scope=RoundScope.KEY)
    form = MonitoringRoundForm(request.POST or None, subjects=subjects, initial=initial, department=department)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            monitoring_round = actions.open_round(
                request.user,
                name=data["name"],
                fiscal_year=data["fiscal_year"],
                data_as_of=data["data_as_of"],
                due_date=data["due_date"],
                scope=data["scope"],
                notice=data["notice"],
                key_subjects=list(data.get("key_subjects") or []),
                reason=data.get("reason", ""),
            )
        except (ValidationError, PermissionDenied) as exc:
            form.add_error(None, _error(exc))
        else:
            messages.success(request, f"已发起：{monitoring_round}")
            return redirect(monitoring_round)
    intro = (
        f"{department.name}对所属单位自选的重点项目开展绩效运行监控（张店区《区级部门单位预算绩效管理办法》第十七条）："
        "监控表由项目单位填报，经单位负责人审核后报本部门审核；财政部门可以查看。"
        if department is not None
        else ""
    )
    return render(request, "core/form.html", {"title": "发起绩效运行监控", "form": form, "intro": intro})


def _round_or_404(user, pk):
    try:
        return board.visible_rounds(user).select_related("organisation__region").get(pk=pk)
    except MonitoringRound.DoesNotExist:
        raise Http404("记录不存在或无权访问") from None


@login_required
def round_detail(request, pk):
    """The status board of a round."""
    monitoring_round = _round_or_404(request.user, pk)
    tree = board.rollup(monitoring_round, request.user)
    departments = [n for region in tree.children for n in region.children if n.key]
    regions = [n for n in tree.children if n.key]
    entries = scope.entries(monitoring_round, request.user)  # who the round left out, and why (issue 12 §4)
    return render(
        request,
        "monitoring/round_detail.html",
        {
            "title": monitoring_round.name,
            "object": monitoring_round,
            "tree": tree,
            "rows": board.flatten(tree),
            "can_manage": actions.can_manage_round(request.user, monitoring_round),
            "can_scan": actions.can_scan_round(request.user, monitoring_round),
            "departments": {d.key: d for d in departments}.values(),
            "regions": regions,
            "warning_count": access.restrict(
                PerformanceWarning.objects.filter(round=monitoring_round), request.user
            ).count(),
            "history": _history(monitoring_round) if access.can(request.user, "view", monitoring_round) else [],
            "left_out": [e for e in entries if not e.included],
            "without_indicators": [e for e in entries if e.included],
        },
    )


def _history(obj):
    from core.views import audit_history

    return audit_history(obj)


@require_POST
@login_required
def round_close(request, pk):
    monitoring_round = _round_or_404(request.user, pk)
    try:
        actions.close_round(monitoring_round, request.user, request.POST.get("reason", ""))
    except (ValidationError, PermissionDenied) as exc:
        messages.error(request, _error(exc))
    else:
        messages.success(request, "本轮监控已结束")
    return redirect(monitoring_round)


@require_POST
@login_required
def round_scan(request, pk):
    monitoring_round = _round_or_404(request.user, pk)
    if not actions.can_scan_round(request.user, monitoring_round):
        trail.record(AuditAction.PERMISSION_DENIED, monitoring_round, reason="无权执行预警扫描")
        raise Http404("无权操作")
    result = alerts.scan(monitoring_round, user=request.user)
    messages.success(request, f"预警扫描完成：新增 {result.raised} 条，已存在 {result.already} 条")
    return redirect(monitoring_round)


def report_scope(monitoring_round, user, level: str, key: int) -> documents.Scope:
    """The tables of a report, through the gate; 404 when the user reaches none of them."""
    tables = access.restrict(MonitoringTable.objects.filter(round=monitoring_round), user)
    if level == "subject":
        tables = tables.filter(pk=key)
    elif level == "department":
        tables = tables.filter(subject__department_id=key)
    elif level == "region":
        from organisations.models import Region

        region = Region.objects.filter(pk=key).first()
        if region is None:
            raise Http404("区划不存在")
        tables = tables.filter(subject__organisation__region__path__startswith=region.path)
    else:
        raise Http404("未知的报告类型")
    tables = list(
        tables.select_related("subject__organisation", "subject__department")
        .prefetch_related("indicators", Prefetch("warnings", queryset=PerformanceWarning.objects.all()))
        .order_by("subject__code")
    )
    if not tables:
        raise Http404("没有可查看的监控表")
    if level == "subject":
        title = tables[0].subject.name
    elif level == "department":
        first = tables[0].subject
        title = first.department.name if first.department_id else first.organisation.name
    else:
        title = region.name
    return documents.Scope(level, title, tables)


@login_required
def round_report(request, pk, level, key):
    monitoring_round = _round_or_404(request.user, pk)
    if not access.restrict(MonitoringTable.objects.filter(round=monitoring_round), request.user, "export").exists():
        raise Http404("无权导出")
    scope = report_scope(monitoring_round, request.user, level, key)
    data = documents.build(monitoring_round, scope)
    filename = f"{scope.title}绩效运行监控报告-{monitoring_round.data_as_of:%Y%m%d}.docx"
    trail.record(
        AuditAction.EXPORT,
        monitoring_round,
        reason=f"下载绩效运行监控报告：{scope.title}",
        changes={"报告": [None, f"{documents.LEVEL_NAMES[level]}：{scope.title}（{len(scope.tables)} 个项目）"]},
    )
    response = HttpResponse(
        data, content_type="application/vnd.openxmlformats-officedocument.wordprocessingml.document"
    )
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(filename)}"
    return response


# ---------------------------------------------------------------- tables


class MonitoringTableListView(GatedListView):
    model = MonitoringTable
    table_class = MonitoringTableTable
    filterset_class = MonitoringTableFilterSet
    title = "绩效目标执行监控表"

    def base_queryset(self):
        return MonitoringTable.objects.select_related("subject__organisation", "round", "chain").prefetch_related(
            "chain__steps"
        )


class MonitoringTableDetailView(GatedDetailView):
    model = MonitoringTable
    template_name = "monitoring/table_detail.html"

    def base_queryset(self):
        return MonitoringTable.objects.select_related(
            "subject__organisation", "subject__department", "round", "target_sheet", "chain__region"
        )

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        table, user = self.object, self.request.user
        context.update(review_context(table, user))
        context.update(
            {
                "title": str(table),
                "transition_url": reverse("monitoring:table_transition", args=[table.pk]),
                "rows": _with_expected(table),
                "months": actions.months_of(table.round),
                "problems": actions.submission_problems(table) if context["can_edit"] else [],
                "warnings": access.restrict(table.warnings.select_related("rule"), user),
                "is_purchased_service": table.subject.kind == "purchased_service",
            }
        )
        return context


def _with_expected(table) -> list:
    """The rows, each with the value its light is judged against (序时目标) and the months it counts."""
    months = actions.months_of(table.round)
    rows = list(table.indicators.all())
    for row in rows:
        row.expected_to_date = actions.expected_to_date(row, months)
    return rows


class MonitoringTableEditView(ReviewableEditView):
    """The unit fills the table and its indicator rows (htmx recomputes a row's light as it is typed)."""

    model = MonitoringTable
    form_class = MonitoringTableForm
    template_name = "monitoring/table_form.html"

    def formset(self):
        rows = list(self.object.indicators.all())
        initial = [{"row_id": r.pk, **{k: getattr(r, k) for k in actions.ROW_FIELDS}} for r in rows]
        formset = MonitoringIndicatorFormSet(
            self.request.POST if self.request.method == "POST" else None, initial=initial, prefix="rows"
        )
        for form, row in zip(formset.forms, rows, strict=False):
            form.row = row
        return formset

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["formset"] = kwargs.get("formset") or self.formset()
        context["title"] = f"填报：{self.object}"
        context["problems"] = actions.submission_problems(self.object)
        return context

    def post(self, request, *args, **kwargs):
        self.object = self.get_object()
        form = self.get_form()
        formset = self.formset()
        if not (form.is_valid() and formset.is_valid()):
            return self.render_to_response(self.get_context_data(form=form, formset=formset))
        data = {k: form.cleaned_data.get(k) for k in MonitoringTableForm.Meta.fields}
        data = {k: ("" if v is None and k != "expected_full_year_rate" else v) for k, v in data.items()}
        try:
            actions.save_table(
                MonitoringTable.objects.get(pk=self.object.pk),
                request.user,
                form.cleaned_data.get("version") or 0,
                data=data,
                rows=formset_rows(formset),
                reason=form.cleaned_data.get("reason", ""),
            )
        except StaleDocument as exc:
            form.add_error(None, exc.message)
        except (ValidationError, PermissionDenied) as exc:
            form.add_error(None, _error(exc))
        else:
            messages.success(request, "已保存")
            return redirect(self.object.get_absolute_url())
        return self.render_to_response(self.get_context_data(form=form, formset=formset))


@login_required
def row_light(request, pk):
    """htmx: the light a row would have with the values typed so far (nothing is saved)."""
    table = access.get_object_or_404(
        MonitoringTable.objects.select_related("round", "subject__organisation__region"), request.user, pk=pk
    )
    row = table.indicators.filter(pk=request.GET.get("row") or 0).first()
    if row is None:
        raise Http404("指标不存在")
    # The formset's fields arrive as "rows-N-actual_to_date"; plain names are accepted too.
    for key, value in request.GET.items():
        if key.endswith("actual_to_date"):
            row.actual_to_date = value
        elif key.endswith("qualitative_level"):
            row.qualitative_level = value
    from monitoring.tables import light_badge

    light = actions.row_light(
        row,
        actions.months_of(table.round),
        thresholds.thresholds_for(table.subject.organisation.region, table.round.data_as_of),
    )
    return HttpResponse(light_badge(light))


class MonitoringTableTransitionView(TransitionView):
    model = MonitoringTable


# ---------------------------------------------------------------- warnings


class PerformanceWarningListView(GatedListView):
    model = PerformanceWarning
    table_class = PerformanceWarningTable
    filterset_class = PerformanceWarningFilterSet
    title = "绩效预警"

    def base_queryset(self):
        return PerformanceWarning.objects.select_related("subject__organisation", "rule")


def _warning(request, pk):
    return access.get_object_or_404(
        PerformanceWarning.objects.select_related(
            "subject__organisation", "subject__department", "rule", "round", "table", "replied_by"
        ),
        request.user,
        pk=pk,
    )


@login_required
def warning_detail(request, pk):
    warning = _warning(request, pk)
    user = request.user
    return render(
        request,
        "monitoring/warning_detail.html",
        {
            "title": f"绩效预警：{warning.subject.name}",
            "object": warning,
            "disposals": warning.disposals.select_related("decided_by"),
            "holds": DisbursementHold.objects.filter(subject=warning.subject).select_related("department"),
            "can_dispose": warning.status == "open" and actions.can_dispose(user, warning),
            "dispose_citation": citation("suspend_disbursement", warning.subject),
            "can_reply": actions.can_reply(user, warning),
            "disposal_form": DisposalForm(),
            "reply_form": PerformanceWarningReplyForm(initial={"note": warning.unit_reply}),
            "dismiss_form": PerformanceWarningDismissForm(),
            "figures": warning.figures,
            "history": _history(warning),
        },
    )


@require_POST
@login_required
def warning_reply(request, pk):
    warning = _warning(request, pk)
    _perform(
        request, lambda: actions.reply(warning, request.user, request.POST.get("note", "")), lambda _: "已提交整改说明"
    )
    return redirect(warning)


@require_POST
@login_required
def warning_dispose(request, pk):
    warning = _warning(request, pk)
    form = DisposalForm(request.POST)
    if not form.is_valid():
        messages.error(
            request,
            "请填写处置决定和理由："
            + "；".join(f"{form.fields[k].label}：{' '.join(v)}" for k, v in form.errors.items()),
        )
        return redirect(warning)
    data = form.cleaned_data
    _perform(
        request,
        lambda: actions.dispose(warning, request.user, data["decision"], data["reason"], data.get("amount")),
        lambda disposal: f"已处置：{disposal.get_decision_display()}",
    )
    return redirect(warning)


@require_POST
@login_required
def warning_dismiss(request, pk):
    warning = _warning(request, pk)
    _perform(
        request, lambda: actions.dismiss(warning, request.user, request.POST.get("reason", "")), lambda _: "预警已核销"
    )
    return redirect(warning)


# ---------------------------------------------------------------- rules


@login_required
def rules(request):
    """The warning rules (current versions, with their history); the performance section saves a new version."""
    can_configure = actions.can_configure_rules(request.user)
    if request.method == "POST":
        if not can_configure:
            trail.record(
                AuditAction.PERMISSION_DENIED,
                object_type="monitoring.warningrule",
                object_repr="预警规则",
                reason="无权修改预警规则",
            )
            raise Http404("无权修改")
        try:
            params = json.loads(request.POST.get("params") or "{}")
        except ValueError:
            messages.error(request, "参数须为 JSON")
            return redirect("monitoring:rules")
        try:
            rule = actions.set_rule(
                request.user,
                request.POST.get("code", ""),
                name=request.POST.get("name") or None,
                params=params,
                is_active=request.POST.get("is_active") == "on",
                reason=request.POST.get("reason", ""),
            )
        except (ValidationError, PermissionDenied) as exc:
            messages.error(request, _error(exc))
        else:
            messages.success(request, f"已保存：{rule}")
        return redirect("monitoring:rules")
    current = list(WarningRule.objects.filter(is_current=True).order_by("code"))
    older = WarningRule.objects.filter(is_current=False).order_by("code", "-version")
    rows = [
        {
            "rule": r,
            "kind": alerts.KINDS.get(r.kind),
            "params": json.dumps(r.params, ensure_ascii=False),
            "older": [o for o in older if o.code == r.code],
        }
        for r in current
    ]
    return render(request, "monitoring/rules.html", {"title": "预警规则", "rows": rows, "can_configure": can_configure})

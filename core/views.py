"""Base views: every list, detail, edit and export goes through the access gate and core.services."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import Http404
from django.shortcuts import redirect, render
from django.views.generic import DetailView, FormView, UpdateView
from django_filters.views import FilterView
from django_tables2 import SingleTableMixin

from accounts.roles import Action
from audit import trail
from audit.models import AuditAction
from core import access, exports, services


class GatedMixin(LoginRequiredMixin):
    """The queryset of every view is the gate's answer for the view's action."""

    model = None
    action = Action.VIEW
    capability: str | None = None

    def dispatch(self, request, *args, **kwargs):
        if (
            request.user.is_authenticated
            and self.capability
            and not access.has_capability(request.user, self.capability)
        ):
            trail.record(
                AuditAction.PERMISSION_DENIED,
                object_type=request.path,
                object_repr=request.path,
                reason=f"缺少权限：{self.capability}",
            )
            raise Http404("页面不存在")
        return super().dispatch(request, *args, **kwargs)

    def base_queryset(self):
        return self.model._default_manager.all()

    def get_queryset(self):
        return access.restrict(self.base_queryset(), self.request.user, self.action)


class GatedListView(GatedMixin, SingleTableMixin, FilterView):
    template_name = "core/list.html"
    paginate_by = 25
    export_name = ""
    title = ""
    create_url_name: str | None = None
    create_capability: str | None = None  # who may create, when creation is a capability
    extra_actions: tuple = ()  # (url name, label, icon) buttons beside 导出/新增
    extra_actions_capability: str | None = None

    def get_table_kwargs(self):
        return {"empty_text": "暂无符合条件的记录"}

    def get_template_names(self):
        if getattr(self.request, "htmx", False) and not self.request.htmx.boosted:
            return ["core/table_partial.html"]
        return [self.template_name]

    # One count per list (issue 16): the table paginates (its paginator's count is the one COUNT, shown as "共 N 条");
    # the ListView's own paginator would count the same rows again, so it is off.
    def get_paginate_by(self, queryset):
        return None

    def get_table_pagination(self, table):
        pagination = super().get_table_pagination(table)
        if pagination is False:
            return False
        pagination = {} if pagination is True else dict(pagination)
        pagination.setdefault("per_page", self.paginate_by)
        return pagination

    # Query parameters a list page takes besides its filters (the table's page, sort and page size are added).
    control_parameters = frozenset({"export"})

    def get(self, request, *args, **kwargs):
        refusal = refuse_unknown_parameters(request, self.known_parameters(), self.get_filterset_class())
        if refusal is not None:
            return refusal
        if request.GET.get("export") == "xlsx":
            return self.export()
        return super().get(request, *args, **kwargs)

    def known_parameters(self) -> set[str]:
        meta = self.get_table_class()._meta  # the table's own names, without building a table to ask them
        prefix = meta.prefix or ""
        known = set(self.control_parameters)
        known |= {prefix + meta.page_field, prefix + meta.order_by_field, prefix + meta.per_page_field}
        return known | filterset_parameters(self.get_filterset_class())

    def export_queryset(self):
        return access.restrict(self.base_queryset(), self.request.user, Action.EXPORT)

    def can_export(self) -> bool:
        return access.may_reach(self.request.user, self.model, Action.EXPORT)

    def export(self):
        """The filtered list as .xlsx, streamed in bounded memory; a large one runs as a background job and the user
        is sent to its progress page (core/exports.py)."""
        if not self.can_export():
            raise Http404("页面不存在")
        return exports.respond(self)

    def record_export(self, rows: int) -> None:
        """The export's audit row (with the rows actually written), before the extra sheets are made."""
        trail.record(
            AuditAction.EXPORT,
            object_type=self.model._meta.label_lower,
            object_repr=f"导出{self.model._meta.verbose_name}（{rows} 行）",
            changes={"筛选条件": self.request.GET.urlencode()},
        )

    def export_extra_sheets(self) -> list:
        """Further ``(title, headers, rows)`` sheets of the export file, made after the export's audit row
        (the audit trail adds its checkpoint, audit/checkpoints.py)."""
        return []

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["title"] = self.title or self.model._meta.verbose_name_plural
        context["create_url_name"] = self.create_url_name if self.can_create() else None
        context["can_export"] = self.can_export()
        cap = self.extra_actions_capability
        context["extra_actions"] = (
            self.extra_actions if not cap or access.has_capability(self.request.user, cap) else ()
        )
        return context

    def can_create(self) -> bool:
        return bool(self.create_capability) and access.has_capability(self.request.user, self.create_capability)


def filter_parameter_names(name: str, widget) -> set[str]:
    """The query parameters of one filter: its name, or its sub-widgets' names (a range's ``_min``/``_max`` …)."""
    if hasattr(widget, "suffixes") and hasattr(widget, "suffixed"):
        return {name, *(widget.suffixed(name, suffix) for suffix in widget.suffixes)}
    if getattr(widget, "widgets_names", None):
        return {name, *(name + suffix for suffix in widget.widgets_names)}
    return {name}


def filterset_parameters(filterset_class) -> set[str]:
    """Every query parameter the filters of ``filterset_class`` read (none without a filterset)."""
    names: set[str] = set()
    for name, filter_ in filterset_class.base_filters.items() if filterset_class else ():
        names |= filter_parameter_names(name, filter_.field.widget)
    return names


def refuse_unknown_parameters(request, known, filterset_class=None, *, invalid=None):
    """A 400 page naming the query parameters of ``request`` that are not in ``known`` (or the filter values that
    ``invalid`` — a bound filterset or form's errors — reports), or None when all are understood. A filter a page
    does not have, or a value it cannot read, would be ignored, and the list or its export would cover more than
    the user believes it does (issue 17 §2)."""
    unknown = [name for name in request.GET if name not in known]
    errors = []
    if invalid is not None and not invalid.is_valid():
        for name, messages_ in invalid.errors.items():
            label = invalid.filters[name].label if hasattr(invalid, "filters") and name in invalid.filters else name
            errors.append(f"{label or name}：{'；'.join(str(m) for m in messages_)}")
    if not unknown and not errors:
        return None
    labels = (
        [f"{f.label or name}（{name}）" for name, f in filterset_class.base_filters.items()] if filterset_class else []
    )
    return render(
        request,
        "core/bad_filter.html",
        {"title": "筛选条件有误", "unknown": unknown, "errors": errors, "known": labels},
        status=400,
    )


class GatedDetailView(GatedMixin, DetailView):
    def get_object(self, queryset=None):
        return access.get_object_or_404(
            self.get_queryset() if queryset is None else queryset, self.request.user, Action.VIEW, pk=self.kwargs["pk"]
        )

    def get_queryset(self):
        return self.base_queryset()

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["can_change"] = access.can(self.request.user, self.change_action, self.object)
        context["history"] = audit_history(self.object)
        return context

    change_action = Action.CHANGE


def audit_history(obj, limit: int = 20):
    from audit.models import AuditEntry

    rows = AuditEntry.objects.filter(object_type=obj._meta.label_lower, object_id=str(obj.pk))
    return rows.select_related("actor__organisation")[:limit]


class GatedUpdateView(GatedMixin, UpdateView):
    """Edit a record the gate lets the user change; the audit row carries the reason."""

    template_name = "core/form.html"
    action = Action.CHANGE

    def get_object(self, queryset=None):
        # Visible but not changeable → 403-free refusal: the record exists for the user, so 404
        # only when it is outside the user's reach altogether.
        obj = access.get_object_or_404(self.base_queryset(), self.request.user, Action.VIEW, pk=self.kwargs["pk"])
        if not access.can(self.request.user, self.action, obj):
            trail.record(AuditAction.PERMISSION_DENIED, obj, reason="无编辑权限")
            raise Http404("无权编辑")
        return obj

    def form_valid(self, form):
        before = trail.snapshot(type(self.object)._default_manager.get(pk=self.object.pk))
        try:
            with transaction.atomic():
                _, changes = services.update_record(
                    form.instance, reason=form.cleaned_data.get("reason", ""), before=before
                )
        except ValidationError as exc:
            form.add_error(None, exc)
            return self.form_invalid(form)
        messages.success(self.request, "已保存" if changes else "没有修改")
        return redirect(self.get_success_url())

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["title"] = f"编辑{self.model._meta.verbose_name}：{self.object}"
        return context


class GatedCreateView(GatedMixin, FormView):
    template_name = "core/form.html"
    action = Action.CHANGE
    model = None
    form_class = None

    def dispatch(self, request, *args, **kwargs):
        # The form is not even shown to someone who could create this record nowhere (issue 11 §2).
        if request.user.is_authenticated and not self.creation_possible():
            trail.record(
                AuditAction.PERMISSION_DENIED,
                object_type=request.path,
                object_repr=request.path,
                reason=f"无权新增{self.model._meta.verbose_name}",
            )
            raise Http404("页面不存在")
        return super().dispatch(request, *args, **kwargs)

    def creation_possible(self) -> bool:
        """Could the user create a record in some organisation? (A review-chain document asks its chain.)"""
        return access.may_reach(self.request.user, self.model, self.action)

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        kwargs["user"] = self.request.user
        return kwargs

    def form_valid(self, form):
        instance = form.save(commit=False)
        if not self.creation_allowed(instance):
            form.add_error(None, "无权在该机构下新增")
            return self.form_invalid(form)
        try:
            services.create_record(instance, reason=form.cleaned_data.get("reason", ""))
        except ValidationError as exc:
            form.add_error(None, exc)
            return self.form_invalid(form)
        self.object = instance
        messages.success(self.request, f"已新增{self.model._meta.verbose_name}：{instance}")
        return redirect(self.get_success_url())

    def creation_allowed(self, instance) -> bool:
        org_field = self.model.access_org_field
        organisation = getattr(instance, org_field.split("__")[0], None) if org_field else instance.parent
        return access.can_create_in(self.request.user, self.model, organisation, self.action)

    def get_success_url(self):
        return self.object.get_absolute_url()

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["title"] = f"新增{self.model._meta.verbose_name}"
        return context

"""Pages of the project library: list (with export and the import template), create, edit, detail
with the review panel, the lifecycle buttons and the attachment panel (subjects/attachments.py)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import OuterRef, Subquery
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views import View

from audit import trail
from audit.models import AuditAction
from core import access, fiscal, kept_input, panels
from core.views import GatedCreateView, GatedDetailView, GatedListView
from subjects import actions as lifecycle
from subjects import services as subject_services
from subjects import target_gate
from subjects.assessment_gate import assessment_clears
from subjects.attachments import ATTACHMENTS
from subjects.choices import LibraryStage, SubjectKind
from subjects.filtersets import SubjectFilterSet
from subjects.forms import LifecycleForm, PurchasedServiceForm, SubjectForm
from subjects.importers import SubjectImporter
from subjects.models import PurchasedServiceDetail, Subject, SubjectYearAmount
from subjects.tables import SubjectTable
from workflow import actions, guards
from workflow.views import TransitionView, review_context


def with_amounts(queryset):
    """The current year's requested and arranged amounts as columns (sortable, no N+1)."""
    # No order: one row per subject and year, and the model's order (by subject) would join the subjects again.
    year = SubjectYearAmount.objects.filter(subject=OuterRef("pk"), fiscal_year=OuterRef("fiscal_year")).order_by()
    return queryset.annotate(
        requested=Subquery(year.values("requested_amount")[:1]), arranged=Subquery(year.values("arranged_amount")[:1])
    )


class SubjectListView(GatedListView):
    model = Subject
    table_class = SubjectTable
    filterset_class = SubjectFilterSet
    title = "项目库"
    create_url_name = "subjects:create"

    def base_queryset(self):
        return with_amounts(
            Subject.objects.select_related("organisation", "department", "chain").prefetch_related("chain__steps")
        )

    def can_create(self):
        return guards.may_prepare(self.request.user, Subject)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        if SubjectImporter.allowed(self.request.user):
            context["extra_actions"] = (
                ("subjects:import", "Excel 导入", "bi-upload"),
                ("subjects:import_template", "下载导入模板", "bi-file-earmark-arrow-down"),
            )
        return context


class SubjectDetailView(GatedDetailView):
    model = Subject
    template_name = "subjects/subject_detail.html"

    def base_queryset(self):
        return Subject.objects.select_related(
            "organisation",
            "department",
            "chain__region",
            "previous",
            "purchased_service__purchaser",
            "purchased_service__provider",
        )

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        subject, user = self.object, self.request.user
        context.update(review_context(subject, user))
        context["transition_url"] = reverse("subjects:transition", args=[subject.pk])
        context["title"] = str(subject)
        context["year_amounts"] = subject.year_amounts.all()
        # Downstream apps contribute their panels (assessments, targets, holds; core/panels.py).
        context["panels"] = panels.render(subject, self.request)
        context["assessment_cleared"] = assessment_clears(subject)[0]
        context.update(ATTACHMENTS.panel(subject, user))  # 附件 (core/attachments.py)
        try:
            context["service"] = subject.purchased_service
        except PurchasedServiceDetail.DoesNotExist:
            context["service"] = None
        context["lifecycle_actions"] = lifecycle.allowed_lifecycle(user, subject)
        context["lifecycle_kept"] = kept_input.take(self.request, f"subject-lifecycle-{subject.pk}")
        if "fund" in context["lifecycle_actions"]:
            # seed 000 第十四条（二）: the arrangement opinion follows finance's opinion on the targets
            context["target_opinions"] = target_gate.finance_target_opinions(subject, subject.fiscal_year)
            # 长治市《预算绩效管理办法》第十四条: third-party reviews are a reference for the arrangement
            context["third_party_opinions"] = target_gate.third_party_opinions(subject, subject.fiscal_year)
        context["can_mark"] = guards.holds_role_over(
            user, subject, lifecycle.FINANCE_MARKERS
        ) and subject.stage not in (LibraryStage.COMPLETED, LibraryStage.TERMINATED)
        if subject.status == "in_review" or context["lifecycle_actions"]:
            context["admission_problems"] = subject.admission_problems() if subject.stage == "pending" else []
        return context


class SubjectFormMixin:
    model = Subject
    template_name = "subjects/subject_form.html"

    def service_form(self, instance=None):
        data = self.request.POST if self.request.method == "POST" else None
        return PurchasedServiceForm(data, instance=instance, user=self.request.user, prefix="ps")

    def save_all(self, form, service_form, save):
        wants_service = form.cleaned_data.get("kind") == SubjectKind.PURCHASED_SERVICE
        if wants_service and not service_form.is_valid():
            return self.form_invalid(form, service_form)
        form.instance.fund_sources = form.cleaned_data["fund_sources"]
        try:
            save(
                form.instance,
                detail=service_form.instance if wants_service else None,
                previous_amount=form.cleaned_data.get("previous_amount"),
                requested_amount=form.cleaned_data["requested_amount"],
                reason=form.cleaned_data.get("reason", ""),
            )
        except actions.StaleDocument as exc:
            form.add_error(None, exc.message)
            return self.form_invalid(form, service_form)
        except (ValidationError, PermissionDenied) as exc:
            form.add_error(None, exc.messages if isinstance(exc, ValidationError) else str(exc))
            return self.form_invalid(form, service_form)
        messages.success(self.request, f"已保存：{form.instance}")
        return redirect(form.instance.get_absolute_url())

    def form_invalid(self, form, service_form=None):
        return self.render_to_response(self.get_context_data(form=form, service_form=service_form))


class SubjectCreateView(SubjectFormMixin, GatedCreateView):
    form_class = SubjectForm

    def creation_possible(self) -> bool:
        return guards.may_prepare(self.request.user, Subject)

    def get_initial(self):
        year = fiscal.current_year(self.request)
        return {"fiscal_year": year, "start_year": year, "end_year": year, "fund_sources": ["local"]}

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.setdefault("service_form", None)
        context["service_form"] = context["service_form"] or self.service_form()
        return context

    def form_valid(self, form):
        instance = form.save(commit=False)
        if not guards.can_prepare(self.request.user, Subject, instance.organisation):
            form.add_error(None, "无权在该机构下新增")
            return self.form_invalid(form, self.service_form())

        def save(subject, **kwargs):
            subject_services.create_subject(subject, **kwargs)

        return self.save_all(form, self.service_form(), save)


class SubjectEditView(SubjectFormMixin, LoginRequiredMixin, View):
    """Only the preparer, only while the subject is a draft or has been returned."""

    def get_object(self):
        obj = access.get_object_or_404(Subject.objects.select_related("chain"), self.request.user, pk=self.kwargs["pk"])
        if not guards.can_edit(self.request.user, obj):
            trail.record(AuditAction.PERMISSION_DENIED, obj, reason="项目不在可修改状态或无编辑权限")
            raise Http404("无权编辑")
        return obj

    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        self.object = self.get_object()
        self.detail = PurchasedServiceDetail.objects.filter(subject=self.object).first()
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        kwargs.setdefault(
            "form",
            SubjectForm(
                instance=self.object, user=self.request.user, initial={"fund_sources": self.object.fund_sources}
            ),
        )
        if kwargs.get("service_form") is None:
            kwargs["service_form"] = self.service_form(self.detail)
        kwargs["title"] = f"编辑项目：{self.object}"
        return kwargs

    def render_to_response(self, context):
        return render(self.request, self.template_name, context)

    def get(self, request, pk):
        return self.render_to_response(self.get_context_data())

    def post(self, request, pk):
        before = trail.snapshot(self.object)
        form = SubjectForm(request.POST, instance=self.object, user=request.user)
        service_form = self.service_form(self.detail)
        if not form.is_valid():
            return self.form_invalid(form, service_form)
        version = form.cleaned_data.get("version") or 0

        def save(subject, **kwargs):
            subject_services.save_subject(subject, request.user, version, before=before, **kwargs)

        return self.save_all(form, service_form, save)


class SubjectTransitionView(TransitionView):
    model = Subject


class SubjectLifecycleView(LoginRequiredMixin, View):
    """POST one lifecycle action (fund / start / complete / terminate / roll_over / mark)."""

    def post(self, request, pk):
        subject = access.get_object_or_404(Subject.objects.all(), request.user, pk=pk)
        form = LifecycleForm(request.POST)
        if not form.is_valid():
            messages.error(request, "提交的内容有误")
            return redirect(subject)
        data = form.cleaned_data
        name, version, reason = data["action"], data["version"], data["reason"]
        try:
            if name in ("mark", "unmark"):
                lifecycle.mark_for_assessment(subject, request.user, version, name == "mark", reason)
            elif name == "fund":
                if data["amount"] is None:
                    raise ValidationError("请填写财政实际安排金额")
                lifecycle.fund(
                    subject, request.user, version, data["amount"], data["year"], reason, opinion=data["opinion"]
                )
            elif name == "roll_over":
                lifecycle.roll_over(subject, request.user, version, data["amount"], reason)
            else:
                lifecycle.LIFECYCLE_FUNCTIONS[name](subject, request.user, version, reason)
        except actions.StaleDocument as exc:
            messages.error(request, exc.message)
        except PermissionDenied as exc:
            messages.error(request, str(exc))
        except ValidationError as exc:
            messages.error(request, "；".join(exc.messages))
            kept_input.keep(request, f"subject-lifecycle-{subject.pk}", request.POST)  # the amount stays typed
        else:
            messages.success(request, f"已办理，当前阶段：{subject.get_stage_display()}")
        return redirect(subject)

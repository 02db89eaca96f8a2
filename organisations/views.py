from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import Count
from django.shortcuts import redirect
from django.views.decorators.http import require_POST

from accounts.roles import Action
from core import access, services
from core.views import GatedCreateView, GatedDetailView, GatedListView, GatedUpdateView
from organisations.choices import SectionKind
from organisations.filtersets import OrganisationFilterSet, RegionFilterSet
from organisations.forms import OrganisationForm, RegionForm, reachable_regions
from organisations.models import DeskResponsibility, Organisation, Region
from organisations.tables import OrganisationTable, RegionTable


class OrganisationListView(GatedListView):
    model = Organisation
    table_class = OrganisationTable
    filterset_class = OrganisationFilterSet
    title = "机构"
    create_url_name = "organisations:create"

    def base_queryset(self):
        return Organisation.objects.select_related("region", "parent")

    create_capability = "manage_accounts"
    extra_actions_capability = "manage_accounts"
    extra_actions = (
        ("organisations:import", "从 Excel 导入", "bi-upload"),
        ("organisations:export_tree", "导出机构树", "bi-diagram-3"),
        ("organisations:import_template", "下载导入模板", "bi-file-earmark-arrow-down"),
    )


class OrganisationDetailView(GatedDetailView):
    model = Organisation
    template_name = "organisations/organisation_detail.html"
    change_action = Action.MANAGE

    def base_queryset(self):
        return Organisation.objects.select_related("region", "parent", "department")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user = self.request.user
        context["children"] = access.restrict(self.object.children.all(), user).annotate(n=Count("children"))
        context["desks"] = self.object.responsible_desks.select_related("desk")
        context["departments"] = self.object.desk_responsibilities.select_related("department")
        context["is_desk"] = self.object.section_kind == SectionKind.DESK
        if context["is_desk"] and context["can_change"]:
            context["assignable_departments"] = access.restrict(
                Organisation.objects.departments().filter(region=self.object.region), user, Action.MANAGE
            )
        return context


class OrganisationEditView(GatedUpdateView):
    model = Organisation
    form_class = OrganisationForm
    action = Action.MANAGE

    def base_queryset(self):
        return Organisation.objects.all()

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        kwargs["user"] = self.request.user
        return kwargs


class OrganisationCreateView(GatedCreateView):
    model = Organisation
    form_class = OrganisationForm
    action = Action.MANAGE
    capability = "manage_accounts"

    def creation_allowed(self, instance) -> bool:
        if instance.parent_id:
            return access.can(self.request.user, Action.MANAGE, instance.parent)
        return reachable_regions(self.request.user).filter(pk=instance.region_id).exists()


class RegionListView(GatedListView):
    model = Region
    table_class = RegionTable
    filterset_class = RegionFilterSet
    title = "行政区划"
    create_url_name = "organisations:region_create"

    def base_queryset(self):
        return Region.objects.select_related("parent")

    create_capability = "manage_config"


class RegionDetailView(GatedDetailView):
    model = Region
    template_name = "organisations/region_detail.html"
    change_action = Action.MANAGE

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["children"] = self.object.children.all()
        context["organisations"] = access.restrict(
            self.object.organisations.filter(parent__isnull=True), self.request.user
        )
        return context


class RegionEditView(GatedUpdateView):
    model = Region
    form_class = RegionForm
    action = Action.MANAGE


class RegionCreateView(GatedCreateView):
    model = Region
    form_class = RegionForm
    action = Action.MANAGE
    capability = "manage_config"

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        kwargs.pop("user")
        return kwargs

    def creation_allowed(self, instance) -> bool:
        return bool(instance.parent_id) and reachable_regions(self.request.user).filter(pk=instance.parent_id).exists()


@login_required
@require_POST
def desk_assign(request, pk):
    """The system admin sets which departments a finance business desk is responsible for."""
    desk = access.get_object_or_404(Organisation.objects.all(), request.user, Action.MANAGE, pk=pk)
    department = access.get_object_or_404(
        Organisation.objects.departments(), request.user, Action.MANAGE, pk=request.POST.get("department") or 0
    )
    reason = request.POST.get("reason", "")
    existing = DeskResponsibility.objects.filter(department=department).first()
    try:
        if existing is not None:
            services.delete_record(existing, reason=reason or f"改由{desk.name}归口")
        services.create_record(DeskResponsibility(desk=desk, department=department), reason=reason)
    except ValidationError as exc:
        messages.error(request, "；".join(exc.messages))
    else:
        messages.success(request, f"{department.name} 已由 {desk.name} 归口管理")
    return redirect(desk.get_absolute_url())


@login_required
@require_POST
def desk_unassign(request, pk, responsibility_pk):
    desk = access.get_object_or_404(Organisation.objects.all(), request.user, Action.MANAGE, pk=pk)
    responsibility = access.get_object_or_404(
        DeskResponsibility.objects.filter(desk=desk), request.user, Action.MANAGE, pk=responsibility_pk
    )
    services.delete_record(responsibility, reason=request.POST.get("reason", ""))
    messages.success(request, f"已取消 {responsibility.department.name} 的归口")
    return redirect(desk.get_absolute_url())

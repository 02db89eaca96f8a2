"""Pages of the assessment templates: read by every signed-in user; a change is saved as a new version
by the performance section of the top-level finance bureau (assessments.actions.new_template_version)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render

from assessments import actions
from assessments.forms import PointFormSet, TemplateVersionForm
from assessments.models import AssessmentTemplate
from assessments.tables import AssessmentTemplateTable
from core import access


def _templates(user):
    return access.restrict(AssessmentTemplate.objects.prefetch_related("points"), user)


@login_required
def template_list(request):
    show_all = request.GET.get("all") == "1"
    templates = _templates(request.user)
    if not show_all:
        templates = templates.filter(is_active=True)
    return render(
        request,
        "assessments/template_list.html",
        {
            "title": "评估模板",
            "table": AssessmentTemplateTable(list(templates)),
            "show_all": show_all,
        },
    )


@login_required
def template_detail(request, pk):
    template = access.get_object_or_404(_templates(request.user), request.user, pk=pk)
    versions = AssessmentTemplate.objects.filter(code=template.code).order_by("-version")
    groups: list[dict] = []
    for point in template.ordered_points():
        if not groups or groups[-1]["dimension"] != point.dimension:
            groups.append({"dimension": point.dimension, "weight": 0, "points": []})
        groups[-1]["points"].append(point)
        groups[-1]["weight"] += point.weight
    return render(
        request,
        "assessments/template_detail.html",
        {
            "title": str(template),
            "object": template,
            "groups": groups,
            "versions": versions,
            "can_edit": template.is_active and actions.can_edit_templates(request.user),
        },
    )


@login_required
def template_edit(request, pk):
    """Edit = save the next version; assessments already started keep the version they began with."""
    template = access.get_object_or_404(_templates(request.user), request.user, pk=pk)
    if not template.is_active or not actions.can_edit_templates(request.user):
        raise Http404("页面不存在")
    initial = [
        {"dimension": p.dimension, "name": p.name, "weight": p.weight, "guidance": p.guidance}
        for p in template.ordered_points()
    ]
    form = TemplateVersionForm(
        request.POST or None,
        instance=AssessmentTemplate(
            name=template.name,
            support_min=template.support_min,
            improve_min=template.improve_min,
            basis=template.basis,
            code=template.code,
            applies_to=template.applies_to,
        ),
    )
    formset = PointFormSet(request.POST or None, initial=initial, prefix="points")
    if request.method == "POST" and form.is_valid() and formset.is_valid():
        points = [
            f.cleaned_data
            for f in formset.forms
            if f.cleaned_data and not f.cleaned_data.get("DELETE") and f.cleaned_data.get("name")
        ]
        data = form.cleaned_data
        try:
            new = actions.new_template_version(
                template,
                request.user,
                points=points,
                reason=data.get("reason", ""),
                name=data["name"],
                support_min=data["support_min"],
                improve_min=data["improve_min"],
                effective_from=data["effective_from"],
                basis=data["basis"],
            )
        except PermissionDenied as exc:
            raise Http404(str(exc)) from None
        except ValidationError as exc:
            form.add_error(None, exc.messages)
        else:
            messages.success(request, f"已保存为新版本：{new}")
            return redirect(new.get_absolute_url())
    return render(
        request,
        "assessments/template_form.html",
        {
            "title": f"修改评估模板（保存为第 {template.version + 1} 版）：{template.name}",
            "form": form,
            "formset": formset,
            "base": template,
        },
    )

"""Pages of target sheets: list (filters, export), create from a subject, the edit form with the indicator
and schedule formsets and live weight totals, detail with the indicator tree, the automatic review, the
review panel and the versions, the adjustment and the side-by-side comparison of two versions."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from audit import trail
from audit.models import AuditAction
from core import access, fiscal
from core.views import GatedDetailView, GatedListView
from subjects.citations import citation
from subjects.models import Subject
from targets import actions, quality, review, views_third_party
from targets.actions.attachments import ATTACHMENTS
from targets.choices import LEVEL2_OF, Horizon, Level1, Level2
from targets.filtersets import TargetSheetFilterSet
from targets.forms import (
    AdjustForm,
    BudgetItemFormSet,
    CreateForm,
    IndicatorFormSet,
    PriorGradeFormSet,
    SheetForm,
    StageFormSet,
    formset_rows,
    prior_grade_initial,
    prior_grade_rows,
)
from targets.models import TargetSheet
from targets.tables import TargetSheetTable
from workflow import guards
from workflow.actions import StaleDocument
from workflow.views import TransitionView, review_context


class TargetSheetListView(GatedListView):
    model = TargetSheet
    table_class = TargetSheetTable
    filterset_class = TargetSheetFilterSet
    title = "绩效目标申报表"
    create_url_name = "targets:create"

    def base_queryset(self):
        return TargetSheet.objects.select_related("subject__organisation", "chain").prefetch_related("chain__steps")

    def can_create(self):
        return eligible_subjects(self.request.user).exists()


def tree(sheet) -> list[dict]:
    """[{horizon, label, groups: [{level1, label, weight, children: [{level2, label, rows}]}]}]."""
    result = []
    indicators = list(sheet.indicators.all())
    for horizon, horizon_label in Horizon.choices:
        rows = [i for i in indicators if i.horizon == horizon]
        if not rows:
            continue
        groups = []
        for level1, l2s in LEVEL2_OF.items():
            mine = [i for i in rows if i.level1 == level1]
            if not mine:
                continue
            children = [
                {"level2": l2, "label": Level2(l2).label, "rows": [i for i in mine if i.level2 == l2]}
                for l2 in l2s
                if any(i.level2 == l2 for i in mine)
            ]
            groups.append(
                {
                    "level1": level1,
                    "label": Level1(level1).label,
                    "weight": sum(i.weight for i in mine),
                    "children": children,
                }
            )
        result.append({"horizon": horizon, "label": horizon_label, "groups": groups})
    return result


def versions_of(sheet, user):
    return access.restrict(
        TargetSheet.objects.filter(subject_id=sheet.subject_id, fiscal_year=sheet.fiscal_year).order_by("revision"),
        user,
    )


class TargetSheetDetailView(GatedDetailView):
    model = TargetSheet
    template_name = "targets/sheet_detail.html"

    def base_queryset(self):
        return TargetSheet.objects.select_related(
            "subject__organisation", "subject__department", "chain__region", "previous"
        )

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        sheet, user = self.object, self.request.user
        context.update(review_context(sheet, user))
        context.update(
            {
                "title": str(sheet),
                "transition_url": reverse("targets:transition", args=[sheet.pk]),
                "tree": tree(sheet),
                "stages": sheet.stages.all(),
                "budget_items": sheet.budget_items.all(),
                "findings": quality.findings_of(sheet),
                "versions": versions_of(sheet, user),
                "can_adjust": actions.can_adjust(user, sheet),
                "adjust_form": AdjustForm(),
                "adjust_citation": citation("adjust_targets", self.object.subject),
                "weights": quality.weight_groups(sheet.indicators.all()),
                **views_third_party.panel_context(sheet, self.request),
                **ATTACHMENTS.panel(sheet, user),
            }
        )
        pinned, other = actions.comments_by_indicator(sheet)
        context.update(
            {
                "comments": pinned,
                "other_comments": other,
                "can_comment": actions.can_comment(user, sheet),
                "open_comments": sum(not c.resolved for rows in [*pinned.values(), other] for c in rows),
                "common_set": actions.common_set_for(sheet.subject.organisation, sheet.fiscal_year)
                if sheet.is_department_overall
                else None,
            }
        )
        for horizon in context["tree"]:
            for group in horizon["groups"]:
                for child in group["children"]:
                    for row in child["rows"]:
                        row.pinned_comments = pinned.get(row.pk, [])
        return context


class TargetSheetTransitionView(TransitionView):
    """The chain's POST endpoint (a return lists the open indicator comments: targets' workflow hook)."""

    model = TargetSheet


def eligible_subjects(user):
    """Subjects the user may create a target sheet for: the unit preparer's projects, and the department
    reviewer's department-overall subjects (their own chain, step 0 the department reviewer)."""
    from subjects.choices import SubjectKind

    visible = access.restrict(Subject.objects.filter(stage__in=actions.OPEN_STAGES), user)
    orgs = guards.preparer_organisations(user, TargetSheet)
    probe = TargetSheet(subject=Subject(kind=SubjectKind.DEPARTMENT_OVERALL))
    overall_orgs = [
        a.organisation
        for a in user.role_assignments()
        if guards.can_prepare(user, TargetSheet, a.organisation, probe=probe)
    ]
    department_kinds = [SubjectKind.DEPARTMENT_OVERALL, SubjectKind.TRANSFER_OVERALL]
    mine = Q(organisation__in=orgs) & ~Q(kind__in=department_kinds)
    if overall_orgs:
        mine |= Q(kind__in=department_kinds, organisation__in=overall_orgs)
    return visible.filter(mine).select_related("organisation").order_by("code")


@login_required
def create(request):
    subjects = eligible_subjects(request.user)
    if not subjects.exists() and not guards.preparer_organisations(request.user, TargetSheet).exists():
        raise Http404("无权新增")
    initial = {"fiscal_year": fiscal.current_year(request), "subject": request.GET.get("subject")}
    form = CreateForm(request.POST or None, subjects=subjects, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            sheet = actions.create_sheet(form.cleaned_data["subject"], request.user, form.cleaned_data["fiscal_year"])
        except (ValidationError, PermissionDenied) as exc:
            form.add_error(None, exc.messages if isinstance(exc, ValidationError) else str(exc))
        else:
            messages.success(request, f"已新建：{sheet}")
            return redirect("targets:edit", sheet.pk)
    return render(request, "core/form.html", {"title": "新增绩效目标申报表", "form": form})


def _indicator_initial(sheet):
    return [
        {**{k: getattr(i, k) for k in actions.INDICATOR_FIELDS}, "library_indicator": i.library_indicator_id}
        for i in sheet.indicators.all()
    ]


@login_required
def edit(request, pk):
    sheet = access.get_object_or_404(TargetSheet.objects.select_related("chain", "subject"), request.user, pk=pk)
    if not guards.can_edit(request.user, sheet):
        trail.record(AuditAction.PERMISSION_DENIED, sheet, reason="绩效目标不在可修改状态或无编辑权限")
        raise Http404("无权编辑")
    data = request.POST if request.method == "POST" else None
    form = SheetForm(data, instance=sheet)
    indicators = IndicatorFormSet(data, initial=_indicator_initial(sheet), prefix="ind")
    stages = StageFormSet(
        data,
        initial=[{"stage": s.stage, "start": s.start, "finish": s.finish} for s in sheet.stages.all()],
        prefix="stage",
    )
    # The 支出明细预算 and 评价情况 tables change only when the page posted them (a post without them keeps them).
    budget = BudgetItemFormSet(
        data if data is None or "budget-TOTAL_FORMS" in data else None,
        initial=[{k: getattr(b, k) for k in actions.BUDGET_ITEM_FIELDS} for b in sheet.budget_items.all()],
        prefix="budget",
    )
    grades = PriorGradeFormSet(
        data if data is None or "grade-TOTAL_FORMS" in data else None,
        initial=prior_grade_initial(sheet),
        prefix="grade",
    )
    formsets = [f for f in (indicators, stages, budget, grades) if f.is_bound or data is None]
    if request.method == "POST" and form.is_valid() and all([f.is_valid() for f in formsets]):
        values = {k: form.cleaned_data[k] for k in SheetForm.Meta.fields}
        if grades.is_bound:
            values["prior_grades"] = prior_grade_rows(grades)
        try:
            sheet = actions.save_sheet(
                TargetSheet.objects.get(pk=sheet.pk),
                request.user,
                form.cleaned_data["version"],
                data=values,
                indicators=formset_rows(indicators),
                stages=formset_rows(stages),
                budget_items=formset_rows(budget) if budget.is_bound else None,
                reason=form.cleaned_data.get("reason", ""),
            )
        except StaleDocument as exc:
            form.add_error(None, exc.message)
        except (ValidationError, PermissionDenied) as exc:
            form.add_error(None, exc.messages if isinstance(exc, ValidationError) else str(exc))
        else:
            if sheet.blocking_count:
                messages.warning(request, f"已保存；智能审核发现 {sheet.blocking_count} 个阻断问题，修改后才能提交")
            else:
                messages.success(request, "已保存")
            return redirect(sheet)
    scheme = review.stored_configuration()["weights"].params.get("weights") or quality.DEFAULT_WEIGHTS
    return render(
        request,
        "targets/sheet_form.html",
        {
            "title": f"编辑：{sheet}",
            "object": sheet,
            "form": form,
            "indicators": indicators,
            "stages": stages,
            "budget": budget,
            "grades": grades,
            "year_amount": sheet.subject.year_amounts.filter(fiscal_year=sheet.fiscal_year).first(),
            "weight_scheme": [(k, Level1(k).label, v) for k, v in scheme.items()],
            "findings": quality.findings_of(sheet),
            "pick_url": _pick_url(),
        },
    )


def _pick_url() -> str:
    from django.urls import NoReverseMatch

    try:
        return reverse("indicators:pick")
    except NoReverseMatch:
        return ""


@require_POST
@login_required
def adjust(request, pk):
    sheet = access.get_object_or_404(TargetSheet.objects.select_related("subject"), request.user, pk=pk)
    form = AdjustForm(request.POST)
    if not form.is_valid():
        messages.error(request, "请填写调整原因")
        return redirect(sheet)
    try:
        copy = actions.adjust(sheet, request.user, form.cleaned_data["reason"])
    except PermissionDenied as exc:
        messages.error(request, str(exc))
    except ValidationError as exc:
        messages.error(request, "；".join(exc.messages))
    else:
        messages.success(request, f"已创建调整版本：{copy}")
        return redirect("targets:edit", copy.pk)
    return redirect(sheet)


@login_required
def compare(request, pk):
    """Two versions side by side: ``?other=<pk>`` (default the previous version)."""
    sheet = access.get_object_or_404(TargetSheet.objects.select_related("subject"), request.user, pk=pk)
    versions = versions_of(sheet, request.user)
    other_pk = request.GET.get("other") or sheet.previous_id
    other = versions.filter(pk=other_pk).first() if other_pk and str(other_pk).isdecimal() else None
    if other is None:
        other = versions.exclude(pk=sheet.pk).first()
    left, right = (other, sheet) if other and other.revision < sheet.revision else (sheet, other)
    diff = actions.compare(left, right) if right is not None else None
    return render(
        request,
        "targets/compare.html",
        {
            "title": f"版本对比：{sheet.subject.name}",
            "object": sheet,
            "left": left,
            "right": right,
            "diff": diff,
            "versions": versions,
            "other": other,
        },
    )


@login_required
def rules(request):
    """The rules of the automatic review with their severity; the performance section changes them."""
    import json

    from targets.choices import Severity

    can_configure = actions.can_configure_rules(request.user)
    if request.method == "POST":
        if not can_configure:
            raise Http404("无权修改")
        code = request.POST.get("code", "")
        if code not in quality.RULES or request.POST.get("severity") not in Severity.values:
            messages.error(request, "提交的内容有误")
            return redirect("targets:rules")
        params = None
        if request.POST.get("params", "").strip():
            try:
                params = json.loads(request.POST["params"])
            except ValueError:
                messages.error(request, "参数须为 JSON")
                return redirect("targets:rules")
        try:
            actions.set_rule(
                request.user,
                code,
                severity=request.POST["severity"],
                is_active=request.POST.get("is_active") == "on",
                params=params,
                reason=request.POST.get("reason", ""),
            )
        except ValidationError as exc:
            messages.error(request, "；".join(exc.messages))
        else:
            messages.success(request, f"已保存规则：{quality.RULES[code].name}")
        return redirect("targets:rules")
    from targets.models import QualityRuleSet

    rule_sets = list(QualityRuleSet.objects.select_related("created_by").order_by("-number"))
    current = review.current_rule_set()
    selected = current
    if request.GET.get("version", "").isdecimal():
        selected = next((r for r in rule_sets if r.number == int(request.GET["version"])), None)
        if selected is None:
            raise Http404("没有该版本")
    config = review.stored_configuration(selected)
    rows = [
        {"rule": rule, "config": config[code], "params": json.dumps(config[code].params, ensure_ascii=False)}
        for code, rule in quality.RULES.items()
    ]
    return render(
        request,
        "targets/rules.html",
        {
            "title": "智能审核规则",
            "rows": rows,
            "severities": Severity.choices,
            "rule_sets": rule_sets,
            "current": current,
            "selected": selected,
            # an older version is read-only: editing always starts from the version in force
            "can_configure": can_configure and (selected is None or current is None or selected.pk == current.pk),
        },
    )


def subject_targets(subject, user) -> dict:
    """For the subject's page: its target sheets the user may read, and whether the user may create one."""
    sheets = access.restrict(TargetSheet.objects.filter(subject=subject).order_by("-fiscal_year", "revision"), user)
    can_create = (
        subject.stage in actions.OPEN_STAGES
        and actions.can_create(user, subject)
        and not TargetSheet.objects.filter(subject=subject, fiscal_year=subject.fiscal_year).exists()
    )
    return {"target_sheets": sheets, "can_create_targets": can_create}

"""Pages across target sheets: the regional breakdown of a transfer payment's targets (区域分解), the 绩效目标汇总,
and the performance section's 部门整体共性指标."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse

from accounts.roles import Capability
from audit import trail
from audit.models import AuditAction
from core import access, fiscal
from core.views import refuse_unknown_parameters
from targets import actions, quality
from targets.choices import LEVEL2_OF, Comparator, Level1, Level2
from targets.models import TargetSheet

# --- 区域分解 (transfer payments) ---------------------------------------------------------------------------


def _regional_context(request, sheet, errors=()):
    return {
        "object": sheet,
        "grid": actions.regional_grid(sheet),
        "can_edit_regional": actions.can_edit_regional(request.user, sheet),
        "errors": errors,
        "findings": [f for f in quality.findings_of(sheet) if f.rule.startswith("regional_")],
    }


@login_required
def regional(request, pk):
    """The decomposition grid of an overall transfer-payment sheet: regions × annual indicators. GET answers
    the tab's content; POST (htmx) saves the whole grid while the sheet is editable."""
    sheet = access.get_object_or_404(
        TargetSheet.objects.select_related("chain", "subject__organisation__region"), request.user, pk=pk
    )
    if not sheet.is_transfer_overall:
        raise Http404("不是转移支付（整体）绩效目标")
    errors = []
    if request.method == "POST":
        if not actions.can_edit_regional(request.user, sheet):
            trail.record(AuditAction.PERMISSION_DENIED, sheet, reason="区域分解不在可修改状态或无编辑权限")
            raise Http404("无权编辑")
        rows = []
        for region in actions.regions_below(sheet):
            amount_text = request.POST.get(f"amount-{region.pk}", "").strip().replace(",", "")
            amount = quality.parse_number(amount_text)
            if amount_text and amount is None:
                errors.append(f"{region.name}的分配金额须为数值")
            values = {
                i.pk: request.POST.get(f"v-{region.pk}-{i.pk}", "")
                for i in sheet.indicators.all()
                if i.horizon == "annual"
            }
            if amount is not None or any(v.strip() for v in values.values()):
                rows.append({"region": region.pk, "amount": amount, "values": values})
        if not errors:
            try:
                actions.save_regional(sheet, request.user, rows, reason=request.POST.get("reason", ""))
            except ValidationError as exc:
                errors.extend(exc.messages)
            except PermissionDenied as exc:
                errors.append(str(exc))
        if not request.htmx and not errors:
            messages.success(request, "区域分解已保存")
            return redirect(f"{sheet.get_absolute_url()}#regional")
    template = "targets/_regional.html" if request.htmx else "targets/regional.html"
    return render(request, template, {**_regional_context(request, sheet, errors), "title": f"区域分解：{sheet}"})


@login_required
def regional_list(request):
    """The regional targets the user may read: a region's finance bureau sees the rows of its own region."""
    from targets.models import RegionalTarget

    rows = (
        actions.regional_visible(
            request.user, RegionalTarget.objects.select_related("region", "sheet__subject__organisation")
        )
        .prefetch_related("values__indicator")
        .order_by("-sheet__fiscal_year", "sheet__subject__name", "region__code")
    )
    return render(request, "targets/regional_list.html", {"title": "区域绩效目标", "rows": rows[:500]})


# --- 绩效目标汇总 ------------------------------------------------------------------------------------------


@login_required
def summary(request):
    from core.xlsx import xlsx_response

    if not actions.can_view_summary(request.user):
        raise Http404("页面不存在")
    raw_year = request.GET.get("fiscal_year", "")
    bad_year = bool(raw_year) and not (raw_year.isdecimal() and 1900 < int(raw_year) < 3000)
    refusal = refuse_unknown_parameters(request, {"fiscal_year", "export"})
    if refusal is not None or bad_year:
        return refusal or render(
            request,
            "core/bad_filter.html",
            {"title": "筛选条件有误", "errors": [f"预算年度：“{raw_year}”不是年份"]},
            status=400,
        )
    year = int(raw_year) if raw_year else fiscal.current_year(request)
    data = actions.summary(request.user, year)
    if request.GET.get("export") == "xlsx":
        headers = ["主管部门", *[label for _, label in data["statuses"]], "合计", "有阻断问题", "有提示问题"]
        rows = [
            [r["name"], *[r["statuses"][k] for k, _ in data["statuses"]], r["total"], r["blocking"], r["warning"]]
            for r in data["rows"]
        ]
        rows.append(
            [
                "合计",
                *[data["totals"]["statuses"][k] for k, _ in data["statuses"]],
                data["totals"]["total"],
                data["totals"]["blocking"],
                data["totals"]["warning"],
            ]
        )
        trail.record(
            AuditAction.EXPORT,
            object_type="targets.targetsheet",
            object_repr=f"{year} 年度绩效目标汇总",
            reason=f"导出 {len(data['rows'])} 个部门",
        )
        return xlsx_response(
            f"绩效目标汇总_{year}.xlsx",
            [
                ("绩效目标汇总", headers, rows),
                ("常见问题", ["规则", "问题数"], [[r["name"], r["count"]] for r in data["rules"]]),
            ],
        )
    return render(request, "targets/summary.html", {"title": "绩效目标汇总", "year": year, **data})


# --- 部门整体共性指标 (performance section) -------------------------------------------------------------------


@login_required
def common_sets(request):
    """The common indicators finance requires in department-overall sheets: read by everyone signed in; the
    performance section of a region saves a new version for a fiscal year."""
    from indicators.choices import IndicatorKind
    from indicators.models import Indicator
    from targets.models import CommonIndicatorSet

    regions = [
        a.organisation.region for a in access.capable_assignments(request.user, Capability.SET_COMMON_INDICATORS)
    ]
    try:
        year = int(request.GET.get("fiscal_year") or request.POST.get("fiscal_year") or fiscal.current_year(request))
    except ValueError:
        year = fiscal.current_year(request)
    library = Indicator.objects.filter(kind=IndicatorKind.COMMON, is_active=True).order_by("code")
    if request.method == "POST":
        if not regions:
            raise Http404("无权修改")
        items = []
        for indicator in library:
            if request.POST.get(f"use-{indicator.pk}"):
                items.append(
                    {
                        "indicator": indicator,
                        "level1": request.POST.get(f"level1-{indicator.pk}"),
                        "level2": request.POST.get(f"level2-{indicator.pk}"),
                        "comparator": request.POST.get(f"comparator-{indicator.pk}") or "ge",
                        "unit": request.POST.get(f"unit-{indicator.pk}", indicator.unit),
                    }
                )
        try:
            found = actions.save_common_set(request.user, regions[0], year, items, note=request.POST.get("note", ""))
        except (ValidationError, PermissionDenied) as exc:
            messages.error(request, "；".join(getattr(exc, "messages", [str(exc)])))
        else:
            messages.success(request, f"已保存：{found}")
        return redirect(f"{reverse('targets:common')}?fiscal_year={year}")
    sets = (
        CommonIndicatorSet.objects.filter(fiscal_year=year)
        .select_related("region", "created_by")
        .prefetch_related("items")
    )
    current = {}
    for found in sets:
        current.setdefault(found.region_id, found)
    mine = current.get(regions[0].pk) if regions else None
    chosen = {i.indicator_id: i for i in mine.items.all()} if mine else {}
    return render(
        request,
        "targets/common.html",
        {
            "title": "部门整体共性指标",
            "year": year,
            "sets": sets,
            "current": current.values(),
            "can_edit": bool(regions),
            "library": [{"indicator": i, "item": chosen.get(i.pk)} for i in library],
            "level1_choices": Level1.choices,
            "level2_grouped": [
                (Level1(l1).label, [(v, Level2(v).label) for v in l2s]) for l1, l2s in LEVEL2_OF.items()
            ],
            "comparators": Comparator.choices,
        },
    )

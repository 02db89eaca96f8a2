"""运行监控总览 (issue 5 "Dual monitoring"): execution against time progress for any date, scoped by the gate — a unit
sees its subjects, a department its units, a desk its departments, finance and the audit office their region —
with a drill-down department → unit → subject → the subject's figures over time; the background refresh of the
stored figures; and the light thresholds page (versioned per region, the performance section sets them)."""

from __future__ import annotations

import datetime

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from accounts.roles import Capability
from core import access, fiscal
from monitoring import figures, lights, rollup_store, rollups, thresholds
from monitoring.charts import percent
from monitoring.forms import LightThresholdsForm
from subjects.models import Subject

# Finance sections that watch treasury payments and may recompute the stored figures (seed 003 第十九条:
# 预算管理科会同国库科…实时监控; the performance section runs the monitoring).

SESSION_TASK = "monitoring_refresh_task"


def dashboard_year_and_date(request) -> tuple[int, datetime.date]:
    """The fiscal year of the switcher and the date asked for (``?as_of=``), kept inside that year; by default
    today, or the year's last day for a past year, or its first day for a coming one."""
    year = fiscal.current_year(request)
    default = fiscal.business_date_in_year(year)
    raw = request.GET.get("as_of", "")
    try:
        as_of = datetime.date.fromisoformat(raw) if raw else default
    except ValueError:
        as_of = default
    return year, fiscal.clamp_to_year(as_of, year)


region_roots = rollup_store.region_roots  # the regions of the user's region-wide roles


def can_refresh(user) -> bool:
    return access.has_capability(user, Capability.REFRESH_FIGURES)


def refresh_region(user):
    """The region a refresh started by ``user`` covers: their finance bureau's region and below."""
    for assignment in access.capable_assignments(user, Capability.REFRESH_FIGURES):
        return assignment.organisation.region
    return None


def _chart(rows, progress, link=None) -> dict:
    return {
        "names": [r.name for r in rows],
        "rates": [percent(r.execution_rate) for r in rows],
        "lights": [r.light for r in rows],
        "progress": percent(progress),
        "links": [link(r) if link else "" for r in rows],
    }


# Rows of the department or unit table and chart shown by default: the worst first. A province's performance section
# reaches ~850 departments; a page of all of them is 500 KB and 140 ms of rendering (issue 16), and a ranking is read
# from its top. "显示全部" (?all=1) shows every row.
DASHBOARD_ROWS = 50


def _also_applied(selection, applied, rows, subject_rows) -> list:
    """The other threshold versions that judged a light on the page (a county's own under the city's), so that the
    footnote states every threshold actually applied (issue 12 §3)."""
    default, regional = selection.thresholds
    by_id = {t.version_id: t for t in [default, *regional.values()]}
    used = [r.thresholds for r in rows if r.thresholds is not None]
    used += [by_id[r.figures.thresholds_id] for r in subject_rows if r.figures.thresholds_id in by_id]
    result = {}
    for t in used:
        if t.version_id != applied.version_id and t.version_id not in result:
            result[t.version_id] = t
    return list(result.values())


def _progress_basis(applied) -> str:
    from monitoring.choices import TimeProgressBasis

    return TimeProgressBasis(applied.time_progress_basis).label


def _with_all(request, as_of: datetime.date) -> str:
    """The page's own query string, with its date, asking for every row."""
    params = request.GET.copy()
    params["as_of"], params["all"] = as_of.isoformat(), "1"
    return params.urlencode()


@login_required
def dashboard(request):
    """The sums come from the stored roll-ups of a refreshed date (``monitoring.rollup_store.Selection``, ADR 0031),
    filtered by the user's reach; a date never refreshed is computed live."""
    year, as_of = dashboard_year_and_date(request)
    dates = rollup_store.stored_dates(year)
    everything = rollup_store.Selection(request.user, year, as_of, dates)
    selection, level, crumbs = everything, "department", []
    query = f"?as_of={as_of.isoformat()}"
    department_id, unit_id = request.GET.get("department", ""), request.GET.get("unit", "")
    if department_id.isdecimal():
        selection = everything.narrow(department_id=int(department_id))
        if not selection.subjects.exists():
            raise Http404("记录不存在或无权访问")
        level = "unit"
    if unit_id.isdecimal():
        selection = selection.narrow(organisation_id=int(unit_id))
        if not selection.subjects.exists():
            raise Http404("记录不存在或无权访问")
        level = "subject"
    rows = []
    if level == "department":
        rows = selection.departments()
        if len(rows) == 1 and rows[0].key is not None:  # one department in reach: show its units
            level, department_id = "unit", str(rows[0].key)
    if level == "unit":
        rows = selection.units()
        if len(rows) == 1 and rows[0].key is not None:  # one unit in reach: show its subjects
            level, unit_id = "subject", str(rows[0].key)
            selection = selection.narrow(organisation_id=rows[0].key)
    from organisations.models import Organisation

    names = dict(
        Organisation.objects.filter(pk__in=[int(x) for x in (department_id, unit_id) if x.isdecimal()]).values_list(
            "pk", "name"
        )
    )
    if department_id.isdecimal() and int(department_id) in names:
        crumbs.append((names[int(department_id)], f"{query}&department={department_id}"))
    if unit_id.isdecimal() and int(unit_id) in names and unit_id != department_id:
        crumbs.append((names[int(unit_id)], f"{query}&department={department_id}&unit={unit_id}"))
    total = selection.total()
    subject_rows = selection.subject_rows() if level == "subject" else []
    row_count, show_all = len(rows), request.GET.get("all") == "1"
    if not show_all:
        rows = rows[:DASHBOARD_ROWS]

    def drill(row):
        if level == "department":
            return f"{query}&department={row.key}"
        return f"{query}&department={department_id}&unit={row.key}"

    if level == "subject":
        chart = {
            "names": [r.name for r in subject_rows],
            "rates": [percent(r.figures.execution_rate) for r in subject_rows],
            "lights": [r.figures.light for r in subject_rows],
            "progress": percent(total.time_progress),
            "links": [reverse("monitoring:dashboard_subject", args=[r.subject_id]) + query for r in subject_rows],
        }
    else:
        chart = _chart(rows, total.time_progress, lambda r: drill(r) if r.key is not None else "")
    applied = selection.applied
    regions = []
    if level == "department" and not crumbs:
        for root in region_roots(request.user):
            regions.append((root, everything.regions(parent=root)))
    context = {
        "title": "运行监控总览",
        "year": year,
        "as_of": as_of,
        "total": total,
        "level": level,
        "rows": rows,
        "subject_rows": subject_rows,
        "crumbs": crumbs,
        "query": query,
        "chart": chart,
        "regions": regions,
        "stored": everything.stored,
        "stored_dates": dates,
        "can_refresh": can_refresh(request.user),
        "min_date": datetime.date(year, 1, 1),
        "max_date": datetime.date(year, 12, 31),
        "drill": [(r, drill(r) if r.key is not None else "") for r in rows],
        "row_count": row_count,
        "rows_capped": row_count > len(rows),
        "all_query": _with_all(request, as_of),
        "progress_basis": _progress_basis(applied),
        "applied": applied,
        "also_applied": _also_applied(selection, applied, rows, subject_rows),
        "task": _task_state(request),
    }
    return render(request, "monitoring/dashboard/dashboard.html", context)


@login_required
def subject_detail(request, pk):
    """One subject's execution over the fiscal year (every stored date, or month ends) up to the date."""
    subject = access.get_object_or_404(Subject.objects.select_related("organisation__region"), request.user, pk=pk)
    year, as_of = dashboard_year_and_date(request)
    points = rollups.history(subject, year, as_of)
    current = figures.figures_on(subject, as_of, year)  # the same figures as the history's row of the date
    versions = thresholds.labels({p.thresholds_id for p in points} | {current.thresholds_id})
    chart = {
        "dates": [p.as_of.isoformat() for p in points],
        "rates": [percent(p.execution_rate) for p in points],
        "progress": [percent(p.time_progress) for p in points],
        "lights": [p.light for p in points],
    }
    return render(
        request,
        "monitoring/dashboard/subject.html",
        {
            "title": f"预算执行情况：{subject.name}",
            "subject": subject,
            "year": year,
            "as_of": as_of,
            "points": points,
            "current": current,
            "versions": versions,
            "chart": chart,
            "query": f"?as_of={as_of.isoformat()}",
        },
    )


# --- background refresh --------------------------------------------------------------------------------------------


def _task_state(request) -> dict | None:
    """The refresh the user started last: state, and its result once finished (kept in the session)."""
    state = request.session.get(SESSION_TASK)
    if not state:
        return None
    if state.get("status") in ("SUCCESSFUL", "FAILED"):
        return state
    try:
        result = figures.refresh_task.get_result(state["id"])
    except Exception:  # the backend keeps no results (immediate) or the row is gone
        return state
    state = {**state, "status": str(result.status)}
    if result.is_finished:
        state["result"] = result.return_value if str(result.status) == "SUCCESSFUL" else None
    request.session[SESSION_TASK] = state
    return state


@login_required
@require_POST
def refresh_start(request):
    if not can_refresh(request.user):
        raise Http404("无权操作")
    year, _ = dashboard_year_and_date(request)
    try:
        as_of = datetime.date.fromisoformat(request.POST.get("as_of", ""))
    except ValueError:
        messages.error(request, "请选择数据截止日期")
        return redirect("monitoring:dashboard")
    if as_of.year != year:
        messages.error(request, f"数据截止日期应在 {year} 年度之内")
        return redirect(reverse("monitoring:dashboard") + f"?as_of={as_of.isoformat()}")
    region = refresh_region(request.user)
    result = figures.refresh_task.enqueue(year, as_of.isoformat(), region.pk if region else None, request.user.pk)
    state = {
        "id": result.id,
        "status": str(result.status),
        "as_of": as_of.isoformat(),
        "fiscal_year": year,
        "region": region.name if region else "",
    }
    if result.is_finished:
        state["result"] = result.return_value if str(result.status) == "SUCCESSFUL" else None
    request.session[SESSION_TASK] = state
    messages.info(request, f"已开始计算截至 {as_of} 的预算执行情况")
    return redirect(reverse("monitoring:dashboard") + f"?as_of={as_of.isoformat()}")


@login_required
def refresh_status(request):
    """The htmx-polled status panel of the last refresh."""
    return render(request, "monitoring/dashboard/_refresh_status.html", {"task": _task_state(request)})


# --- thresholds ----------------------------------------------------------------------------------------------------


@login_required
def thresholds_page(request):
    """Current thresholds per region with every version; the performance section adds a version."""
    may_manage = thresholds.can_manage(request.user)
    form = (
        LightThresholdsForm(request.POST if request.method == "POST" else None, user=request.user)
        if may_manage
        else None
    )
    if request.method == "POST":
        if not may_manage:
            raise Http404("无权修改")
        if form.is_valid():
            try:
                row = thresholds.save_version(request.user, form.save(commit=False), reason=form.cleaned_data["note"])
            except PermissionDenied as exc:
                form.add_error("region", str(exc))
            except ValidationError as exc:
                for field, errors in exc.message_dict.items():
                    form.add_error(field if field in form.fields else None, errors)
            else:
                messages.success(request, f"已保存：{row}")
                return redirect("monitoring:thresholds")
    groups = thresholds.versions_by_region()
    return render(
        request,
        "monitoring/dashboard/thresholds.html",
        {"title": "监控预警阈值", "groups": groups, "form": form, "can_manage": may_manage, "defaults": lights.DEFAULT},
    )

"""Pages of the evaluation schemes: every kind with its default and regional lines and the versions in force, one
version with every number in Chinese, and the form that publishes a new version or a region's own copy
(``evaluations.actions.publish_scheme``; a version in use is never edited). Reading is open to every signed-in user
(the gate: ``EvaluationScheme.access_public_read``); publishing is the performance section's, for its region and
below (``actions.publish_targets``), as with the monitoring thresholds."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse

from audit import trail
from audit.models import AuditAction
from core import access, clock, versioning
from core.views import audit_history
from evaluations import actions
from evaluations.choices import Band, FourE, Rounding, SchemeKind
from evaluations.models import EvaluationScheme
from evaluations.rules import FOUR_E_FIELDS, HUNDRED, fmt
from evaluations.scheme_forms import KIND_FIELDS, POINTS_HINT, SchemeVersionForm


def _schemes(user):
    return access.restrict(EvaluationScheme.objects.select_related("region", "created_by"), user)


def _line_key(scheme: EvaluationScheme):
    return (scheme.kind, scheme.region_id)


def _in_force(rows: list[EvaluationScheme], on):
    """The version of one line (``rows``) in force on ``on``: the latest effective date, then the highest number."""
    return max((r for r in rows if r.effective_from <= on), key=lambda r: (r.effective_from, r.version), default=None)


def _home_region(user):
    organisation = getattr(user, "organisation", None)
    return organisation.region if organisation is not None else None


# --- what a version says, in Chinese ------------------------------------------------------------------------------


def points_rows(scheme: EvaluationScheme) -> list[tuple[str, str]]:
    """(label, value) of the points of ``scheme``'s kind, every number written out."""
    if scheme.kind == SchemeKind.NATIONAL:
        no_survey = "计 0 分" if scheme.no_survey_scores_zero else "不计分，其余指标按比例折算"
        return [
            (
                "预算执行率",
                f"{fmt(scheme.execution_points)} 分：全年执行数 ÷ 全年预算数 × {fmt(scheme.execution_points)}，"
                f"最高 {fmt(scheme.execution_points)} 分；没有安排预算的，本项不计分，绩效指标折算为 100 分",
            ),
            (
                "绩效指标",
                f"{fmt(scheme.indicator_points)} 分：产出指标 {fmt(scheme.output_points)} 分、"
                f"效益指标 {fmt(scheme.effect_points)} 分、满意度指标 {fmt(scheme.satisfaction_points)} 分",
            ),
            ("未开展满意度调查", f"满意度指标{no_survey}"),
        ]
    if scheme.kind == SchemeKind.COMPOSITE:
        return [
            (
                "定量指标",
                f"{fmt(scheme.common_points + scheme.sector_points)} 分：共性指标 {fmt(scheme.common_points)} 分、"
                f"个性指标 {fmt(scheme.sector_points)} 分",
            ),
            (
                "定性指标",
                f"{fmt(scheme.qualitative_points)} 分：∑（单项评议得分 × 权数）× {fmt(scheme.qualitative_points)}%",
            ),
            (
                "加分",
                f"带动社会投入效果明显的加 {fmt(scheme.bonus_min)}–{fmt(scheme.bonus_max)} 分，否则不加分；"
                "总分可因加分超过 100 分",
            ),
        ]
    no_survey = "计 0 分" if scheme.no_survey_scores_zero else "不计分，其余指标按比例折算"
    split = "、".join(f"{FourE(code).label} {fmt(getattr(scheme, field))} 分" for code, field in FOUR_E_FIELDS.items())
    return [
        ("四个维度", f"{split}，合计 100 分"),
        (
            "维度分值的依据",
            "政府购买服务绩效评价指标涵盖经济性、效率性、有效性和公平性（绩溪县政府购买服务绩效管理办法解读 六（二））；"
            "文件未规定各维度分值，本方案的分值为实践做法，可由区划复制后调整",
        ),
        ("不适用的指标", "在本维度内按比例折算；某维度指标全部不适用的，其余维度按比例折算为 100 分"),
        ("未开展满意度调查", f"满意度指标{no_survey}"),
    ]


def dimension_rows(scheme: EvaluationScheme) -> list[tuple[str, str]]:
    """The 4E dimensions with their points and share of 100 (empty for the other kinds)."""
    if scheme.kind != SchemeKind.FOUR_E:
        return []
    return [(FourE(code).label, fmt(getattr(scheme, field))) for code, field in FOUR_E_FIELDS.items()]


def grade_rows(scheme: EvaluationScheme) -> list[tuple[str, str]]:
    """(grade, range of totals): "90 分及以上", "80 分及以上、低于 90 分", …, "低于 60 分"."""
    lines = scheme.rules().grade_lines
    rows = []
    for position, line in enumerate(lines):
        above = lines[position - 1].minimum if position else None
        if line.minimum == 0 and above is not None:
            text = f"低于 {fmt(above)} 分"
        elif above is None:
            text = f"{fmt(line.minimum)} 分及以上"
        else:
            text = f"{fmt(line.minimum)} 分及以上、低于 {fmt(above)} 分"
        rows.append((line.label, text))
    return rows


def band_rows(scheme: EvaluationScheme) -> list[tuple[str, str]]:
    return [
        (Band(rule.band).label, f"按分值的 {fmt(rule.low)}%–{fmt(rule.high)}% 计分，由评价人在此范围内确定")
        for rule in scheme.rules().bands
    ]


def item_rows(scheme: EvaluationScheme) -> list[tuple[str, str, str, str]]:
    """The composite scheme's qualitative items: (code, name, weight %, points out of the qualitative points)."""
    return [
        (item.code, item.label, fmt(item.weight), fmt(item.weight / HUNDRED * scheme.qualitative_points))
        for item in scheme.rules().qualitative_items
    ]


def rule_rows(scheme: EvaluationScheme) -> list[tuple[str, str]]:
    threshold = scheme.deviation_threshold * HUNDRED
    return [
        ("舍入规则", f"每项指标得分计算完毕后保留两位小数，只舍入一次：{Rounding(scheme.rounding).label}"),
        (
            "偏差阈值",
            f"{fmt(threshold)}%：实际值与指标值偏差超过 {fmt(threshold)}%（恰为 {fmt(threshold)}% 不算超过），"
            "或指标未完成的，提交前须说明原因并提出改进措施",
        ),
    ]


def summary(scheme: EvaluationScheme) -> str:
    """The points of a version in one line, for the list."""
    if scheme.kind == SchemeKind.NATIONAL:
        return (
            f"执行率 {fmt(scheme.execution_points)} + 指标 {fmt(scheme.indicator_points)}（产出 "
            f"{fmt(scheme.output_points)}、效益 {fmt(scheme.effect_points)}、满意度 {fmt(scheme.satisfaction_points)}）"
        )
    if scheme.kind == SchemeKind.COMPOSITE:
        return (
            f"共性 {fmt(scheme.common_points)} + 个性 {fmt(scheme.sector_points)} + 定性 "
            f"{fmt(scheme.qualitative_points)}，加分 {fmt(scheme.bonus_min)}–{fmt(scheme.bonus_max)}"
        )
    return " + ".join(f"{FourE(code).label} {fmt(getattr(scheme, field))}" for code, field in FOUR_E_FIELDS.items())


def grades_summary(scheme: EvaluationScheme) -> str:
    return " · ".join(
        f"{line.label} ≥ {fmt(line.minimum)}" if line.minimum else line.label for line in scheme.rules().grade_lines
    )


# --- pages --------------------------------------------------------------------------------------------------------


@login_required
def scheme_list(request):
    """Every kind: its default line and regional lines, each with its versions, the one in force marked, and the
    version that applies to the user's own region."""
    today = clock.today()
    rows = list(_schemes(request.user).order_by("kind", "region__path", "-version"))
    lines: dict = {}
    for row in rows:
        row.summary, row.grades = summary(row), grades_summary(row)
        lines.setdefault(_line_key(row), []).append(row)
    mine = versioning.in_force_each(EvaluationScheme, "kind", SchemeKind.values, region=_home_region(request.user))
    kinds = []
    for kind in SchemeKind:
        kind_lines = [
            {"region": versions[0].region, "in_force": _in_force(versions, today), "versions": versions}
            for key, versions in lines.items()
            if key[0] == kind.value
        ]
        kind_lines.sort(key=lambda line: (line["region"] is not None, line["region"].path if line["region"] else ""))
        kinds.append({"kind": kind, "lines": kind_lines, "mine": mine.get(kind.value)})
    return render(
        request,
        "evaluations/scheme_list.html",
        {"title": "评价方案", "kinds": kinds, "home_region": _home_region(request.user), "today": today},
    )


@login_required
def scheme_detail(request, pk):
    scheme = access.get_object_or_404(_schemes(request.user), request.user, pk=pk)
    versions = list(
        EvaluationScheme.objects.filter(kind=scheme.kind, region=scheme.region)
        .select_related("created_by")
        .order_by("-version")
    )
    in_force = _in_force(versions, clock.today())
    may_publish = actions.may_publish_from(request.user, scheme)
    return render(
        request,
        "evaluations/scheme_detail.html",
        {
            "title": f"{scheme.name}（第 {scheme.version} 版）",
            "object": scheme,
            "line_name": scheme.region.name if scheme.region else "默认（所有区划）",
            "versions": versions,
            "in_force": in_force,
            "future": scheme.effective_from > clock.today(),
            "points": points_rows(scheme),
            "dimensions": dimension_rows(scheme),
            "grades": grade_rows(scheme),
            "bands": band_rows(scheme),
            "items": item_rows(scheme),
            "rules": rule_rows(scheme),
            "may_publish": may_publish,
            "history": audit_history(scheme) if may_publish else None,
        },
    )


@login_required
def scheme_new_version(request, pk):
    """A new version of the scheme's line, or a copy for a region the user manages, starting from this version's
    numbers. Nobody edits a saved version: this always publishes another one (``actions.publish_scheme``)."""
    scheme = access.get_object_or_404(_schemes(request.user), request.user, pk=pk)
    regions, allow_default = actions.publish_targets(request.user, scheme)
    if not allow_default and not regions.exists():
        trail.record(AuditAction.PERMISSION_DENIED, scheme, reason=actions.REFUSED)
        raise Http404("页面不存在")
    form = SchemeVersionForm(
        request.POST if request.method == "POST" else None, scheme=scheme, regions=regions, allow_default=allow_default
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            new = actions.publish_scheme(
                scheme,
                request.user,
                region=data["region"],
                effective_from=data["effective_from"],
                reason=data["note"],
                **form.changes(),
            )
        except PermissionDenied:
            raise Http404("页面不存在") from None
        except ValidationError as exc:
            form.add_model_errors(exc.message_dict)
        else:
            messages.success(request, f"已发布：{new}")
            return redirect(reverse("evaluations:scheme_detail", args=[new.pk]))
    return render(
        request,
        "evaluations/scheme_form.html",
        {
            "title": f"另存为新版本或复制为本区划方案：{scheme.name}",
            "form": form,
            "base": scheme,
            "basic_fields": [
                form[name] for name in ("region", "effective_from", "name", "rounding", "deviation_percent")
            ],
            "kind_fields": [form[name] for name in KIND_FIELDS[scheme.kind]],
            "points_hint": POINTS_HINT[scheme.kind],
            "band_fields": [(Band(band).label, form[f"{band}_low"], form[f"{band}_high"]) for band in Band.values],
        },
    )

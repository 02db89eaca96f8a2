"""Pages of finance's spot re-check (抽查复核 · 财政再评价, seed 001 第二十一条): the draw from a self-evaluation round,
the sample with its discrepancy report and assignments, the re-check page (the unit's data, narrative and evidence
files, blind to its scores until the re-check is submitted; the re-check's score per row and in total follows what is
typed), the list of re-checks in reach, the inflation chart and the 通报 in Word. Every read goes through the gate
(``core.access``); every change through ``evaluations.recheck_actions``."""

from __future__ import annotations

from decimal import Decimal
from urllib.parse import quote

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from accounts.roles import Action, Role
from audit import trail
from audit.models import AuditAction
from core import access
from core.views import GatedListView, audit_history
from evaluations import discrepancy, documents_notice, recheck_actions, self_actions
from evaluations.choices import RecheckStatus
from evaluations.evidence import EVIDENCE
from evaluations.models import RecheckItem, RecheckSample, SelfEvaluationEvidence, SelfEvaluationRound
from evaluations.recheck_filtersets import RecheckItemFilterSet
from evaluations.recheck_forms import (
    AssignForm,
    DrawForm,
    colleague_label,
    formset_rows,
    indicator_formset,
    rechecker_choices,
)
from evaluations.recheck_tables import RecheckItemTable, reason_label, who
from evaluations.self_forms import narrative_items
from workflow.actions import StaleDocument

ALREADY_DRAWN = "本轮自评已经抽样"
UNIT_ROLES = (Role.UNIT_PREPARER, Role.UNIT_HEAD)


def _error(exc) -> str:
    return "；".join(exc.messages) if isinstance(exc, ValidationError) else str(exc)


def _refuse(obj, user, reason: str):
    trail.record(AuditAction.PERMISSION_DENIED, obj, actor=user, reason=reason)
    return Http404("无权操作")


# ---------------------------------------------------------------- the draw


@login_required
def sample_new(request, pk):
    """抽取复核样本 of one self-evaluation round: only the performance section that may manage it."""
    evaluation_round = access.get_object_or_404(
        SelfEvaluationRound.objects.select_related("organisation", "region", "scheme"), request.user, pk=pk
    )
    if not self_actions.can_manage_round(request.user, evaluation_round):
        raise _refuse(evaluation_round, request.user, recheck_actions.DRAW_DENIED)
    existing = RecheckSample.objects.filter(round=evaluation_round).first()
    form = DrawForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if existing is not None:
            form.add_error(None, ALREADY_DRAWN)
        else:
            try:
                sample = recheck_actions.draw_sample(request.user, evaluation_round, **form.action_values())
            except PermissionDenied:
                raise Http404("无权操作") from None
            except ValidationError as exc:
                form.add_error(None, _error(exc))
            else:
                messages.success(
                    request, f"已抽取 {sample.items.count():,} 份自评表复核（随机种子 {sample.seed}，可据此重现样本）"
                )
                return redirect(sample)
    return render(
        request,
        "evaluations/sample_new.html",
        {
            "title": f"抽取复核样本：{evaluation_round.name}",
            "round": evaluation_round,
            "form": form,
            "existing": existing,
            "already_drawn": ALREADY_DRAWN,
            "submitted": evaluation_round.forms.filter(submitted_at__isnull=False).count(),
        },
    )


# ---------------------------------------------------------------- the sample


def _sample(request, pk, action=Action.VIEW):
    return access.get_object_or_404(
        RecheckSample.objects.select_related("round__organisation", "round__region", "round__scheme", "drawn_by"),
        request.user,
        action,
        pk=pk,
    )


def _items(sample, user):
    return (
        access.restrict(RecheckItem.objects.filter(sample=sample), user)
        .select_related(
            "evaluation__subject",
            "evaluation__organisation",
            "department",
            "agency",
            "rechecker__organisation",
            "sample__round",
        )
        .order_by("department__path", "evaluation__subject__code", "pk")
    )


@login_required
def sample_detail(request, pk):
    """The sample: its parameters and seed, the re-checks with their assignment, and the discrepancy report."""
    sample = _sample(request, pk)
    user = request.user
    can_manage = self_actions.can_manage_round(user, sample.round)
    items = list(_items(sample, user))
    # The assignment choices are read once for the page (not once per row): finance colleagues as a menu, agencies
    # through the searchable picker (core/pickers.py); the POST validates with AssignForm on the same querysets.
    colleagues = list(rechecker_choices(user, sample.round).select_related("organisation")) if can_manage else []
    for item in items:
        item.reason_text = reason_label(item.reason)
        item.who = who(item)
        item.blind = not recheck_actions.shows_self_score(user, item)
        item.assignable = can_manage and item.status == RecheckStatus.PENDING
        item.agency_picker = {
            "name": f"item{item.pk}-agency",
            "value": item.agency_id or "",
            "text": item.agency.name if item.agency_id else "",
            "attrs": {"id": f"id_item{item.pk}-agency", "class": "form-control form-control-sm"},
            "url": reverse("pick", args=["recheck_agency"]),
            "noun": "第三方机构",
        }
    report = discrepancy.report(sample, user)
    rechecked, by_unit = report.graded_poor
    return render(
        request,
        "evaluations/sample_detail.html",
        {
            "title": str(sample),
            "object": sample,
            "round": sample.round,
            "items": items,
            "submitted": sum(1 for i in items if i.status == RecheckStatus.SUBMITTED),
            "can_manage": can_manage,
            "colleagues": [(u.pk, colleague_label(u)) for u in colleagues],
            "report": report,
            "poor_rechecked": rechecked,
            "poor_by_unit": by_unit,
            "poor_count": len(rechecked) + len(by_unit),
            "flag_rule": discrepancy.FLAG_RULE,
            "share_percent": (sample.share * 100).normalize(),
            "flag_percent": (sample.flag_gap * 100).normalize(),
            "can_export": access.can(user, Action.EXPORT, sample),
            "history": audit_history(sample),
        },
    )


@require_POST
@login_required
def sample_assign(request, pk, item_pk):
    """指派复核: a finance colleague or an agency for one re-check of the sample."""
    sample = _sample(request, pk)
    item = access.get_object_or_404(RecheckItem.objects.filter(sample=sample), request.user, pk=item_pk)
    if not self_actions.can_manage_round(request.user, sample.round):
        raise _refuse(item, request.user, "只有组织本轮自评的预算绩效管理科可以指派复核人员")
    form = AssignForm(request.POST, user=request.user, evaluation_round=sample.round, prefix=f"item{item.pk}")
    if not form.is_valid():
        problems = [
            f"{form.fields[k].label}：{'；'.join(v)}" if k in form.fields else "；".join(v)
            for k, v in form.errors.items()
        ]
        messages.error(request, f"{item.evaluation.subject.name}未能指派：" + "；".join(problems))
        return redirect(sample)
    try:
        recheck_actions.assign(
            request.user, item, rechecker=form.cleaned_data.get("rechecker"), agency=form.cleaned_data.get("agency")
        )
    except PermissionDenied:
        raise Http404("无权操作") from None
    except ValidationError as exc:
        messages.error(request, f"{item.evaluation.subject.name}未能指派：{_error(exc)}")
    else:
        item.refresh_from_db()
        messages.success(request, f"{item.evaluation.subject.name}已指派给{who(item)}")
    return redirect(sample)


@login_required
def sample_notice(request, pk):
    """生成通报（Word）: the notice of the sample's discrepancies, for the sample's readers; audited."""
    sample = _sample(request, pk, Action.EXPORT)
    report = discrepancy.report(sample, request.user)
    data = documents_notice.build(report)
    filename = documents_notice.filename(sample)
    trail.record(
        AuditAction.EXPORT,
        sample,
        reason="生成抽查复核情况通报",
        changes={
            "通报": [
                None,
                f"差异较大 {len(report.large_gaps)} 个、未按要求开展自评 {len(report.not_self_evaluated)} 个部门、"
                f"抽评结果为差 {len(report.graded_poor[0]) + len(report.graded_poor[1])} 个、提示 {len(report.flagged)} 个",
            ]
        },
    )
    response = HttpResponse(
        data, content_type="application/vnd.openxmlformats-officedocument.wordprocessingml.document"
    )
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(filename)}"
    return response


# ---------------------------------------------------------------- the re-check


def _item(request, pk):
    return access.get_object_or_404(
        RecheckItem.objects.select_related(
            "sample__round__scheme",
            "sample__round__organisation",
            "evaluation__subject",
            "evaluation__organisation",
            "evaluation__department",
            "evaluation__scheme",
            "department",
            "agency",
            "rechecker__organisation",
        ),
        request.user,
        pk=pk,
    )


def _evidence(item) -> tuple[list, dict]:
    """The evidence files of the re-checked form: (those for the whole form, {form row id: [files]})."""
    whole, by_row = [], {}
    for evidence in SelfEvaluationEvidence.objects.filter(evaluation=item.evaluation_id).select_related("uploaded_by"):
        (by_row.setdefault(evidence.row_id, []) if evidence.row_id else whole).append(evidence)
    return whole, by_row


def _pairs(item) -> list:
    """[(form row, the re-checker's row)] in the form's order."""
    mine = {r.row_id: r for r in item.indicators.all()}
    return [(row, mine[row.pk]) for row in item.evaluation.indicators.all() if row.pk in mine]


@login_required
def recheck_detail(request, pk):
    """The re-check: the unit's data (not its scores until submitted), the re-checker's rows and opinion; save and
    submit; after submission both scores side by side."""
    item = _item(request, pk)
    user = request.user
    pairs = _pairs(item)
    editable = recheck_actions.can_recheck(user, item)
    formset = indicator_formset(request.POST if request.method == "POST" else None, pairs)
    errors: list[str] = []
    if request.method == "POST":
        if not editable:
            raise _refuse(item, user, "您不是该项目的复核人员，或复核已提交")
        item, errors = _save(request, item, formset, [row for row, _ in pairs])
        if not errors:
            return redirect(item)
        pairs = _pairs(item)
    show_self = recheck_actions.shows_self_score(user, item)
    score = recheck_actions.score_item(item)
    rows = []
    by_row = {r.pk: r for r in score.rows}
    forms = {f.row.pk: f for f in formset.forms} if editable else {}
    evidence, row_evidence = _evidence(item)
    for row, own in pairs:
        rows.append(
            {
                "row": row,
                "own": own,
                "form": forms.get(row.pk),
                "live": by_row.get(row.pk),
                "evidence": row_evidence.get(row.pk, []),
            }
        )
    form = item.evaluation
    return render(
        request,
        "evaluations/recheck_detail.html",
        {
            "title": f"抽查复核：{form.subject.name}",
            "object": item,
            "form": form,
            "round": item.sample.round,
            "rows": rows,
            "formset": formset if editable else None,
            "editable": editable,
            "show_self": show_self,
            "score": score,
            "evidence": evidence,
            "evidence_count": len(evidence) + sum(len(v) for v in row_evidence.values()),
            "narrative": narrative_items(form),
            "narrative_title": "单位填报的自评情况",
            "errors": errors,
            "opinion": request.POST.get("opinion", item.opinion) if request.method == "POST" else item.opinion,
            "reason_text": reason_label(item.reason),
            "who": who(item),
            "can_read_sample": access.can(user, Action.VIEW, item.sample),
            "history": audit_history(item),
        },
    )


def _save(request, item, formset, rows):
    """Save (and, when asked, submit) the posted re-check; the Chinese problems, or none."""
    if not formset.is_valid():
        return item, ["指标数据格式有误，请检查后重新填写"]
    try:
        version = int(request.POST.get("version", ""))
    except ValueError:
        return item, ["页面版本号缺失，请刷新页面后重新填写"]
    try:
        values = formset_rows(formset, rows)
    except ValueError:
        return item, ["提交的指标行不属于该复核，请刷新页面后重新填写"]
    try:
        item = recheck_actions.save_recheck(
            request.user, item, version, rows=values, opinion=request.POST.get("opinion", "")
        )
        if request.POST.get("do") == "submit":
            item = recheck_actions.submit_recheck(request.user, item, item.version)
            messages.success(request, f"复核已提交：复核得分 {item.total_score} 分，{item.grade}")
        else:
            messages.success(request, "复核已保存")
    except StaleDocument as exc:
        return item, [exc.message]
    except PermissionDenied:
        raise Http404("无权操作") from None
    except ValidationError as exc:
        item.refresh_from_db()
        return item, exc.messages
    return item, []


@require_POST
@login_required
def recheck_score(request, pk):
    """htmx: the engine's score of the re-check for the values typed so far, nothing saved: the totals into the score
    card and each row's 复核得分 with its 计分说明 into its cell (out-of-band swaps, templates/evaluations/
    recheck_score.html), as the self-evaluation's edit page does (``self_views_forms.form_score``). Only the
    re-checker reaches it (404 otherwise); never the unit's scores. A body that is not the item's own rows is a 400
    with a Chinese message; a value the engine cannot read is named in the card."""
    item = _item(request, pk)
    if not recheck_actions.can_recheck(request.user, item):
        raise Http404("无权操作")
    pairs = _pairs(item)
    formset = indicator_formset(request.POST, pairs)
    if not formset.management_form.is_valid():
        return _bad(request, "提交的内容不完整（缺少指标行数），请刷新页面后重新填写")
    if not formset.is_valid():
        found = [f"第 {i} 项指标：{_field_errors(f)}" for i, f in enumerate(formset.forms, start=1) if f.errors]
        return _bad(request, "；".join(found) or "提交的内容不是该复核的指标行，请刷新页面后重新填写")
    try:
        raw = formset_rows(formset, [row for row, _ in pairs])
    except ValueError as exc:
        return _bad(request, f"指标行 {exc} 不属于该复核，请刷新页面后重新填写")
    problems, typed = [], {}
    for position, (row, _) in enumerate(pairs, start=1):
        if row.pk not in raw:
            continue
        try:
            typed[row.pk] = self_actions.clean_row_values(row, raw[row.pk], position)
        except ValidationError as exc:
            problems.extend(exc.messages)
    score = recheck_actions.score_item(item, typed)
    return render(
        request,
        "evaluations/recheck_score.html",
        {
            "score": score,
            "problems": problems + [p.message for p in score.problems],
            "object": item,
            "oob_rows": score.rows,
        },
    )


def _field_errors(row_form) -> str:
    fields = row_form.fields
    return "；".join(f"“{fields[k].label if k in fields else k}”{' '.join(v)}" for k, v in row_form.errors.items())


def _bad(request, message: str):
    return render(request, "evaluations/form_score_error.html", {"message": message}, status=400)


@login_required
def recheck_evidence(request, pk, evidence_pk):
    """A 佐证材料 file of the re-checked form, for whoever reads the re-check: gated on the re-check (an agency reaches
    the form only through it; the evaluated unit never reaches the re-check), the file must be the form's (else 404),
    served and audited as every evidence download (``core.attachments``)."""
    item = _item(request, pk)
    return EVIDENCE.serve(item.evaluation, evidence_pk)


# ---------------------------------------------------------------- lists and the inflation index


class RecheckListView(GatedListView):
    model = RecheckItem
    table_class = RecheckItemTable
    filterset_class = RecheckItemFilterSet
    title = "抽查复核"

    def base_queryset(self):
        return RecheckItem.objects.select_related(
            "evaluation__subject",
            "evaluation__organisation",
            "department",
            "agency",
            "rechecker__organisation",
            "sample__round",
        )


@login_required
def inflation(request):
    """自评虚高指数: per department and year, the mean of self − re-check score over its re-checked subjects, as a chart
    and a table, over the re-checks the user may read in the user's region and below."""
    user = request.user
    organisation = user.organisation if user.organisation_id else None
    if organisation is None or not access.may_reach(user, RecheckItem):
        raise Http404("页面不存在")
    region = organisation.region
    rows = discrepancy.inflation(region, access.restrict(RecheckItem.objects.all(), user))
    for row in rows:
        row["index"] = Decimal(str(row["index"])).quantize(Decimal("0.01"))
    years = sorted({r["year"] for r in rows})
    departments = sorted({(r["department__name"] or "（未列主管部门）") for r in rows})
    by_key = {((r["department__name"] or "（未列主管部门）"), r["year"]): r for r in rows}
    chart = {
        "years": [f"{y} 年" for y in years],
        "series": [
            {
                "name": name,
                "data": [float(by_key[(name, y)]["index"]) if (name, y) in by_key else None for y in years],
            }
            for name in departments
        ],
    }
    return render(
        request,
        "evaluations/inflation.html",
        {"title": "自评虚高指数", "region": region, "rows": rows, "chart": chart, "years": years},
    )

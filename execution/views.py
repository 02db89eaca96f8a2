"""Pages of execution data: payment and allocation lists, uploading a file (background job with a progress bar),
the job page and its error report, and the 待匹配 queue."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from audit import trail
from audit.context import client_ip
from audit.models import AuditAction
from core import fiscal
from core.keyset import KeysetPaginationMixin
from core.views import GatedListView
from execution import actions, jobs
from execution.filtersets import AllocationFilterSet, PaymentFilterSet
from execution.forms import IgnoreForm, LoadUploadForm, MatchForm
from execution.loading import KINDS, LoadFileError
from execution.models import BudgetAllocation, Payment
from execution.permissions import can_match, can_upload
from execution.tables import AllocationTable, PaymentTable
from imports import liveness
from imports.jobs import error_report_response
from imports.models import ImportJob

LIST_URLS = {"payments": "execution:payment_list", "allocations": "execution:allocation_list"}


def _denied(request, why: str):
    trail.record(
        AuditAction.PERMISSION_DENIED, object_type=request.path, object_repr=request.path, reason=f"缺少权限：{why}"
    )
    raise Http404("页面不存在")


class _ExecutionListView(GatedListView):
    kind_key = ""

    def base_queryset(self):
        return self.model.objects.select_related("organisation", "subject")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        actions_ = []
        if can_upload(self.request.user):
            actions_.append(("execution:upload_" + self.kind_key, "导入文件", "bi-upload"))
        if can_match(self.request.user):
            actions_.append(("execution:unmatched", "待匹配", "bi-link-45deg"))
        context["extra_actions"] = tuple(actions_)
        return context


class PaymentListView(KeysetPaginationMixin, _ExecutionListView):
    """Hundreds of thousands of payments per province year: pages by keyset (core/keyset.py), served without a sort
    by the index ``payment_list_order`` (execution/models.py)."""

    model = Payment
    keyset = ("-paid_on", "voucher_number", "id")
    table_class = PaymentTable
    filterset_class = PaymentFilterSet
    title = "国库支付明细"
    kind_key = "payments"


class AllocationListView(_ExecutionListView):
    model = BudgetAllocation
    table_class = AllocationTable
    filterset_class = AllocationFilterSet
    title = "预算指标"
    kind_key = "allocations"


@login_required
def upload(request, kind: str):
    kind_ = KINDS[kind]
    if not can_upload(request.user):
        _denied(request, "国库科或预算管理科")
    year = fiscal.current_year(request)
    form = LoadUploadForm(request.POST or None, request.FILES or None, year=year)
    if request.method == "POST" and form.is_valid():
        try:
            job = jobs.start_load(
                request.user,
                kind_,
                form.cleaned_data["file"],
                fiscal_year=form.cleaned_data["fiscal_year"],
                ip=client_ip(request),
            )
        except LoadFileError as exc:
            form.add_error("file", str(exc))
        except PermissionDenied:
            raise Http404("页面不存在") from None
        else:
            return redirect("execution:job", pk=job.pk)
    return render(
        request,
        "execution/upload.html",
        {
            "title": f"导入{kind_.title}",
            "form": form,
            "kind": kind_,
            "list_url": LIST_URLS[kind_.key],
            "template_urls": {fmt: reverse(f"execution:template_{kind_.key}", args=[fmt]) for fmt in ("xlsx", "csv")},
            "jobs": ImportJob.objects.of(request.user).filter(kind=jobs.job_kind(kind_))[:10],
        },
    )


@login_required
def template(request, kind: str, fmt: str):
    """The file to fill: the columns of ``kind`` and one example row, as .xlsx (with a sheet of column notes) or as a
    UTF-8 CSV that Excel opens (issue 12 §5). Offered to whoever may upload."""
    import io

    from core.xlsx import CsvWriter, bytes_response, workbook_bytes
    from execution.loading.kinds import template_rows

    kind_ = KINDS[kind]
    if fmt not in ("csv", "xlsx"):
        raise Http404("页面不存在")
    if not can_upload(request.user):
        _denied(request, "国库科或预算管理科")
    year = fiscal.current_year(request)
    header, example = template_rows(kind_, year)
    name = f"{kind_.title}导入模板"
    if fmt == "csv":
        out = io.StringIO()
        CsvWriter(out).writerows([header, example])
        response = bytes_response(f"{name}.csv", ("\ufeff" + out.getvalue()).encode("utf-8"))
        response["Content-Type"] = "text/csv; charset=utf-8"
        return response
    notes = [[f.header, "必填" if f.required else "可选", f.note] for f in kind_.fields]
    return bytes_response(
        f"{name}.xlsx",
        workbook_bytes([(kind_.title, header, [example]), ("填写说明", ["列", "是否必须", "说明"], notes)]),
    )


def _job_or_404(request, pk: int) -> ImportJob:
    job = get_object_or_404(ImportJob.objects.of(request.user).filter(kind__startswith=jobs.JOB_KIND_PREFIX), pk=pk)
    return liveness.check(job)  # a job whose worker died is failed while its page is polled


@login_required
def job_detail(request, pk: int):
    job = _job_or_404(request, pk)
    kind = jobs.kind_of(job)
    return render(
        request,
        "execution/job.html",
        {"job": job, "kind": kind, "percent": jobs.percent(job), "title": f"导入{kind.title}：任务 #{job.pk}"},
    )


@login_required
def job_progress(request, pk: int):
    job = _job_or_404(request, pk)
    return render(
        request, "execution/job_progress.html", {"job": job, "kind": jobs.kind_of(job), "percent": jobs.percent(job)}
    )


@login_required
def job_errors(request, pk: int):
    """The full error report of a failed job (only its uploader sees the job)."""
    return error_report_response(_job_or_404(request, pk))


def _with_pickers(groups: list[dict], user) -> list[dict]:
    """Each queued code's match form gets its own subject picker (one id per row)."""
    form = MatchForm(user=user)
    for number, group in enumerate(groups, start=1):
        group["picker"] = form.fields["subject"].widget.render(
            "subject",
            None,
            {
                "id": f"match-subject-{number}",
                "class": "form-control form-control-sm",
                "aria-label": f"项目编码 {group['project_code']} 匹配到的项目",
            },
        )
    return groups


@login_required
def unmatched(request):
    if not can_match(request.user):
        _denied(request, "国库科或预算绩效管理科")
    year = request.GET.get("fiscal_year")
    year = int(year) if year and year.isdecimal() else None
    return render(
        request,
        "execution/unmatched.html",
        {
            "title": "待匹配支付",
            "groups": _with_pickers(actions.unmatched_groups(request.user, year), request.user),
            # Not "fiscal_year": that is the shell's working year, which the header shows (issue 12 §5).
            "filter_year": year,
            "years": fiscal.year_choices(),
            "match_form": MatchForm(),
            "ignore_form": IgnoreForm(),
        },
    )


@login_required
@require_POST
def match(request):
    if not can_match(request.user):
        _denied(request, "国库科或预算绩效管理科")
    form = MatchForm(request.POST, user=request.user)
    if form.is_valid():
        data = form.cleaned_data
        try:
            counts = actions.match_code(
                request.user, data["project_code"], data["fiscal_year"], data["subject"].code, reason=data["reason"]
            )
        except ValidationError as exc:
            messages.error(request, "；".join(exc.messages))
        else:
            messages.success(
                request,
                f"已将项目编码 {data['project_code']} 匹配到 {data['subject']}："
                + "，".join(f"{k} {v} 条" for k, v in counts.items())
                + "；以后导入的同一编码自动匹配",
            )
    else:
        messages.error(request, "；".join(m for errors in form.errors.values() for m in errors))
    return redirect("execution:unmatched")


@login_required
@require_POST
def ignore(request):
    if not can_match(request.user):
        _denied(request, "国库科或预算绩效管理科")
    form = IgnoreForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        counts = actions.ignore_code(request.user, data["project_code"], data["fiscal_year"], reason=data["reason"])
        messages.success(
            request,
            f"已将项目编码 {data['project_code']} 的记录标记为不属于绩效管理对象："
            + "，".join(f"{k} {v} 条" for k, v in counts.items()),
        )
    else:
        messages.error(request, "；".join(m for errors in form.errors.values() for m in errors))
    return redirect("execution:unmatched")

"""Exports of the list pages (``GatedListView``, ``?export=xlsx``) in bounded memory (issue 17 §2, ADR 0023).

**Streamed.** ``ListExport`` reads the filtered export queryset in the table's order with
``queryset.iterator(chunk_size=CHUNK)`` and turns each record into cells through the table's own columns (a
``BoundRow`` per record, so ``value_*`` / ``render_*`` apply as on the page), written at once by
``core.xlsx.StreamedWorkbook`` (openpyxl write-only mode) into a temporary file on disk, which is then served in
chunks. No list of rows is ever built: the memory is that of one chunk of records, whatever the number of rows.
The export's audit row carries the number of rows actually written and is recorded before the extra sheets are
made (the audit trail's checkpoint sheet counts it).

**Large exports in the background.** Above ``JIXIAO_EXPORT_INLINE_ROWS`` rows the request does not write the file:
it creates an ``imports.ImportJob`` of kind ``export`` (who asked, the list view, its query string and the row
count) and queues ``run_export``; the user is sent to the job's progress page. The job runs through the import
jobs' runner (``imports.jobs``): claimed once, run as its requester, with heartbeats and the reaper of
``imports.liveness`` for a worker that dies. The finished file is kept under ``MEDIA_ROOT/exports/``; the progress
page and 待办 show its download link. Only the requester can see the job or download the file (404 for anyone else);
every download is audited; the file expires ``JIXIAO_EXPORT_KEEP_HOURS`` after the job finished: the download then
answers 404 and ``expire`` (run after every reaper run, ``manage.py reap_jobs``) deletes it.
"""

from __future__ import annotations

import html
import logging
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.files import File
from django.core.files.storage import default_storage
from django.db import transaction
from django.db.models import Q
from django.http import FileResponse, Http404, HttpRequest, QueryDict
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.encoding import force_str
from django.utils.hashable import make_hashable
from django.utils.html import strip_tags
from django.utils.module_loading import import_string
from django.utils.safestring import SafeData
from django_tables2 import Column
from django_tables2.rows import BoundRow
from django_tables2.utils import signature
from django_tasks import task

from audit import trail
from audit.context import client_ip
from audit.models import AuditAction
from core import clock
from core.todo import TodoItem
from core.xlsx import Sheet, StreamedWorkbook, file_response, temporary_file
from imports import liveness
from imports.jobs import JobRunner, run_task
from imports.models import ImportJob, ImportPhase, ImportStatus

logger = logging.getLogger(__name__)

EXPORT_KIND = liveness.EXPORT_KIND
CHUNK = 2000  # records fetched per round trip
PROGRESS_EVERY = 5000  # rows between two progress writes of a background export
STORAGE_DIR = "exports"


def inline_limit() -> int:
    return int(settings.JIXIAO_EXPORT_INLINE_ROWS)


def keep_for() -> timedelta:
    return timedelta(hours=int(settings.JIXIAO_EXPORT_KEEP_HOURS))


def cell_value(value):
    """A table cell as an export value: rendered HTML (a badge) as its text, the table's "—" as an empty cell; numbers
    and dates stay typed (core.xlsx.put types and neutralises every value)."""
    if isinstance(value, SafeData):
        value = html.unescape(strip_tags(str(value))).strip()
    if value is None or (isinstance(value, str) and value in ("", "—")):
        return None
    return value


# --- one export ------------------------------------------------------------------------------------------------
class ListExport:
    """The export of one list view as its user asked it: the filtered export queryset in the table's order, the
    table's columns (less ``Meta.export_exclude``)."""

    def __init__(self, view):
        self.view = view
        queryset = view.export_queryset()
        filterset = view.get_filterset(view.get_filterset_class())
        filterset.queryset = queryset
        rows = filterset.qs if filterset.is_valid() else queryset.none()
        table_class = view.get_table_class()
        self.table = table_class(rows)  # orders the queryset as the page does
        exclude = getattr(table_class.Meta, "export_exclude", ())
        self.columns = [c for c in self.table.columns if c.name not in exclude]
        self.queryset = self.table.data.data
        self.name = view.export_name or str(view.model._meta.verbose_name)

    @property
    def filename(self) -> str:
        return f"{self.name}-{clock.today():%Y%m%d}.xlsx"

    def count(self) -> int:
        return self.queryset.count()

    def rows(self):
        """One list of cell values per record, read in chunks: never more than a chunk of records in memory."""
        readers = [_CellReader(c, self.queryset.model) for c in self.columns]
        table = self.table
        for record in self.queryset.iterator(chunk_size=CHUNK):
            row = BoundRow(record, table=table)
            yield [reader.read(row) for reader in readers]

    def write(self, out, progress=None) -> int:
        """Write the workbook to ``out``: the rows, then the audit row (with their number), then the view's extra
        sheets. The number of rows written."""
        book = StreamedWorkbook()
        headers = [str(c.header) for c in self.columns]
        count = book.add(Sheet(self.name, headers, self.rows()), every=PROGRESS_EVERY, progress=progress)
        self.view.record_export(count)
        for sheet in self.view.export_extra_sheets():
            book.add(sheet)
        book.save(out)
        return count


class _CellReader:
    """``BoundRow.get_cell_value`` for one column, with what does not change between cells worked out once: the signature of
    the value method (django-tables2 inspects it for every cell, which dominated the time of a large export) and, for
    a column that is a model field reached through forward relations, the path to it and whether it shows its
    choice's label. The value is the page export's: ``value_<name>``, else ``render_<name>``, else the column's own;
    a column of any other kind is read by django-tables2 itself."""

    def __init__(self, bound_column, model):
        self.bound_column = bound_column
        self.empty_values = bound_column.column.empty_values
        fn = bound_column.value
        if getattr(fn, "__func__", None) is Column.value:
            fn = bound_column.column.render  # Column.value only calls render
        if getattr(fn, "__func__", None) is Column.render:
            self.fn = None  # the value itself
        else:
            self.fn = fn
            self.args, self.catch_all = signature(fn)
        self.path = _field_path(model, str(bound_column.accessor))

    def call(self, row: BoundRow, value=None):
        if self.fn is None:
            return value
        kwargs = row._optional_cell_arguments(self.bound_column, value)
        if not self.catch_all:
            if any(arg not in kwargs for arg in self.args):
                return None
            kwargs = {key: kwargs[key] for key in self.args}
        return self.fn(**kwargs)

    def read(self, row: BoundRow):
        if self.path is None:
            value = row._get_and_render_with(
                self.bound_column, render_func=lambda bc, value=None: self.call(row, value), default=None
            )
            return cell_value(value)
        relations, name, choices = self.path
        obj = row.record
        for part in relations:
            obj = getattr(obj, part)
            if obj is None:
                return None
        value = getattr(obj, name)
        if choices is not None:  # get_FOO_display() without rebuilding the choices for every cell
            value = force_str(choices.get(value, value), strings_only=True)
        if value in self.empty_values:
            return None
        return cell_value(self.call(row, value))


def _field_path(model, accessor: str):
    """(forward relations, field attribute, the field's choices as a dict or None) when ``accessor`` names a concrete field of ``model`` or of
    a record it points to; None otherwise."""
    parts = accessor.replace(".", "__").split("__")
    relations = []
    for i, part in enumerate(parts):
        try:
            field = model._meta.get_field(part)
        except Exception:
            return None
        if i < len(parts) - 1:
            if not (field.many_to_one or field.one_to_one) or not field.concrete:
                return None
            relations.append(field.name)
            model = field.related_model
        elif not field.concrete or field.many_to_many:
            return None
        elif field.is_relation:
            return None  # a record: its str(), through django-tables2
        else:
            return relations, field.attname, (dict(make_hashable(field.flatchoices)) if field.choices else None)
    return None


def respond(view):
    """The answer to ``?export=xlsx`` (the gate already checked): the file, streamed from a temporary file, or —
    above the inline limit — a background job and a redirect to its progress page."""
    export = ListExport(view)
    rows = export.count()
    if rows > inline_limit():
        job = start_job(view, export, rows)
        messages.info(
            view.request, f"共 {rows} 行，超过 {inline_limit()} 行，已转为后台导出；完成后可在本页或待办中下载。"
        )
        return redirect("exports:job", pk=job.pk)
    out = temporary_file()
    try:
        export.write(out)
    except BaseException:
        out.close()
        raise
    return file_response(export.filename, out)


# --- the background job ------------------------------------------------------------------------------------------
def _view_path(view) -> str:
    cls = type(view)
    return f"{cls.__module__}.{cls.__qualname__}"


def stage_of(path: str) -> str:
    """The navigation stage whose link is the list at ``path`` (for the 待办 count), else 系统管理."""
    from core.navigation import STAGES

    for stage in STAGES:
        for link in stage.links:
            try:
                if reverse(link.url_name) == path:
                    return stage.key
            except NoReverseMatch:
                continue
    return "system"


def start_job(view, export: ListExport, rows: int) -> ImportJob:
    request = view.request
    user = request.user
    query = request.GET.copy()
    query.pop("export", None)
    job = ImportJob.objects.create(
        kind=EXPORT_KIND,
        original_name=export.filename[:255],
        uploaded_by=user,
        organisation_id=user.organisation_id,
        client_ip=client_ip(request),
        total_rows=rows,
        summary={
            "view": _view_path(view),
            "path": request.path,
            "query": request.GET.urlencode(),
            "filters": query.urlencode(),
            "kwargs": dict(view.kwargs),
            "title": export.name,
            "stage": stage_of(request.path),
            "rows": rows,
        },
    )
    trail.record(
        AuditAction.EXPORT,
        job,
        changes={"筛选条件": request.GET.urlencode()},
        reason=f"申请后台导出{export.name}（{rows} 行）",
    )
    result = run_export.enqueue(job.pk)
    ImportJob.objects.filter(pk=job.pk, task_id="").update(task_id=str(result.id)[:64])
    job.refresh_from_db()
    return job


def view_for(job: ImportJob):
    """The list view of ``job`` set up as its requester asked it (the same filters and gate)."""
    from core.views import GatedListView

    spec = job.summary or {}
    cls = import_string(spec["view"])
    if not (isinstance(cls, type) and issubclass(cls, GatedListView)):
        raise ValueError(f"{spec['view']} is not a list view")
    request = HttpRequest()
    request.method = "GET"
    request.path = request.path_info = spec.get("path", "/")
    request.GET = QueryDict(spec.get("query", ""))
    request.META = {"REMOTE_ADDR": job.client_ip or ""}
    request.user = job.uploaded_by
    request.session = {}
    request.htmx = False
    view = cls()
    view.setup(request, **spec.get("kwargs", {}))
    return view


@dataclass(frozen=True)
class ExportProblem:
    message: str

    def as_dict(self) -> dict:
        return {"row": None, "key": "", "message": self.message, "text": self.message}


class ExportRunner(JobRunner):
    """An export job: the list view rebuilt as its requester asked it, its file written as in the request, then stored
    for download. Nothing of the database is changed but the job (and the audit rows)."""

    title = "导出"
    failure_action = AuditAction.EXPORT

    def crash_message(self) -> str:
        return f"生成导出文件时发生系统错误，文件未生成。请重新导出；若反复出现，请联系系统管理员（导出任务 #{self.job.pk}）"

    def failure_reason(self, count: int) -> str:
        return f"导出失败，文件未生成：{self.job.original_name}"

    def allowed(self) -> bool:
        return self.job.uploaded_by.is_active

    def issue(self, message: str) -> ExportProblem:
        return ExportProblem(message)

    def work(self) -> tuple[int, list]:
        view = view_for(self.job)
        if not view.can_export():
            return 0, [ExportProblem("导出人已无导出权限，文件未生成")]
        export = ListExport(view)
        total = export.count()
        self.progress(ImportPhase.READ, 0, total)
        with temporary_file() as out:
            written = export.write(out, progress=lambda done: self.progress(ImportPhase.READ, done, max(total, done)))
            out.seek(0)
            name = default_storage.save(f"{STORAGE_DIR}/{uuid.uuid4().hex}.xlsx", File(out))
        try:
            with transaction.atomic():
                self._running().update(file=name)
                self.succeed(total=written, summary={"rows": written})
        except BaseException:
            default_storage.delete(name)
            raise
        return written, []


@task()
def run_export(job_id: int) -> dict:
    return run_task(job_id, ExportRunner)


# --- expiry --------------------------------------------------------------------------------------------------------
def expired(job: ImportJob, now: datetime | None = None) -> bool:
    return bool(job.finished_at and job.finished_at < (now or timezone.now()) - keep_for())


def expire(reaped=(), *, now: datetime | None = None) -> int:
    """Delete the files of export jobs finished more than ``JIXIAO_EXPORT_KEEP_HOURS`` ago (a cleanup of the job
    reaper, imports.liveness.register_cleanup); the number of files deleted."""
    cutoff = (now or timezone.now()) - keep_for()
    count = 0
    for job in ImportJob.objects.filter(kind=EXPORT_KIND, finished_at__lt=cutoff).exclude(file=""):
        name = job.file.name
        try:
            default_storage.delete(name)
        except OSError:
            logger.exception("export file %s of job %s not deleted", name, job.pk)
            continue
        ImportJob.objects.filter(pk=job.pk).update(file="", summary={**(job.summary or {}), "expired": True})
        count += 1
    return count


# --- pages ------------------------------------------------------------------------------------------------------------
def _job_or_404(request, pk: int) -> ImportJob:
    """The requester's own export job; 404 for anyone else (and for a job that is not an export)."""
    job = get_object_or_404(ImportJob.objects.of(request.user).filter(kind=EXPORT_KIND), pk=pk)
    return liveness.check(job)  # a job whose worker died is failed while its page is polled


def percent(job: ImportJob) -> int:
    if job.status == ImportStatus.SUCCEEDED:
        return 100
    if not job.total_rows:
        return 0
    return min(99, int(job.processed_rows * 100 / job.total_rows))


@login_required
def job_detail(request, pk: int):
    job = _job_or_404(request, pk)
    context = {
        "job": job,
        "percent": percent(job),
        "expired": job.status == ImportStatus.SUCCEEDED and (expired(job) or not job.file),
        "title": f"导出{(job.summary or {}).get('title', '')}：任务 #{job.pk}",
    }
    if getattr(request, "htmx", False):
        return render(request, "core/export_job_card.html", context)
    return render(request, "core/export_job.html", context)


@login_required
def download(request, pk: int):
    """The finished file, for its requester only; audited; 404 once it expired."""
    job = _job_or_404(request, pk)
    if job.status != ImportStatus.SUCCEEDED or not job.file:
        raise Http404("导出文件不存在")
    if expired(job) or not default_storage.exists(job.file.name):
        raise Http404("导出文件已过期，请重新导出")
    rows = (job.summary or {}).get("rows", job.total_rows)
    trail.record(AuditAction.EXPORT, job, reason=f"下载导出文件：{job.original_name}（{rows} 行）")
    if not (job.summary or {}).get("downloaded_at"):
        summary = {**(job.summary or {}), "downloaded_at": timezone.now().isoformat()}
        ImportJob.objects.filter(pk=job.pk).update(summary=summary)
    from core.xlsx import XLSX_MIME

    return FileResponse(
        default_storage.open(job.file.name, "rb"),
        as_attachment=True,
        filename=job.original_name,
        content_type=XLSX_MIME,
    )


# --- 待办 --------------------------------------------------------------------------------------------------------------
def todo_provider(user) -> list[TodoItem]:
    """The requester's running exports and finished files not yet downloaded (one query). The navigation's counts
    are cached by core.todo and refreshed by the audit rows an export writes (its export row when the file is
    made, its download row)."""
    now = timezone.now()
    jobs = list(
        ImportJob.objects.filter(uploaded_by=user, kind=EXPORT_KIND)
        .filter(
            Q(status__in=(ImportStatus.PENDING, ImportStatus.RUNNING))
            | Q(status=ImportStatus.SUCCEEDED, finished_at__gte=now - keep_for())
        )
        .exclude(status=ImportStatus.SUCCEEDED, file="")
        .order_by("-created_at")[:20]
    )
    items = []
    for job in jobs:
        summary = job.summary or {}
        stage = summary.get("stage", "system")
        if job.status == ImportStatus.SUCCEEDED:
            if summary.get("downloaded_at"):
                continue
            items.append(
                TodoItem(
                    title=f"导出文件已生成，点击下载：{job.original_name}（{summary.get('rows', job.total_rows)} 行）",
                    url=reverse("exports:download", args=[job.pk]),
                    stage=stage,
                    kind="导出",
                    since=job.finished_at,
                )
            )
        else:
            items.append(
                TodoItem(
                    title=f"正在导出：{job.original_name}（共 {job.total_rows} 行）",
                    url=job.get_absolute_url(),
                    stage=stage,
                    kind="导出",
                    since=job.created_at,
                )
            )
    return items

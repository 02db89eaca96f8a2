import uuid

from django.conf import settings
from django.db import models


def upload_path(job: "ImportJob", filename: str) -> str:
    # The uploader's file name is kept in original_name only; on disk a random name under MEDIA_ROOT.
    return f"imports/{job.kind}/{uuid.uuid4().hex}.xlsx"


class ImportStatus(models.TextChoices):
    PENDING = "pending", "排队中"
    RUNNING = "running", "正在导入"
    SUCCEEDED = "succeeded", "导入成功"
    FAILED = "failed", "导入失败"


class ImportPhase(models.TextChoices):
    NONE = "", "—"
    READ = "read", "读取文件"
    VALIDATE = "validate", "逐行校验"
    CHECK = "check", "规则校验"
    APPLY = "apply", "写入数据"


class ImportJobQuerySet(models.QuerySet):
    def of(self, user):
        """An import job is seen only by the person who uploaded it (it may hold initial passwords)."""
        if user is None or not user.is_authenticated:
            return self.none()
        return self.filter(uploaded_by=user)


class ImportJob(models.Model):
    """One uploaded file and its import, run in the background by ``imports.tasks.run_import`` (Excel) or
    ``execution.tasks.run_load`` (execution data), both through the job runner ``imports.jobs``. A job of kind
    ``export`` is a large list export (``core.exports.run_export``): ``uploaded_by`` is who asked for it, ``file`` the
    finished workbook, ``summary`` the list, its filters and the row count (docs/decisions/0023).

    ``processed_rows`` counts rows checked so far (visible while the job runs); the writing phase is
    one transaction, so it is all-or-nothing and shows as the phase “写入数据”.
    """

    kind = models.CharField("导入类型", max_length=40)
    file = models.FileField("文件", upload_to=upload_path, blank=True, max_length=255)
    original_name = models.CharField("文件名", max_length=255)
    file_size = models.PositiveIntegerField("文件大小（字节）", default=0)
    sha256 = models.CharField("文件 SHA-256", max_length=64, blank=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="上传人", on_delete=models.PROTECT, related_name="import_jobs"
    )
    organisation = models.ForeignKey(
        "organisations.Organisation",
        verbose_name="所属机构",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    client_ip = models.GenericIPAddressField("来源地址", null=True, blank=True)
    status = models.CharField(
        "状态", max_length=20, choices=ImportStatus.choices, default=ImportStatus.PENDING, db_index=True
    )
    phase = models.CharField("阶段", max_length=20, choices=ImportPhase.choices, blank=True, default="")
    total_rows = models.PositiveIntegerField("总行数", default=0)
    processed_rows = models.PositiveIntegerField("已处理行数", default=0)
    errors = models.JSONField("错误", default=list, blank=True)
    error_count = models.PositiveIntegerField("错误数", default=0)
    summary = models.JSONField("结果", default=dict, blank=True)
    task_id = models.CharField("后台任务编号", max_length=64, blank=True)
    created_at = models.DateTimeField("上传时间", auto_now_add=True)
    started_at = models.DateTimeField("开始时间", null=True, blank=True)
    finished_at = models.DateTimeField("完成时间", null=True, blank=True)
    # Real time, written by the job's runner while it works (imports/liveness.py): a running job whose heartbeat is
    # older than JIXIAO_JOB_STALE_SECONDS lost its worker and is failed by the reaper.
    heartbeat_at = models.DateTimeField("最近心跳", null=True, blank=True)

    objects = ImportJobQuerySet.as_manager()

    class Meta:
        verbose_name = "导入任务"
        verbose_name_plural = "导入任务"
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"{'导出' if self.is_export else '导入'}任务 #{self.pk}（{self.original_name}）"

    def get_absolute_url(self):
        from django.urls import reverse

        return reverse("exports:job" if self.is_export else "imports:job", args=[self.pk])

    @property
    def is_export(self) -> bool:
        """An export of a list page run in the background (core/exports.py): the same life, its own pages."""
        return self.kind == "export"

    @property
    def done(self) -> bool:
        return self.status in (ImportStatus.SUCCEEDED, ImportStatus.FAILED)

    @property
    def percent(self) -> int:
        """Checking fills the first half of the bar (two passes); writing, one transaction, shows as 75 %."""
        if self.status == ImportStatus.SUCCEEDED:
            return 100
        if self.phase == ImportPhase.APPLY:
            return 75
        if not self.total_rows:
            return 0
        start = 25 if self.phase == ImportPhase.CHECK else 0
        return start + min(25, int(self.processed_rows * 25 / self.total_rows))

    @property
    def importer_title(self) -> str:
        from imports.framework import get_importer
        from imports.jobs import KIND_TITLES

        importer = get_importer(self.kind)
        return importer.title if importer else KIND_TITLES.get(self.kind, "导入")

    @property
    def summary_text(self) -> str:
        s = self.summary or {}
        if not s:
            return ""
        return (
            f"共 {s.get('total', 0)} 行：新增 {s.get('created', 0)} 条，更新 {s.get('updated', 0)} 条，"
            f"未变化 {s.get('unchanged', 0)} 条"
        )

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils import timezone


class Assignment(models.Model):
    """Gives an agency, an expert or a provider reach over one record (Scope.ASSIGNED).

    Either a whole organisation (an agency) or one person (an expert) is assigned.
    """

    content_type = models.ForeignKey(ContentType, on_delete=models.CASCADE)
    object_id = models.PositiveBigIntegerField()
    organisation = models.ForeignKey(
        "organisations.Organisation", null=True, blank=True, on_delete=models.CASCADE, related_name="assignments"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.CASCADE, related_name="assignments"
    )
    created_at = models.DateTimeField(default=timezone.now)
    # seed 004 三(九)2: finance's authorisation for the assignee to export or publish the record's data.
    may_export = models.BooleanField("授权导出", default=False, db_default=False)

    audit_fields = ["content_type", "object_id", "organisation", "user", "may_export"]

    class Meta:
        verbose_name = "委托/指派"
        verbose_name_plural = "委托/指派"
        indexes = [models.Index(fields=["content_type", "object_id"])]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(organisation__isnull=False) | models.Q(user__isnull=False),
                name="assignment_has_assignee",
            )
        ]

    def __str__(self) -> str:
        return f"{self.organisation or self.user} ← {self.content_type.name} #{self.object_id}"


class IdempotencyKey(models.Model):
    """One use of an ``Idempotency-Key`` header on a creating API request (core/idempotency.py): reserved before the
    request runs (the unique (user, key) index lets only one in), completed with the response to replay. A row
    without ``status_code`` is a request still running. Kept ``JIXIAO_IDEMPOTENCY_HOURS``; no business record."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="用户", on_delete=models.CASCADE, related_name="+")
    key = models.CharField("幂等键", max_length=255)
    method = models.CharField("方法", max_length=10)
    path = models.CharField("路径", max_length=1000)
    request_hash = models.CharField("请求摘要", max_length=64, help_text="方法、路径和请求体的 SHA-256")
    status_code = models.PositiveSmallIntegerField("响应状态", null=True, blank=True)
    response_body = models.TextField("响应内容", blank=True)
    location = models.CharField("Location", max_length=1000, blank=True)
    created_at = models.DateTimeField("创建时间", default=timezone.now, db_index=True)
    completed_at = models.DateTimeField("完成时间", null=True, blank=True)

    class Meta:
        verbose_name = "幂等键"
        verbose_name_plural = "幂等键"
        constraints = [models.UniqueConstraint(fields=["user", "key"], name="idempotency_key_per_user")]

    def __str__(self) -> str:
        return f"{self.user_id}:{self.key}"


class MaintenanceWindow(models.Model):
    """The maintenance switch (core/immutability.py): while a row of the current transaction is open, the database
    lets approved records and review logs be corrected. Rows are kept as the record of every use."""

    reason = models.TextField("理由")
    operator = models.CharField("操作人", max_length=120)
    opened_at = models.DateTimeField("开始时间", default=timezone.now)
    closed_at = models.DateTimeField("结束时间", null=True, blank=True)
    # PostgreSQL: the transaction the window belongs to (txid_current()); the triggers ignore any other.
    txid = models.BigIntegerField("事务号", null=True, blank=True)

    class Meta:
        verbose_name = "维护开关记录"
        verbose_name_plural = "维护开关记录"
        ordering = ["-opened_at"]

    def __str__(self) -> str:
        return f"{self.opened_at:%Y-%m-%d %H:%M} {self.operator}：{self.reason[:40]}"

"""绩效预警 and what follows it (seed 003 第十九条; seed 000 第二十一条; seed 001 第十八条): ``WarningRule`` (versioned),
``PerformanceWarning``, finance's ``Disposal`` and the ``DisbursementHold`` (拨款控制) a suspension or a stop puts on a
subject — decided by finance through a disposal, or by the 主管部门 over its own units' subjects
(docs/decisions/0035-department-disbursement-holds.md). Re-exported by ``monitoring.models``."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils import timezone

from core import clock
from core.versioning import Versioning
from monitoring.choices import DisposalDecision, HoldKind, Light, WarningStatus
from monitoring.models.base import MONEY, YEAR_VALIDATORS


class WarningRule(models.Model):
    """A warning rule as versioned data: which check (``kind``, implemented in ``monitoring.alerts``), its
    parameters, and whether it is active. Editing creates a new version; warnings name the version they used.
    The kinds are code (``monitoring.alerts.KINDS``)."""

    code = models.CharField("规则代码", max_length=40)
    version = models.PositiveIntegerField("版本", default=1, editable=False)
    name = models.CharField("规则名称", max_length=100)
    kind = models.CharField("检查类型", max_length=40)
    params = models.JSONField("参数", default=dict, blank=True)
    is_active = models.BooleanField("启用", default=True)
    is_current = models.BooleanField("现行版本", default=True, editable=False)

    # One line per rule code, in force once saved (core/versioning.py); is_current marks the newest.
    versioning = Versioning(region=None, effective=None, keys=("code",), retire="is_current")
    basis = models.CharField("依据", max_length=200, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="设置人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        editable=False,
    )
    created_at = models.DateTimeField("设置时间", default=timezone.now, editable=False)

    access_public_read = True
    access_org_field = None
    audit_fields = ["code", "version", "name", "kind", "params", "is_active", "basis"]

    class Meta:
        verbose_name = "预警规则"
        verbose_name_plural = "预警规则"
        ordering = ["code", "-version"]
        constraints = [models.UniqueConstraint(fields=["code", "version"], name="warning_rule_version")]

    def __str__(self) -> str:
        return f"{self.name}（第 {self.version} 版）"


class PerformanceWarning(models.Model):
    """绩效预警 raised by a rule for a subject, naming its rule (and version) and the figures that tripped it."""

    rule = models.ForeignKey(WarningRule, verbose_name="预警规则", on_delete=models.PROTECT, related_name="warnings")
    subject = models.ForeignKey(
        "subjects.Subject", verbose_name="项目", on_delete=models.PROTECT, related_name="performance_warnings"
    )
    round = models.ForeignKey(
        "monitoring.MonitoringRound",
        verbose_name="监控轮次",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="warnings",
    )
    fiscal_year = models.PositiveSmallIntegerField("预算年度", validators=YEAR_VALIDATORS)
    as_of = models.DateField("数据截止日期")
    light = models.CharField("灯色", max_length=10, choices=Light.choices, default=Light.NONE)
    message = models.CharField("预警内容", max_length=500)
    figures = models.JSONField("预警数据", default=dict, blank=True)
    status = models.CharField(
        "状态", max_length=20, choices=WarningStatus.choices, default=WarningStatus.OPEN, db_index=True
    )
    table = models.ForeignKey(
        "monitoring.MonitoringTable",
        verbose_name="监控表",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="warnings",
    )
    unit_reply = models.TextField("单位整改说明", blank=True)
    replied_at = models.DateTimeField("说明时间", null=True, blank=True, editable=False)
    replied_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="说明人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        editable=False,
    )
    dismiss_reason = models.TextField("核销理由", blank=True)
    raised_at = models.DateTimeField("预警时间", default=clock.now, editable=False)

    access_org_field = "subject__organisation"
    todo_stage = "monitoring"
    audit_fields = [
        "rule",
        "subject",
        "round",
        "as_of",
        "light",
        "message",
        "figures",
        "status",
        "unit_reply",
        "dismiss_reason",
    ]

    class Meta:
        verbose_name = "绩效预警"
        verbose_name_plural = "绩效预警"
        ordering = ["-raised_at", "-pk"]
        constraints = [models.UniqueConstraint(fields=["rule", "subject", "as_of"], name="warning_once_per_date")]
        indexes = [models.Index(fields=["status", "subject"], name="warning_status_subject")]

    def __str__(self) -> str:
        return self.message

    def get_absolute_url(self):
        return reverse("monitoring:warning", args=[self.pk])


class Disposal(models.Model):
    """The recorded decision on a warning (seed 000 第二十一条; seed 001 第十八条), with its reason."""

    warning = models.ForeignKey(
        PerformanceWarning, verbose_name="预警", on_delete=models.PROTECT, related_name="disposals"
    )
    decision = models.CharField("处置决定", max_length=20, choices=DisposalDecision.choices)
    reason = models.TextField("处置理由")
    amount = models.DecimalField("涉及金额（元）", null=True, blank=True, **MONEY, help_text="调整预算、收回资金时填写")
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="处置人", on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField("处置时间", default=clock.now, editable=False)

    access_org_field = "warning__subject__organisation"
    audit_fields = ["warning", "decision", "reason", "amount"]

    class Meta:
        verbose_name = "预警处置"
        verbose_name_plural = "预警处置"
        ordering = ["-decided_at", "-pk"]

    def __str__(self) -> str:
        return self.get_decision_display()


class DisbursementHold(models.Model):
    """A subject whose disbursement is suspended or stopped (seed 000 第二十一条 财政部门和主管部门……可暂缓或停止预算
    拨款): by finance through a warning's disposal (``disposal``), or by the 主管部门 over its own units' subjects
    (``department``, docs/decisions/0035). The treasury applies either; ``lifted_at`` set = no longer in force."""

    subject = models.ForeignKey(
        "subjects.Subject", verbose_name="项目", on_delete=models.PROTECT, related_name="disbursement_holds"
    )
    kind = models.CharField("类型", max_length=20, choices=HoldKind.choices)
    disposal = models.ForeignKey(
        Disposal, verbose_name="处置决定", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    department = models.ForeignKey(
        "organisations.Organisation",
        verbose_name="决定的主管部门",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="为空表示财政部门（预警处置）的决定",
    )
    reason = models.TextField("理由", blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="决定人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    since = models.DateTimeField("生效时间", default=clock.now)
    lifted_at = models.DateTimeField("解除时间", null=True, blank=True)
    lifted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="解除人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    lift_reason = models.TextField("解除理由", blank=True)
    # The treasury confirms it stopped paying (issue 12 §6: the holds to apply wait in its 待办).
    applied_at = models.DateTimeField("国库执行时间", null=True, blank=True)
    applied_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="国库执行人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )

    access_org_field = "subject__organisation"
    audit_fields = ["subject", "kind", "department", "reason", "since", "lifted_at", "lift_reason", "applied_at"]

    class Meta:
        verbose_name = "拨款控制"
        verbose_name_plural = "拨款控制"
        ordering = ["-since", "-pk"]

    def __str__(self) -> str:
        name = self.subject.name if self.subject_id else ""
        return f"{self.get_kind_display()}：{name}"

    @property
    def in_force(self) -> bool:
        return self.lifted_at is None

    @property
    def decided_by_label(self) -> str:
        """决定机关: the department's name, or 财政部门 for a disposal's hold."""
        return self.department.name if self.department_id else "财政部门（预警处置）"

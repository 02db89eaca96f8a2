"""绩效运行监控 (operation monitoring, seed 000 第十七–二十一条; seed 001 第十六–十八条; seed 003 第十六–二十一条).

* ``LightThresholds`` — the numbers of the lights as versioned data per region (DOMAIN.md, *practice*).
* ``ExecutionFigure`` — a subject's execution figures and execution light as of a date, recomputed set-based
  from ``execution`` data by ``monitoring.figures.refresh``; ``FigureRollup`` — their sums per organisation and
  department, kept by the same refresh, that the dashboard reads (``monitoring.rollup_store``).
* ``MonitoringRound`` — finance (or a 主管部门 over its own units, seed 001 第十七条) opens a round (data to a date, due by a date, scope); each subject in scope gets a
  ``MonitoringTable`` (《绩效目标执行监控表》, seed 004 三(六)) with one ``MonitoringIndicator`` per annual target
  indicator; the table goes through the review chain "monitoring.monitoringtable".
* ``WarningRule`` / ``PerformanceWarning`` / ``Disposal`` — 绩效预警 (seed 003 第十九条) and its disposal
  (seed 000 第二十一条), with ``DisbursementHold`` marking a suspended or stopped subject for the treasury.
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.urls import reverse
from django.utils import timezone

from core.versioning import Versioning
from monitoring.choices import (
    DeviationReason,
    Light,
    QualitativeLevel,
    RoundKind,
    RoundScope,
    RoundStatus,
    TimeProgressBasis,
)
from monitoring.models.base import MONEY, RATIO, SHARE, YEAR_VALIDATORS
from workflow.models import Reviewable

DEPARTMENT_ROUND_CHAIN = "monitoring.monitoringtable.department"


class LightThresholds(models.Model):
    """The thresholds of both lights for a region, as versioned data. ``region`` empty is the default for
    regions without their own; the newest version effective on a date applies (``monitoring.lights``)."""

    region = models.ForeignKey(
        "organisations.Region",
        verbose_name="行政区划",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="为空表示全省默认值",
    )
    version = models.PositiveIntegerField("版本", default=1, editable=False)
    effective_from = models.DateField("生效日期")

    versioning = Versioning()  # a line per region, the default line without one (core/versioning.py)
    execution_red_below = models.DecimalField(
        "执行进度红灯（执行率÷序时进度低于）", default=Decimal("0.60"), validators=SHARE, **RATIO
    )
    execution_yellow_below = models.DecimalField(
        "执行进度黄灯（执行率÷序时进度低于）", default=Decimal("0.80"), validators=SHARE, **RATIO
    )
    indicator_red_below = models.DecimalField(
        "指标红灯（实际÷序时目标低于）", default=Decimal("0.60"), validators=SHARE, **RATIO
    )
    indicator_yellow_below = models.DecimalField(
        "指标黄灯（实际÷序时目标低于）", default=Decimal("0.80"), validators=SHARE, **RATIO
    )
    indicator_blue_from = models.DecimalField(
        "指标蓝灯（实际÷序时目标不低于）", default=Decimal("1.20"), validators=SHARE, **RATIO
    )
    time_progress_basis = models.CharField(
        "序时进度计算方式",
        max_length=10,
        choices=TimeProgressBasis.choices,
        default=TimeProgressBasis.MONTHS,
        help_text="按月：月末为已过月数 ÷ 12（6 月 30 日为 50%）；按日：已过天数 ÷ 全年天数",
    )
    note = models.CharField("说明", max_length=200, blank=True)
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
    audit_fields = [
        "region",
        "version",
        "effective_from",
        "execution_red_below",
        "execution_yellow_below",
        "indicator_red_below",
        "indicator_yellow_below",
        "indicator_blue_from",
        "time_progress_basis",
        "note",
    ]

    class Meta:
        verbose_name = "监控预警阈值"
        verbose_name_plural = "监控预警阈值"
        ordering = ["region", "-version"]
        constraints = [models.UniqueConstraint(fields=["region", "version"], name="light_thresholds_version")]

    def __str__(self) -> str:
        return f"{self.region or '默认'} 第 {self.version} 版（{self.effective_from} 起）"

    def clean(self) -> None:
        if (
            self.execution_red_below is not None
            and self.execution_yellow_below is not None
            and self.execution_red_below > self.execution_yellow_below
        ):
            raise ValidationError({"execution_yellow_below": "黄灯阈值不能低于红灯阈值"})
        if None not in (self.indicator_red_below, self.indicator_yellow_below, self.indicator_blue_from) and not (
            self.indicator_red_below <= self.indicator_yellow_below < self.indicator_blue_from
        ):
            raise ValidationError({"indicator_blue_from": "指标阈值须满足 红灯 ≤ 黄灯 < 蓝灯"})


class ExecutionFigure(models.Model):
    """Budget execution of one subject as of a date: available budget (allocations, or the arranged amount
    when no allocation was issued), paid to date, execution rate, time progress and the execution light."""

    # No separate index on subject or light: the unique (subject, fiscal_year, as_of) index serves every lookup,
    # and each extra index slows the set-based refresh (docs/decisions/0015).
    subject = models.ForeignKey(
        "subjects.Subject",
        verbose_name="项目",
        on_delete=models.CASCADE,
        related_name="execution_figures",
        db_index=False,
    )
    fiscal_year = models.PositiveSmallIntegerField("预算年度", validators=YEAR_VALIDATORS)
    as_of = models.DateField("数据截止日期")
    available = models.DecimalField("可用预算（元）", default=Decimal("0"), **MONEY)
    paid = models.DecimalField("累计支付（元）", default=Decimal("0"), **MONEY)
    execution_rate = models.DecimalField("预算执行率", null=True, blank=True, **RATIO)
    time_progress = models.DecimalField("序时进度", **RATIO)
    progress_ratio = models.DecimalField("执行率÷序时进度", null=True, blank=True, **RATIO)
    light = models.CharField("执行灯", max_length=10, choices=Light.choices, default=Light.NONE)
    # The threshold version the light was judged with (in force for the subject's region on ``as_of``; empty: the
    # built-in defaults). Kept current: a new version re-judges the stored figures it applies to (issue 12 §3).
    thresholds = models.ForeignKey(
        LightThresholds,
        verbose_name="阈值版本",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,  # versions are never deleted in the application (a test may)
        related_name="+",
        db_index=False,
    )
    refreshed_at = models.DateTimeField("计算时间", default=timezone.now)

    access_org_field = "subject__organisation"

    class Meta:
        verbose_name = "预算执行情况"
        verbose_name_plural = "预算执行情况"
        ordering = ["-as_of", "subject"]
        constraints = [
            models.UniqueConstraint(fields=["subject", "fiscal_year", "as_of"], name="execution_figure_unique")
        ]

    def __str__(self) -> str:
        return f"{self.subject_id} {self.as_of}"


class FigureRollup(models.Model):
    """The stored figures of one date summed per implementing organisation and 主管部门 (``Subject.department``),
    kept by ``monitoring.figures.refresh`` in the same transaction (``monitoring.rollup_store``, ADR 0031). Only
    additive measures are stored; rates, ratios and lights of the sums are computed when read."""

    fiscal_year = models.PositiveSmallIntegerField("预算年度", validators=YEAR_VALIDATORS)
    as_of = models.DateField("数据截止日期")
    organisation = models.ForeignKey(
        "organisations.Organisation", verbose_name="实施单位", on_delete=models.CASCADE, related_name="+"
    )
    department = models.ForeignKey(
        "organisations.Organisation",
        verbose_name="主管部门",
        on_delete=models.CASCADE,
        null=True,
        related_name="+",
        db_index=False,
    )
    subjects = models.PositiveIntegerField("项目数", default=0)
    available = models.DecimalField("可用预算（元）", default=Decimal("0"), **MONEY)
    paid = models.DecimalField("累计支付（元）", default=Decimal("0"), **MONEY)
    red = models.PositiveIntegerField("红灯项目数", default=0)
    yellow = models.PositiveIntegerField("黄灯项目数", default=0)
    green = models.PositiveIntegerField("绿灯项目数", default=0)
    no_light = models.PositiveIntegerField("无数据项目数", default=0)

    # The same path as Subject.access_org_field: the gate's reach over subjects filters these rows unchanged.
    access_org_field = "organisation"

    class Meta:
        verbose_name = "预算执行汇总"
        verbose_name_plural = "预算执行汇总"
        ordering = ["-as_of", "organisation"]
        indexes = [models.Index(fields=["fiscal_year", "as_of", "organisation"], name="figure_rollup_date")]

    def __str__(self) -> str:
        return f"{self.as_of} {self.organisation_id}/{self.department_id}"


class MonitoringRound(models.Model):
    """A monitoring round opened by a finance bureau's performance section or by a 主管部门 over its own units
    (``kind``, seed 001 第十七条): data up to ``data_as_of``, tables due by ``due_date``."""

    organisation = models.ForeignKey(
        "organisations.Organisation",
        verbose_name="组织单位",
        on_delete=models.PROTECT,
        related_name="+",
        help_text="开展监控的财政部门或主管部门",
    )
    kind = models.CharField(
        "监控类型", max_length=20, choices=RoundKind.choices, default=RoundKind.FINANCE, editable=False
    )
    fiscal_year = models.PositiveSmallIntegerField("预算年度", validators=YEAR_VALIDATORS)
    name = models.CharField("名称", max_length=200)
    data_as_of = models.DateField("数据截止日期")
    due_date = models.DateField("报送截止日期")
    scope = models.CharField("监控范围", max_length=20, choices=RoundScope.choices, default=RoundScope.ALL_FUNDED)
    key_subjects = models.ManyToManyField("subjects.Subject", verbose_name="重点监控项目", blank=True, related_name="+")
    status = models.CharField("状态", max_length=10, choices=RoundStatus.choices, default=RoundStatus.OPEN)
    notice = models.TextField("通知要求", blank=True)
    tables_pending = models.BooleanField(
        "监控表生成中", default=False, editable=False, help_text="范围较大时监控表在后台生成，完成前为是"
    )
    closed_at = models.DateTimeField("结束时间", null=True, blank=True, editable=False)
    # Who of the year's funded subjects the round left out, and why, as found when it was opened (issue 12 §4):
    # [{"subject": id, "reason": LeftOutReason, "detail": "示范市中区" / "审核中（主管部门审核人）"}].
    left_out = models.JSONField("未纳入的项目及原因", default=list, blank=True, editable=False)
    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="发起人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        editable=False,
    )
    created_at = models.DateTimeField("创建时间", default=timezone.now, editable=False)

    access_org_field = "organisation"
    audit_fields = ["kind", "fiscal_year", "name", "data_as_of", "due_date", "scope", "status", "notice"]

    class Meta:
        verbose_name = "监控轮次"
        verbose_name_plural = "监控轮次"
        ordering = ["-fiscal_year", "-data_as_of", "-pk"]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self):
        return reverse("monitoring:round", args=[self.pk])

    def clean(self) -> None:
        if self.data_as_of and self.due_date and self.due_date < self.data_as_of:
            raise ValidationError({"due_date": "报送截止日期不能早于数据截止日期"})
        if self.data_as_of and self.fiscal_year and self.data_as_of.year != self.fiscal_year:
            raise ValidationError({"data_as_of": "数据截止日期应在预算年度之内"})


class MonitoringTable(Reviewable):
    """《绩效目标执行监控表》 of one subject in one round. Budget execution is filled from treasury data when the
    table is created and refreshed until submission; the unit fills the indicator rows and the narrative."""

    round = models.ForeignKey(MonitoringRound, verbose_name="监控轮次", on_delete=models.PROTECT, related_name="tables")
    subject = models.ForeignKey(
        "subjects.Subject", verbose_name="项目", on_delete=models.PROTECT, related_name="monitoring_tables"
    )
    target_sheet = models.ForeignKey(
        "targets.TargetSheet",
        verbose_name="绩效目标",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        editable=False,
    )
    available = models.DecimalField("可用预算（元）", default=Decimal("0"), editable=False, **MONEY)
    paid = models.DecimalField("累计支付（元）", default=Decimal("0"), editable=False, **MONEY)
    execution_rate = models.DecimalField("预算执行率", null=True, blank=True, editable=False, **RATIO)
    time_progress = models.DecimalField("序时进度", null=True, blank=True, editable=False, **RATIO)
    execution_light = models.CharField(
        "执行灯", max_length=10, choices=Light.choices, default=Light.NONE, editable=False
    )
    target_light = models.CharField("目标灯", max_length=10, choices=Light.choices, default=Light.NONE, editable=False)
    expected_full_year_rate = models.DecimalField("预计全年执行率", null=True, blank=True, **RATIO)
    execution_deviation_reason = models.CharField(
        "执行偏差原因类别", max_length=20, choices=DeviationReason.choices, blank=True
    )
    execution_measures = models.TextField("执行偏差纠偏措施", blank=True)
    contract_status = models.TextField("合同履行情况", blank=True, help_text="政府购买服务项目填写合同签订与履行情况")
    overall_judgement = models.TextField("目标实现情况总体判断", blank=True)
    other_notes = models.TextField("其他需要说明的情况", blank=True)
    submitted_at = models.DateTimeField("首次报送时间", null=True, blank=True, editable=False)
    created_at = models.DateTimeField("创建时间", default=timezone.now, editable=False)
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    access_org_field = "subject__organisation"
    todo_stage = "monitoring"
    todo_kind = "绩效监控表"
    # A department's round comes back to the department, not to finance (seed 001 第十七条; docs/decisions/0037).
    chain_variants = {DEPARTMENT_ROUND_CHAIN: "绩效目标执行监控表（主管部门自行监控）"}
    audit_fields = [
        "expected_full_year_rate",
        "execution_deviation_reason",
        "execution_measures",
        "contract_status",
        "overall_judgement",
        "other_notes",
    ]

    class Meta:
        verbose_name = "绩效目标执行监控表"
        verbose_name_plural = "绩效目标执行监控表"
        ordering = ["round", "subject__code"]
        constraints = [models.UniqueConstraint(fields=["round", "subject"], name="monitoring_table_unique")]

    def __str__(self) -> str:
        name = self.subject.name if self.subject_id else ""
        return f"{name} 绩效目标执行监控表"

    # The 待办 item names its round: a subject has one table per round, and three alike lines told nothing apart
    # (issue 12 §6).
    todo_select_related = ("subject", "round")

    def todo_title(self) -> str:
        return f"绩效监控表：{self.subject.name}（{self.round.name}）"

    def get_absolute_url(self):
        return reverse("monitoring:table", args=[self.pk])

    @property
    def chain_document_type(self) -> str:
        if self.round_id and self.round.kind == RoundKind.DEPARTMENT:
            return DEPARTMENT_ROUND_CHAIN
        return self._meta.label_lower

    @property
    def is_late(self) -> bool:
        """Not submitted by the round's due date (逾期未报), or first submitted after it (逾期报送)."""
        return self.late_against(self.round.due_date)


class MonitoringIndicator(models.Model):
    """One indicator row of a monitoring table: the annual target (copied from the approved sheet), the actual to
    date, the expected full-year completion, whether it will be met and, for a deviation, why and what is done."""

    table = models.ForeignKey(
        MonitoringTable, verbose_name="监控表", on_delete=models.CASCADE, related_name="indicators"
    )
    target_indicator = models.ForeignKey(
        "targets.TargetIndicator",
        verbose_name="绩效指标",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    order = models.PositiveSmallIntegerField("序号", default=0)
    level1 = models.CharField("一级指标", max_length=20)
    level2 = models.CharField("二级指标", max_length=30)
    name = models.CharField("三级指标", max_length=200)
    comparator = models.CharField("指标性质", max_length=20)
    annual_target = models.CharField("年度指标值", max_length=200)
    unit = models.CharField("计量单位", max_length=30, blank=True)
    cumulative = models.BooleanField(
        "按序时累计", default=True, help_text="数量、效益、满意度等随时间累计的指标按“年度目标×月数÷12”计算序时目标"
    )
    actual_to_date = models.CharField("截至目前完成值", max_length=200, blank=True)
    qualitative_level = models.CharField(
        "定性指标完成程度", max_length=20, choices=QualitativeLevel.choices, blank=True
    )
    expected_full_year = models.CharField("预计全年完成值", max_length=200, blank=True)
    will_be_met = models.BooleanField("预计能否完成", null=True, blank=True)
    deviation_reason = models.CharField("偏差原因类别", max_length=20, choices=DeviationReason.choices, blank=True)
    deviation_explanation = models.TextField("偏差原因说明", blank=True)
    measures = models.TextField("纠偏措施", blank=True)
    light = models.CharField("指标灯", max_length=10, choices=Light.choices, default=Light.NONE, editable=False)

    access_org_field = "table__subject__organisation"

    class Meta:
        verbose_name = "监控指标"
        verbose_name_plural = "监控指标"
        ordering = ["table", "order", "pk"]

    def __str__(self) -> str:
        return self.name


# The warning side lives in its own module (one aggregate per module, STYLE.md); every name stays importable here.
from monitoring.models.disposal import (  # noqa: E402
    DisbursementHold,
    Disposal,
    PerformanceWarning,
    WarningRule,
)

__all__ = [
    "MONEY",
    "RATIO",
    "SHARE",
    "YEAR_VALIDATORS",
    "DisbursementHold",
    "Disposal",
    "ExecutionFigure",
    "FigureRollup",
    "LightThresholds",
    "MonitoringIndicator",
    "MonitoringRound",
    "MonitoringTable",
    "PerformanceWarning",
    "WarningRule",
]

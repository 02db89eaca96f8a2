"""Vocabularies of operation monitoring (绩效运行监控; DOMAIN.md "Rules with numbers": monitoring lights)."""

from __future__ import annotations

from django.db import models


class TimeProgressBasis(models.TextChoices):
    """How 序时进度 is counted (issue 12 §3): by months by default (6-30 is 50.0 %), by days a region's choice."""

    MONTHS = "months", "按月（已过月数 ÷ 12）"
    DAYS = "days", "按日（已过天数 ÷ 全年天数）"


class Light(models.TextChoices):
    """Monitoring lights, ordered from best to worst by ``LIGHT_SEVERITY``. Blue marks an indicator far ahead
    of its expected-to-date value: a target probably set too low."""

    GREEN = "green", "绿灯"
    BLUE = "blue", "蓝灯"
    YELLOW = "yellow", "黄灯"
    RED = "red", "红灯"
    NONE = "none", "无数据"


# A subject's target light is its worst indicator's light (issue 5). Blue ranks between green and yellow.
LIGHT_SEVERITY = {Light.NONE: 0, Light.GREEN: 1, Light.BLUE: 2, Light.YELLOW: 3, Light.RED: 4}


class RoundScope(models.TextChoices):
    ALL_FUNDED = "all_funded", "全部已安排预算的项目"
    KEY = "key", "重点监控项目"


class RoundKind(models.TextChoices):
    """Who runs a round: finance's key monitoring of its own level (seed 003 第十九条（二）; seed 001 第十八条) or a
    主管部门's own monitoring of projects it chooses (seed 001 第十七条; docs/decisions/0037-department-rounds.md)."""

    FINANCE = "finance", "财政重点监控"
    DEPARTMENT = "department", "主管部门监控"


class RoundStatus(models.TextChoices):
    OPEN = "open", "进行中"
    CLOSED = "closed", "已结束"


class QualitativeLevel(models.TextChoices):
    """Qualitative indicators are judged on three levels (DOMAIN.md, qualitative indicator score)."""

    ACHIEVED = "achieved", "达成预期"
    PARTLY = "partly", "部分达成并具有一定效果"
    NOT_ACHIEVED = "not_achieved", "未达成且效果较差"


class DeviationReason(models.TextChoices):
    """Reason category for a deviation (seed 004 三(六) 《绩效目标执行监控表》)."""

    POLICY_CHANGE = "policy_change", "政策变化"
    OBJECTIVE = "objective", "客观条件变化"
    MANAGEMENT = "management", "管理原因"
    FUNDS_NOT_IN_PLACE = "funds", "资金未到位"
    OTHER = "other", "其他原因"


class WarningStatus(models.TextChoices):
    OPEN = "open", "待处置"
    DISPOSED = "disposed", "已处置"
    DISMISSED = "dismissed", "已核销"


class DisposalDecision(models.TextChoices):
    """How a warning is disposed of (seed 000 第二十一条; seed 001 第十八条)."""

    CORRECTED = "corrected", "单位已纠偏"
    BUDGET_ADJUSTED = "budget_adjusted", "调整预算"
    SUSPENDED = "suspended", "暂缓拨款"
    STOPPED = "stopped", "停止拨款"
    RECOVERED = "recovered", "收回资金"


class HoldKind(models.TextChoices):
    SUSPENDED = "suspended", "暂缓拨款"
    STOPPED = "stopped", "停止拨款"


class LeftOutReason(models.TextChoices):
    """Why a funded subject of the year has no table in a round of all funded subjects (issue 12 §4), or what its
    table lacks (``NO_INDICATORS``: included, budget execution only)."""

    OTHER_REGION = "other_region", "属下级区划，由该区划财政部门监控"
    NO_TARGETS = "no_targets", "未编制本年度绩效目标"
    TARGETS_PENDING = "targets_pending", "绩效目标尚未批复"
    NO_INDICATORS = "no_indicators", "已纳入，但批复的绩效目标没有年度指标，只监控预算执行"

"""The vocabularies of performance evaluation (绩效评价)."""

from django.db import models


class SchemeKind(models.TextChoices):
    """Which scoring scheme a version belongs to; each kind is its own line of versions (core/versioning.py)."""

    NATIONAL = "national", "单位自评（执行率 10 分 + 绩效指标 90 分）"
    COMPOSITE = "composite", "综合评价（定量 70 分 + 定性 30 分 + 加分）"
    FOUR_E = "four_e", "政府购买服务 4E 评价（经济性、效率性、有效性、公平性）"


class IndicatorKind(models.TextChoices):
    """How an indicator is compared with its target (the 指标值 sign on the approved target sheet)."""

    POSITIVE = "positive", "正向指标（≥）"
    NEGATIVE = "negative", "反向指标（≤）"
    EXACT = "exact", "等于（=）"
    QUALITATIVE = "qualitative", "定性指标"


class Dimension(models.TextChoices):
    """The first-level indicators of the self-evaluation sheet (*practice*, 财预〔2020〕10号)."""

    OUTPUT = "output", "产出指标"
    EFFECT = "effect", "效益指标"
    SATISFACTION = "satisfaction", "满意度指标"


class FourE(models.TextChoices):
    """The four dimensions of a purchased service's evaluation (seed 002 六（二）: 经济性、效率性、有效性和公平性)."""

    ECONOMY = "economy", "经济性"
    EFFICIENCY = "efficiency", "效率性"
    EFFECTIVENESS = "effectiveness", "有效性"
    EQUITY = "equity", "公平性"


class Band(models.TextChoices):
    """The three bands of a qualitative indicator (*practice*, the notes under the 10号 self-evaluation sheet)."""

    ACHIEVED = "achieved", "达成"
    PARTLY = "partly", "部分达成并具有一定效果"
    NOT_ACHIEVED = "not_achieved", "未达成且效果较差"


class Rounding(models.TextChoices):
    """How an indicator's score is rounded to two places (once, at the end of the indicator)."""

    HALF_UP = "ROUND_HALF_UP", "四舍五入"
    HALF_EVEN = "ROUND_HALF_EVEN", "四舍六入五成双"
    DOWN = "ROUND_DOWN", "截尾（舍去）"


class Status(models.TextChoices):
    """What became of one scored item."""

    SCORED = "scored", "已计分"
    NOT_APPLICABLE = "not_applicable", "不适用（不计分，其余按比例折算）"
    MISSING = "missing", "缺少数据（暂计 0 分）"
    INVALID = "invalid", "数据有误（未计分）"

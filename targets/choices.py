"""The vocabularies of the target sheet (seed 003 附件1 项目绩效目标申报表; DOMAIN.md "Targets")."""

from __future__ import annotations

from django.db import models


class Horizon(models.TextChoices):
    ANNUAL = "annual", "年度目标"
    LONG_TERM = "long_term", "长期目标"


class Level1(models.TextChoices):
    OUTPUT = "output", "产出指标"
    COST = "cost", "成本指标"
    EFFECT = "effect", "效益指标"
    SATISFACTION = "satisfaction", "满意度指标"


class Level2(models.TextChoices):
    QUANTITY = "quantity", "数量指标"
    QUALITY = "quality", "质量指标"
    TIMELINESS = "timeliness", "时效指标"
    OUTPUT_COST = "output_cost", "成本指标（产出下，旧版表样）"
    ECONOMIC_COST = "economic_cost", "经济成本指标"
    SOCIAL_COST = "social_cost", "社会成本指标"
    ECO_COST = "eco_cost", "生态环境成本指标"
    ECONOMIC_BENEFIT = "economic_benefit", "经济效益指标"
    SOCIAL_BENEFIT = "social_benefit", "社会效益指标"
    ECO_BENEFIT = "eco_benefit", "生态效益指标"
    SUSTAINABLE = "sustainable", "可持续影响指标"
    SERVICE_SATISFACTION = "service_satisfaction", "服务对象满意度指标"


# Which level-2 indicators belong to which level 1 (seed 003 附件1; the current national template adds 成本 at level 1).
LEVEL2_OF: dict[str, tuple[str, ...]] = {
    Level1.OUTPUT: (Level2.QUANTITY, Level2.QUALITY, Level2.TIMELINESS, Level2.OUTPUT_COST),
    Level1.COST: (Level2.ECONOMIC_COST, Level2.SOCIAL_COST, Level2.ECO_COST),
    Level1.EFFECT: (Level2.ECONOMIC_BENEFIT, Level2.SOCIAL_BENEFIT, Level2.ECO_BENEFIT, Level2.SUSTAINABLE),
    Level1.SATISFACTION: (Level2.SERVICE_SATISFACTION,),
}
COST_LEVEL2 = frozenset({Level2.OUTPUT_COST, Level2.ECONOMIC_COST, Level2.SOCIAL_COST, Level2.ECO_COST})


class Comparator(models.TextChoices):
    GE = "ge", "≥"
    LE = "le", "≤"
    EQ = "eq", "="
    QUALITATIVE = "qualitative", "定性"


QUANTITATIVE = frozenset({Comparator.GE, Comparator.LE, Comparator.EQ})


class Standard(models.TextChoices):
    """seed 003 第三十二条: 计划标准、行业标准、历史标准、其他经财政部门确认的标准."""

    PLAN = "plan", "计划标准"
    INDUSTRY = "industry", "行业标准"
    HISTORY = "history", "历史标准"
    OTHER = "other", "其他标准"


class Severity(models.TextChoices):
    BLOCKING = "blocking", "阻断"
    WARNING = "warning", "提示"

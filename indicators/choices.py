"""Vocabularies of the indicator library (seed 003 附件2 and the target sheet's levels)."""

from __future__ import annotations

from django.db import models


class IndicatorKind(models.TextChoices):
    COMMON = "common", "共性指标"
    SECTOR = "sector", "分行业个性指标"
    QUALITATIVE = "qualitative", "定性指标"


class Level1(models.TextChoices):
    OUTPUT = "产出", "产出指标"
    COST = "成本", "成本指标"
    BENEFIT = "效益", "效益指标"
    SATISFACTION = "满意度", "满意度指标"
    DECISION = "决策", "决策指标"
    PROCESS = "过程", "过程指标"


class Level2(models.TextChoices):
    QUANTITY = "数量", "数量指标"
    QUALITY = "质量", "质量指标"
    TIMELINESS = "时效", "时效指标"
    COST = "成本", "成本指标"
    ECONOMIC_COST = "经济成本", "经济成本指标"
    SOCIAL_COST = "社会成本", "社会成本指标"
    ECO_COST = "生态环境成本", "生态环境成本指标"
    ECONOMIC_BENEFIT = "经济效益", "经济效益指标"
    SOCIAL_BENEFIT = "社会效益", "社会效益指标"
    ECO_BENEFIT = "生态效益", "生态效益指标"
    SUSTAINABLE = "可持续影响", "可持续影响指标"
    SATISFACTION = "服务对象满意度", "服务对象满意度指标"
    GOALS = "目标设定", "目标设定"
    FUNDS = "资金管理", "资金管理"
    ORGANISATION = "组织实施", "组织实施"


class Sector(models.TextChoices):
    """The nine sector families (分行业个性指标) of seed 003 附件2."""

    ECONOMIC = "JS", "经济建设支出指标"
    AGRICULTURE = "NY", "财政支农支出指标"
    EDUCATION = "JY", "财政教育支出指标"
    SCIENCE = "KJ", "财政科技支出指标"
    CULTURE_SPORTS = "WT", "财政文化体育支出指标"
    HEALTH = "WS", "财政卫生支出指标"
    SOCIAL_SECURITY = "SB", "财政社会保障支出指标"
    PROCUREMENT = "CG", "政府采购支出指标"
    GOVERNMENT = "ZF", "政府运转支出指标"


class Direction(models.TextChoices):
    POSITIVE = "positive", "正向（≥）"
    NEGATIVE = "negative", "反向（≤）"
    EXACT = "exact", "等于（=）"
    QUALITATIVE = "qualitative", "定性"


class Source(models.TextChoices):
    HANDBOOK = "seed 003 附件2", "长治市指标手册（附件2）"
    PROPOSAL = "部门提议", "部门提议"

"""Vocabularies of budget execution data (DOMAIN.md: 四本预算, 资金来源)."""

from __future__ import annotations

from django.db import models

from subjects.choices import BudgetKind  # noqa: F401  (one vocabulary for 四本预算 across apps)


class MatchStatus(models.TextChoices):
    """Whether a payment's project code resolved to a subject in the library. Unmatched records are kept in a
    queue for a person to match (issue 5: never dropped)."""

    MATCHED = "matched", "已匹配"
    UNMATCHED = "unmatched", "待匹配"
    MANUAL = "manual", "人工匹配"
    IGNORED = "ignored", "确认不属于绩效管理对象"


class RecordSource(models.TextChoices):
    FILE = "file", "文件导入"
    API = "api", "接口推送"
    DEMO = "demo", "演示数据"

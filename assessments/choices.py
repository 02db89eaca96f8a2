"""The vocabularies of the ex-ante assessment (事前绩效评估)."""

from django.db import models


class AppliesTo(models.TextChoices):
    """Which subjects a template assesses: purchased services (seed 000 第十条) or all others (seed 001 第八条)."""

    PURCHASED_SERVICE = "purchased_service", "政府购买服务"
    GENERAL = "general", "政策和项目（通用）"


class AssessmentKind(models.TextChoices):
    DEPARTMENT = "department", "部门评估"
    THIRD_PARTY = "third_party", "第三方独立评估"


class Conclusion(models.TextChoices):
    SUPPORT = "support", "予以支持"
    IMPROVE = "improve", "完善后予以支持"
    REJECT = "reject", "不予支持"


PASSING_CONCLUSIONS = frozenset({Conclusion.SUPPORT, Conclusion.IMPROVE})

CONCLUSION_BADGE = {
    Conclusion.SUPPORT: "bg-green-lt",
    Conclusion.IMPROVE: "bg-yellow-lt",
    Conclusion.REJECT: "bg-red-lt",
}

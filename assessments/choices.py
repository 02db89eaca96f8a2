"""The vocabularies of the ex-ante assessment (事前绩效评估)."""

from django.db import models


class AppliesTo(models.TextChoices):
    """Which subjects a template assesses: purchased services (seed 000 第十条) or all others (seed 001 第八条)."""

    PURCHASED_SERVICE = "purchased_service", "政府购买服务"
    GENERAL = "general", "政策和项目（通用）"


class AssessmentKind(models.TextChoices):
    """Who carries the assessment out. seed 001 第九条: the department (主管部门); seed 000 第七、九条: the purchasing
    unit (购买主体) of a purchased service; seed 000 第十一条 / seed 001 第十条: finance directly, or a third-party agency
    it commissions."""

    DEPARTMENT = "department", "部门评估"
    PURCHASER = "purchaser", "购买主体评估"
    FINANCE = "finance", "财政直接评估"
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

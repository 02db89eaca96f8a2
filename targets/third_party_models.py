"""第三方评审 of a target sheet: 长治市《预算绩效管理办法》第十四条 — 对……社会关注度高、对经济社会发展有重要影响和关系民生
公益等重大投资项目的绩效目标，财政部门可根据需要实施第三方评审，组织专家学者、中介机构……共同参与，提出评审意见，作为安排
预算资金的重要参考依据; 阿图什市 2023 评价工作方案 三（五）2–3 (an agency checks and completes target sheets).

One row per reviewer: the performance section commissions an agency (an organisation registered as 第三方机构) or
an expert (a person holding 评审专家), who then reaches that sheet, its subject and this row only
(``core.Assignment``), and writes an opinion once. The opinions are a reference for the budget arrangement, not a
step of the sheet's chain: they never approve or return it (targets/actions/third_party.py). Imported by
targets/models.py."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone

from core.links import detail_url


class ReviewerKind(models.TextChoices):
    AGENCY = "agency", "中介机构"
    EXPERT = "expert", "专家学者"


class ReviewConclusion(models.TextChoices):
    AGREE = "agree", "目标合理，建议安排预算"
    IMPROVE = "improve", "修改完善后可安排预算"
    DISAGREE = "disagree", "目标不合理，不建议安排预算"


class TargetThirdPartyReview(models.Model):
    sheet = models.ForeignKey(
        "targets.TargetSheet",
        verbose_name="绩效目标申报表",
        on_delete=models.CASCADE,
        related_name="third_party_reviews",
    )
    reviewer_kind = models.CharField("评审方", max_length=20, choices=ReviewerKind.choices, editable=False)
    agency = models.ForeignKey(
        "organisations.Organisation",
        verbose_name="中介机构",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        editable=False,
    )
    expert = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="评审专家",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        editable=False,
    )
    reason = models.TextField("评审事由", editable=False)
    due_on = models.DateField("评审期限", editable=False)
    commissioned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="委托人", null=True, on_delete=models.SET_NULL, related_name="+"
    )
    commissioned_at = models.DateTimeField("委托时间", default=timezone.now, editable=False)
    conclusion = models.CharField("评审结论", max_length=20, choices=ReviewConclusion.choices, blank=True)
    opinion = models.TextField("评审意见", blank=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="提交人",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        editable=False,
    )
    submitted_at = models.DateTimeField("提交时间", null=True, blank=True, editable=False)

    access_org_field = "sheet__subject__organisation"
    audit_fields = ["reviewer_kind", "agency", "expert", "reason", "due_on", "conclusion", "opinion", "submitted_at"]

    class Meta:
        verbose_name = "绩效目标第三方评审"
        verbose_name_plural = "绩效目标第三方评审"
        ordering = ["commissioned_at", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=(models.Q(reviewer_kind="agency", agency__isnull=False, expert__isnull=True))
                | (models.Q(reviewer_kind="expert", expert__isnull=False, agency__isnull=True)),
                name="target_review_one_reviewer",
                violation_error_message="一条评审只能委托一家中介机构或指派一位专家",
            ),
            # one open or finished review per sheet and reviewer (two clicks of 委托 create one)
            models.UniqueConstraint(
                fields=["sheet", "agency"],
                condition=models.Q(agency__isnull=False),
                name="target_review_agency_once",
                violation_error_message="该中介机构已受托评审这份绩效目标，不能重复委托",
            ),
            models.UniqueConstraint(
                fields=["sheet", "expert"],
                condition=models.Q(expert__isnull=False),
                name="target_review_expert_once",
                violation_error_message="该专家已受指派评审这份绩效目标，不能重复指派",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.sheet.subject.name}绩效目标第三方评审（{self.reviewer_name}）"

    def get_absolute_url(self):
        return detail_url("targets:detail", self.sheet_id) + f"#third-party-review-{self.pk}"

    @property
    def reviewer_name(self) -> str:
        if self.reviewer_kind == ReviewerKind.AGENCY and self.agency_id:
            return self.agency.name
        if self.expert_id:
            office = self.expert.organisation.name if self.expert.organisation_id else ""
            return f"{self.expert.name}（{office}）" if office else self.expert.name
        return "—"

    @property
    def is_submitted(self) -> bool:
        return self.submitted_at is not None

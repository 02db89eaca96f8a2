"""The review chain (审核流程), defined once for every document type (issue §9).

A chain is data: per document type (a model label such as "reports.workreport") and optionally per
region, an ordered list of steps, each naming the role that acts there. Step 0 is the preparer who
fills the document in and submits it; the last step's approval completes the chain.

A document joins the engine by inheriting ``Reviewable``, which denormalises where it stands
(status, current step and role, the step's deadline) and carries the version used for optimistic
locking. State changes go only through ``workflow.actions``; ``ReviewLog`` keeps the history.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.contenttypes.fields import GenericRelation
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone

from accounts.roles import Role
from core import clock
from core.versioning import Versioning


class ReviewStatus(models.TextChoices):
    DRAFT = "draft", "草稿"
    IN_REVIEW = "in_review", "审核中"
    RETURNED = "returned", "已退回"
    APPROVED = "approved", "审核通过"


class ReviewAction(models.TextChoices):
    SUBMIT = "submit", "提交"
    APPROVE = "approve", "审核通过"
    RETURN = "return", "退回"


# Statuses in which the preparer (step 0) may still change the document.
EDITABLE_STATUSES = frozenset({ReviewStatus.DRAFT, ReviewStatus.RETURNED})


class ChainDefinition(models.Model):
    """One version of the chain of one document type, for all regions (region empty) or one region.

    A document's organisation's region and its ancestors are searched first, the default last
    (``workflow.chains.resolve_chain``). Changing a chain saves a new version; documents already
    under review keep the version they were submitted into.
    """

    document_type = models.CharField(
        "单据类型", max_length=100, db_index=True, help_text="模型标识，如 reports.workreport"
    )
    region = models.ForeignKey(
        "organisations.Region",
        verbose_name="适用区划",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="review_chains",
        help_text="留空为默认流程，适用于未单独配置的所有区划",
    )
    name = models.CharField("流程名称", max_length=100)
    version = models.PositiveIntegerField("版本", default=1)
    is_active = models.BooleanField("启用", default=True)
    created_at = models.DateTimeField("创建时间", default=timezone.now)

    # One line of versions per document type and region; in force once saved (core/versioning.py).
    versioning = Versioning(effective=None, active="is_active", keys=("document_type",))

    audit_fields = ["document_type", "region", "name", "version", "is_active"]

    class Meta:
        verbose_name = "审核流程"
        verbose_name_plural = "审核流程"
        ordering = ["document_type", "region__code", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["document_type", "region", "version"], name="chain_version_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.name}（{self.region.name if self.region_id else '默认'}，第 {self.version} 版）"

    @property
    def document_label(self) -> str:
        from workflow.chains import document_type_label

        return document_type_label(self.document_type)

    def ordered_steps(self) -> list[ChainStep]:
        cached = getattr(self, "_steps_cache", None)
        if cached is None:
            cached = self._steps_cache = sorted(self.steps.all(), key=lambda s: s.order)
        return cached

    def step(self, order: int) -> ChainStep | None:
        return next((s for s in self.ordered_steps() if s.order == order), None)

    @property
    def last_order(self) -> int:
        steps = self.ordered_steps()
        return steps[-1].order if steps else 0

    def clean(self) -> None:
        from workflow.chains import document_type_choices

        if self.document_type and self.document_type not in dict(document_type_choices()):
            raise ValidationError({"document_type": "该单据类型未接入审核流程"})


class ChainStep(models.Model):
    """One step: who acts (a role, within that role's reach over the document) and how long they have."""

    chain = models.ForeignKey(ChainDefinition, verbose_name="审核流程", on_delete=models.CASCADE, related_name="steps")
    order = models.PositiveSmallIntegerField("环节序号", help_text="0 为填报环节")
    name = models.CharField("环节名称", max_length=60)
    role = models.CharField("办理角色", max_length=30, choices=Role.choices)
    deadline_days = models.PositiveSmallIntegerField(
        "办理时限（天）", null=True, blank=True, help_text="自文档到达本环节起计算的自然日；留空不设时限"
    )

    audit_fields = ["order", "name", "role", "deadline_days"]

    class Meta:
        verbose_name = "审核环节"
        verbose_name_plural = "审核环节"
        ordering = ["chain", "order"]
        constraints = [models.UniqueConstraint(fields=["chain", "order"], name="chain_step_order_unique")]

    def __str__(self) -> str:
        return f"{self.order}. {self.name}（{self.get_role_display()}）"


class ReviewLog(models.Model):
    """The history: who did what at which step, with which opinion. Written only by workflow.actions."""

    content_type = models.ForeignKey(ContentType, on_delete=models.CASCADE, related_name="+")
    object_id = models.PositiveBigIntegerField()
    chain = models.ForeignKey(
        ChainDefinition, verbose_name="审核流程", null=True, on_delete=models.PROTECT, related_name="+"
    )
    step = models.PositiveSmallIntegerField("环节序号")
    step_name = models.CharField("环节", max_length=60)
    action = models.CharField("操作", max_length=20, choices=ReviewAction.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="办理人", null=True, on_delete=models.SET_NULL, related_name="+"
    )
    actor_name = models.CharField("办理人", max_length=120)
    opinion = models.TextField("意见", blank=True)
    from_step = models.PositiveSmallIntegerField("原环节")
    to_step = models.PositiveSmallIntegerField("新环节")
    to_step_name = models.CharField("新环节名称", max_length=60, blank=True)
    created_at = models.DateTimeField("时间", default=timezone.now)

    class Meta:
        verbose_name = "审核记录"
        verbose_name_plural = "审核记录"
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["content_type", "object_id"])]

    def __str__(self) -> str:
        return f"{self.actor_name} {self.get_action_display()} {self.step_name}"

    @property
    def signed(self) -> str:
        """Who acted, as a review opinion is signed on paper: the person's name and office, never the login name
        (issue 12 §2). Read with ``select_related("actor__organisation")``; a deleted account keeps the name
        written at the time."""
        actor = self.actor if self.actor_id else None
        if actor is None:
            return self.actor_name
        office = actor.organisation.name if actor.organisation_id else ""
        return f"{actor.name or self.actor_name}（{office}）" if office else (actor.name or self.actor_name)


class Reviewable(models.Model):
    """Inherit this to put a document through the chain.

    The subclass declares ``access_org_field`` (the gate's organisation path), and may declare
    ``todo_stage`` (a key of core.navigation.STAGES, for the 待办 count) and ``todo_kind``.
    The fields below are not editable in forms: only ``workflow.actions`` changes them.
    """

    status = models.CharField(
        "状态", max_length=20, choices=ReviewStatus.choices, default=ReviewStatus.DRAFT, editable=False, db_index=True
    )
    chain = models.ForeignKey(
        ChainDefinition,
        verbose_name="审核流程",
        null=True,
        blank=True,
        editable=False,
        on_delete=models.PROTECT,
        related_name="+",
    )
    current_step = models.PositiveSmallIntegerField("当前环节", default=0, editable=False)
    current_role = models.CharField(
        "当前办理角色",
        max_length=30,
        choices=Role.choices,
        blank=True,
        default=Role.UNIT_PREPARER,
        editable=False,
        db_index=True,
    )
    step_due_at = models.DateTimeField("办理期限", null=True, blank=True, editable=False)
    version = models.PositiveIntegerField("版本", default=1, editable=False)

    reviews = GenericRelation(ReviewLog)

    todo_stage = "evaluation"
    todo_kind = "审核"

    class Meta:
        abstract = True

    @property
    def is_editable(self) -> bool:
        return self.status in EDITABLE_STATUSES

    @property
    def chain_document_type(self) -> str:
        """The key its chain is looked up by: the model label, or one of the model's ``chain_variants``."""
        return self._meta.label_lower

    @property
    def overdue(self) -> bool:
        return bool(self.step_due_at and self.status != ReviewStatus.APPROVED and self.step_due_at < clock.now())

    def late_against(self, due_date) -> bool:
        """Not submitted by ``due_date`` (逾期未报: still with the preparer after it), or first submitted after it
        (逾期报送, by the document's ``submitted_at``). One rule for every document a round makes due."""
        submitted_at = getattr(self, "submitted_at", None)
        if submitted_at is not None:
            return timezone.localdate(submitted_at) > due_date
        return self.status in EDITABLE_STATUSES and clock.today() > due_date

    @property
    def current_step_name(self) -> str:
        if self.status == ReviewStatus.APPROVED:
            return "已办结"
        step = self.chain.step(self.current_step) if self.chain_id else None
        return step.name if step else "填报"

    def save(self, *args, **kwargs):
        if self._state.adding and self.chain_id is None:
            # A new document starts at step 0 of the chain that applies to it now; the chain is
            # looked up again at the first submission, so a draft always follows the newest version.
            from workflow.chains import resolve_chain, start

            start(self, resolve_chain(self))
        super().save(*args, **kwargs)

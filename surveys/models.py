"""满意度调查 (satisfaction surveys): a questionnaire designed by an office, published by a link and a QR code, answered
by the public on a phone without an account (seed 003 第三十四条 公众评判法; seed 000 第二十三条 满意度).

* ``Survey`` belongs to an organisation (the gate's path) and to the record it serves (a key evaluation now, a
  self-evaluation's satisfaction indicator later) through ``content_type``/``object_id``. Published, it answers at
  ``/s/<token>/`` and nowhere else.
* ``Question`` — single choice, multiple choice, rating scale or free text; a rating or a choice question may count
  toward the satisfaction rate (``satisfied_from``: a rating at or above it, or the options listed as satisfied).
* ``Response`` — one submission, keyed by a device cookie's hash and an address hash (never the address itself):
  one response per device per survey (a unique constraint), and the address is rate-limited.
* ``Answer`` — one question's answer in a response.
"""

from __future__ import annotations

import secrets

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone


def new_token() -> str:
    return secrets.token_urlsafe(12)


class SurveyStatus(models.TextChoices):
    DRAFT = "draft", "设计中"
    PUBLISHED = "published", "收集中"
    CLOSED = "closed", "已结束"


class Survey(models.Model):
    owner = models.ForeignKey(
        "organisations.Organisation",
        verbose_name="调查单位",
        on_delete=models.PROTECT,
        related_name="surveys",
        help_text="设计和发布问卷的单位（评价的组织方）；受托机构经指派访问",
    )
    title = models.CharField("问卷标题", max_length=200)
    intro = models.TextField("卷首语", blank=True)
    population = models.PositiveIntegerField(
        "调查总体人数", null=True, blank=True, help_text="已知服务对象总数时填写，用于有限总体校正误差范围"
    )
    token = models.CharField("公开链接标识", max_length=40, unique=True, default=new_token, editable=False)
    status = models.CharField("状态", max_length=20, choices=SurveyStatus.choices, default=SurveyStatus.DRAFT)
    opens_at = models.DateTimeField("开始时间", null=True, blank=True)
    closes_at = models.DateTimeField("截止时间", null=True, blank=True)
    content_type = models.ForeignKey(
        "contenttypes.ContentType", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    object_id = models.PositiveBigIntegerField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="设计人", null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField("创建时间", default=timezone.now)

    access_org_field = "owner"
    audit_fields = ["title", "intro", "population", "status", "opens_at", "closes_at"]

    class Meta:
        verbose_name = "满意度调查问卷"
        verbose_name_plural = "满意度调查问卷"
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["content_type", "object_id"], name="survey_for_record")]

    def __str__(self) -> str:
        return self.title


class QuestionKind(models.TextChoices):
    SINGLE = "single", "单选"
    MULTIPLE = "multiple", "多选"
    RATING = "rating", "评分"
    TEXT = "text", "文字"


class Question(models.Model):
    survey = models.ForeignKey(Survey, verbose_name="问卷", on_delete=models.CASCADE, related_name="questions")
    order = models.PositiveSmallIntegerField("序号")
    kind = models.CharField("题型", max_length=10, choices=QuestionKind.choices)
    text = models.CharField("题目", max_length=300)
    required = models.BooleanField("必答", default=True)
    options = models.JSONField("选项", default=list, blank=True, help_text="单选、多选题的选项，一行一项")
    scale = models.PositiveSmallIntegerField(
        "评分档数", default=5, validators=[MinValueValidator(2), MaxValueValidator(10)]
    )
    counts_toward_satisfaction = models.BooleanField("计入满意度", default=False)
    satisfied_from = models.PositiveSmallIntegerField(
        "满意起点", null=True, blank=True, help_text="评分题：不低于此分视为满意（如 5 档中的 4）"
    )
    satisfied_options = models.JSONField(
        "视为满意的选项", default=list, blank=True, help_text="单选题：选中这些选项视为满意（如 非常满意、满意）"
    )

    access_org_field = "survey__owner"
    audit_fields = ["order", "kind", "text", "required", "options", "scale", "counts_toward_satisfaction"]

    class Meta:
        verbose_name = "问卷题目"
        verbose_name_plural = "问卷题目"
        ordering = ["survey", "order", "id"]
        constraints = [models.UniqueConstraint(fields=["survey", "order"], name="question_order_unique")]

    def __str__(self) -> str:
        return f"{self.order}. {self.text}"


class Response(models.Model):
    survey = models.ForeignKey(Survey, verbose_name="问卷", on_delete=models.CASCADE, related_name="responses")
    device = models.CharField("设备标识摘要", max_length=64)
    address = models.CharField("来源地址摘要", max_length=64, db_index=True)
    submitted_at = models.DateTimeField("提交时间", default=timezone.now)

    access_org_field = "survey__owner"

    class Meta:
        verbose_name = "问卷答卷"
        verbose_name_plural = "问卷答卷"
        ordering = ["survey", "submitted_at", "id"]
        constraints = [models.UniqueConstraint(fields=["survey", "device"], name="one_response_per_device")]

    def __str__(self) -> str:
        return f"答卷 {self.pk}"


class Answer(models.Model):
    response = models.ForeignKey(Response, verbose_name="答卷", on_delete=models.CASCADE, related_name="answers")
    question = models.ForeignKey(Question, verbose_name="题目", on_delete=models.CASCADE, related_name="answers")
    choices = models.JSONField("选择", default=list, blank=True)
    rating = models.PositiveSmallIntegerField("评分", null=True, blank=True)
    text = models.TextField("文字回答", blank=True)

    access_org_field = "response__survey__owner"

    class Meta:
        verbose_name = "答题"
        verbose_name_plural = "答题"
        constraints = [models.UniqueConstraint(fields=["response", "question"], name="answer_once")]

    def __str__(self) -> str:
        return f"{self.question.text}"

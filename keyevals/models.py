"""重点评价 (key evaluations, seed 003 第三十三–四十一条, 附件5, 附件6; seed 000 第二十三、二十五、二十六条; seed 001
第二十二、二十三条; seed 004).

A ``KeyEvaluation`` is the parent record with a lifecycle (keyevals/lifecycle.py: 准备 → 实施 → 评分 → 报告 → 完成 →
归档). It owns review-chain documents — the ``WorkPlan`` (with its ``PlanIndicator`` rows, from a versioned
``IndicatorFramework``) and the ``EvaluationReport`` — and the records of the work: the working group, the fee
budget, the evaluation notice, document requests, site visits, expert consultation notes, the scorers' sheets, the
problems found, the feedback letter, report filings and the archive.

Reach (core/access.py): the evaluation belongs to its organising office (``organiser``: a performance section or a
department); finance desks read the evaluations of departments they are 归口 for (routed, read-only); agencies and
experts reach what is assigned to them (``core.models.Assignment`` on the evaluation; children follow through
``access_assigned_via``). The evaluated unit reaches only what is addressed to it: the notice, the document requests
and the feedback letter (their ``access_org_field`` is the evaluated organisation).
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.utils import timezone

from accounts.roles import Scope
from core import clock
from core.attachments import Attachment
from core.files import validate_upload_size
from core.versioning import VersionedRule, Versioning
from workflow.models import Reviewable

MONEY = {"max_digits": 14, "decimal_places": 2}
POINTS = {"max_digits": 6, "decimal_places": 2, "validators": [MinValueValidator(Decimal("0"))]}


class FrameworkCode(models.TextChoices):
    NATIONAL = "national", "通用框架（决策、过程、产出、效益）"
    BUSINESS_FINANCE = "business_finance", "业务、财务指标框架（附件5-1）"
    COMPOSITE = "composite", "综合评价方案（附件2）"


class IndicatorFramework(VersionedRule):
    """The indicator framework a work plan's indicators are set in: its level-1 groups, the rules on their share of
    the weight, the total and the grade lines. Versioned per region like every rule (core/versioning.py)."""

    code = models.CharField("框架", max_length=30, choices=FrameworkCode.choices)
    name = models.CharField("名称", max_length=100)
    total_points = models.DecimalField("总分", default=Decimal("100"), **POINTS)
    groups = models.JSONField(
        "一级指标", default=list, help_text='[{"name": "决策", "suggested": "20"}, …]；评价方案的指标必须归入其中之一'
    )
    share_rules = models.JSONField(
        "权重规则",
        default=list,
        blank=True,
        help_text='[{"label": "产出和效益", "groups": ["产出", "效益"], "min": "60"}]：所列一级指标权重合计不低于 min（%）',
    )
    grade_lines = models.JSONField("等级分数线", default=list, help_text='[{"label": "优", "min": "90"}, …]')

    versioning = Versioning(keys=("code",))

    class Meta:
        verbose_name = "评价指标框架"
        verbose_name_plural = "评价指标框架"
        ordering = ["code", "region__code", "-version"]

    def __str__(self) -> str:
        return f"{self.name}（第 {self.version} 版）"


class EvaluationStage(models.TextChoices):
    """事前 / 事中 / 事后 (seed 003 第三十三条)."""

    EX_ANTE = "ex_ante", "事前评价"
    IN_PROGRESS = "in_progress", "事中评价"
    EX_POST = "ex_post", "事后评价"


class ObjectKind(models.TextChoices):
    PROJECT = "project", "项目支出"
    POLICY = "policy", "政策"
    DEPARTMENT = "department", "部门整体支出"
    TRANSFER = "transfer", "转移支付"
    MANAGEMENT = "management", "财政支出管理"


class Method(models.TextChoices):
    """seed 003 第三十四条."""

    COST_BENEFIT = "cost_benefit", "成本效益分析法"
    COMPARISON = "comparison", "比较法"
    FACTOR = "factor", "因素分析法"
    LEAST_COST = "least_cost", "最低成本法"
    PUBLIC = "public", "公众评判法"
    BENCHMARK = "benchmark", "标杆管理法"
    OTHER = "other", "其他方法"


class KeyStatus(models.TextChoices):
    PREPARING = "preparing", "评价准备"
    FIELDWORK = "fieldwork", "评价实施"
    SCORING = "scoring", "评分"
    REPORTING = "reporting", "报告"
    CONCLUDED = "concluded", "已完成"
    ARCHIVED = "archived", "已归档"


class KeyEvaluation(models.Model):
    title = models.CharField("评价名称", max_length=200)
    year = models.PositiveSmallIntegerField("评价年度", help_text="被评价资金的预算年度")
    organiser = models.ForeignKey(
        "organisations.Organisation",
        verbose_name="组织单位",
        on_delete=models.PROTECT,
        related_name="organised_key_evaluations",
        help_text="预算绩效管理科或主管部门",
    )
    evaluated = models.ForeignKey(
        "organisations.Organisation",
        verbose_name="被评价单位",
        on_delete=models.PROTECT,
        related_name="key_evaluations",
    )
    stage = models.CharField(
        "评价阶段", max_length=20, choices=EvaluationStage.choices, default=EvaluationStage.EX_POST
    )
    object_kind = models.CharField("评价对象类型", max_length=20, choices=ObjectKind.choices)
    subjects = models.ManyToManyField(
        "subjects.Subject", verbose_name="评价对象", blank=True, related_name="key_evaluations"
    )
    object_amount = models.DecimalField("涉及资金（元）", default=Decimal("0"), **MONEY)
    methods = models.JSONField("评价方法", default=list, blank=True)
    major = models.BooleanField("重大项目（政策）", default=False, help_text="重大项目的评价报告经审核后报送人民政府")
    agency = models.ForeignKey(
        "organisations.Organisation",
        verbose_name="受托第三方机构",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="commissioned_key_evaluations",
        limit_choices_to={"kind": "agency"},
    )
    contract = models.ForeignKey(
        "agencies.AgencyContract",
        verbose_name="委托合同",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="key_evaluations",
    )
    fee_budget = models.DecimalField("评价经费预算（元）", default=Decimal("0"), **MONEY)
    fee_approved = models.DecimalField("审核经费（元）", null=True, blank=True, **MONEY)
    starts_on = models.DateField("开始日期", default=clock.today)
    scoring_due = models.DateField("评分截止日期", null=True, blank=True)
    report_due = models.DateField("报告完成日期", null=True, blank=True)
    status = models.CharField("状态", max_length=20, choices=KeyStatus.choices, default=KeyStatus.PREPARING)
    total_score = models.DecimalField("评价得分", null=True, blank=True, max_digits=6, decimal_places=2)
    grade = models.CharField("评价等级", max_length=10, blank=True)
    version = models.PositiveIntegerField("版本", default=1, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="创建人", null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField("创建时间", default=timezone.now)

    access_org_field = "organiser"
    # A finance desk reads the key evaluations of the departments it is 归口 for (docs/decisions/0041).
    access_scope_routes = {Scope.DESK_DEPARTMENTS: (Scope.DESK_DEPARTMENTS, "evaluated")}
    audit_fields = [
        "title",
        "year",
        "evaluated",
        "stage",
        "object_kind",
        "object_amount",
        "methods",
        "major",
        "agency",
        "contract",
        "fee_budget",
        "fee_approved",
        "starts_on",
        "scoring_due",
        "report_due",
    ]

    class Meta:
        verbose_name = "重点评价"
        verbose_name_plural = "重点评价"
        ordering = ["-year", "-created_at", "-id"]
        indexes = [models.Index(fields=["organiser", "-year", "-created_at"], name="keyeval_list")]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return f"/keyevals/{self.pk}/"


class EvaluationChild(models.Model):
    """A record of one key evaluation that its organiser and its assignees reach."""

    access_org_field = "evaluation__organiser"
    access_assigned_via = "evaluation"
    access_scope_routes = {Scope.DESK_DEPARTMENTS: (Scope.DESK_DEPARTMENTS, "evaluation__evaluated")}

    class Meta:
        abstract = True


class MemberRole(models.TextChoices):
    LEADER = "leader", "组长"
    MEMBER = "member", "成员"
    EXPERT = "expert", "专家"
    AGENCY = "agency", "第三方机构人员"
    LIAISON = "liaison", "联络员"


class WorkingGroupMember(EvaluationChild):
    evaluation = models.ForeignKey(
        KeyEvaluation, verbose_name="重点评价", on_delete=models.CASCADE, related_name="members"
    )
    name = models.CharField("姓名", max_length=60)
    role = models.CharField("职责", max_length=20, choices=MemberRole.choices, default=MemberRole.MEMBER)
    organisation_name = models.CharField("单位", max_length=200, blank=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="系统账号",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="key_evaluation_memberships",
    )
    expert = models.ForeignKey(
        "agencies.Expert", verbose_name="专家", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    scores = models.BooleanField("参与评分", default=True)

    audit_fields = ["name", "role", "organisation_name", "user", "expert", "scores"]

    class Meta:
        verbose_name = "评价工作组成员"
        verbose_name_plural = "评价工作组成员"
        ordering = ["evaluation", "role", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["evaluation", "user"], condition=models.Q(user__isnull=False), name="member_user_once"
            )
        ]

    def __str__(self) -> str:
        return self.name


class FeeBudgetLine(EvaluationChild):
    """评价经费预算及审核表: one line of the fee budget and what finance approved of it."""

    evaluation = models.ForeignKey(
        KeyEvaluation, verbose_name="重点评价", on_delete=models.CASCADE, related_name="fee_lines"
    )
    item = models.CharField("费用项目", max_length=100, help_text="如 专家咨询费、差旅费、问卷调查费、委托费")
    basis = models.CharField("测算依据", max_length=300, blank=True)
    amount = models.DecimalField("申报金额（元）", validators=[MinValueValidator(Decimal("0"))], **MONEY)
    approved = models.DecimalField("审核金额（元）", null=True, blank=True, **MONEY)

    audit_fields = ["item", "basis", "amount", "approved"]

    class Meta:
        verbose_name = "评价经费预算"
        verbose_name_plural = "评价经费预算"
        ordering = ["evaluation", "id"]

    def __str__(self) -> str:
        return self.item


class ChainByOrganiser:
    """The plan and the report follow one of four chains: drafted by the working group of a finance office or of a
    department, or by the commissioned agency (seed 003 第三十七条: finance or the department organises; seed 004: the
    agency drafts and the commissioning office approves)."""

    chain_base = ""

    @property
    def chain_document_type(self) -> str:
        evaluation = self.evaluation
        from organisations.choices import OrgKind

        department = evaluation.organiser.kind in (OrgKind.DEPARTMENT, OrgKind.UNIT)
        suffix = ("department" if department else "") + ("_agency" if evaluation.agency_id else "")
        return f"{self.chain_base}.{suffix.lstrip('_')}" if suffix else self.chain_base


def chain_variants(base: str, noun: str) -> dict:
    return {
        f"{base}.agency": f"{noun}（财政组织，第三方机构编制）",
        f"{base}.department": f"{noun}（主管部门组织）",
        f"{base}.department_agency": f"{noun}（主管部门组织，第三方机构编制）",
    }


class WorkPlan(ChainByOrganiser, EvaluationChild, Reviewable):
    """评价工作方案 (seed 003 第三十八条): basis, content, methods, schedule and the indicator system; approved by the
    organising office through its review chain."""

    evaluation = models.ForeignKey(
        KeyEvaluation, verbose_name="重点评价", on_delete=models.CASCADE, related_name="plans"
    )
    framework = models.ForeignKey(
        IndicatorFramework, verbose_name="指标框架", on_delete=models.PROTECT, related_name="+"
    )
    purpose = models.TextField("评价目的", blank=True)
    basis = models.TextField("评价依据", blank=True)
    content = models.TextField("评价内容", blank=True)
    methods_note = models.TextField("评价方法说明", blank=True)
    schedule = models.TextField("进度安排", blank=True)
    sampling = models.TextField("抽样及调查方案", blank=True)
    submitted_at = models.DateTimeField("提交时间", null=True, blank=True, editable=False)
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    audit_fields = ["framework", "purpose", "basis", "content", "methods_note", "schedule", "sampling"]
    todo_kind = "审核评价工作方案"
    chain_base = "keyevals.workplan"
    chain_variants = chain_variants("keyevals.workplan", "重点评价工作方案")

    class Meta:
        verbose_name = "评价工作方案"
        verbose_name_plural = "评价工作方案"
        constraints = [models.UniqueConstraint(fields=["evaluation"], name="one_plan_per_evaluation")]

    def __str__(self) -> str:
        return f"{self.evaluation.title} 工作方案"


class PlanIndicator(EvaluationChild):
    plan = models.ForeignKey(WorkPlan, verbose_name="工作方案", on_delete=models.CASCADE, related_name="indicators")
    evaluation = models.ForeignKey(
        KeyEvaluation, verbose_name="重点评价", on_delete=models.CASCADE, related_name="indicators"
    )
    order = models.PositiveSmallIntegerField("序号")
    group = models.CharField("一级指标", max_length=40)
    level2 = models.CharField("二级指标", max_length=60, blank=True)
    name = models.CharField("三级指标", max_length=200)
    weight = models.DecimalField("分值", **POINTS)
    explanation = models.TextField("指标解释", blank=True)
    standard = models.TextField("评分标准")

    audit_fields = ["order", "group", "level2", "name", "weight", "explanation", "standard"]

    class Meta:
        verbose_name = "评价指标"
        verbose_name_plural = "评价指标"
        ordering = ["plan", "order", "id"]
        constraints = [models.UniqueConstraint(fields=["plan", "order"], name="plan_indicator_order")]

    def __str__(self) -> str:
        return self.name


class Notice(models.Model):
    """评价通知书 (seed 003 第三十八条): sent to the evaluated unit once the plan is approved; in its 待办 until read."""

    evaluation = models.ForeignKey(
        KeyEvaluation, verbose_name="重点评价", on_delete=models.CASCADE, related_name="notices"
    )
    number = models.CharField("文号", max_length=60, blank=True)
    purpose = models.TextField("评价目的")
    content = models.TextField("评价内容")
    basis = models.TextField("评价依据")
    evaluators = models.TextField("评价人员")
    timing = models.TextField("评价时间")
    requirements = models.TextField("需配合事项及资料要求")
    sent_at = models.DateTimeField("发出时间", default=timezone.now)
    sent_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="发出人", null=True, on_delete=models.SET_NULL, related_name="+"
    )
    read_at = models.DateTimeField("签收时间", null=True, blank=True)
    read_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="签收人",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    access_org_field = "evaluation__evaluated"
    access_assigned_via = "evaluation"
    audit_fields = ["number", "purpose", "content", "basis", "evaluators", "timing", "requirements", "read_at"]

    class Meta:
        verbose_name = "评价通知书"
        verbose_name_plural = "评价通知书"
        ordering = ["-sent_at", "-id"]

    def __str__(self) -> str:
        return f"{self.evaluation.title} 评价通知书"


class RequestStatus(models.TextChoices):
    OPEN = "open", "待提供"
    ANSWERED = "answered", "已提供"
    ACCEPTED = "accepted", "已确认"


class DocumentRequest(models.Model):
    """A request for material sent to the evaluated unit, answered by upload before ``due_on``."""

    evaluation = models.ForeignKey(
        KeyEvaluation, verbose_name="重点评价", on_delete=models.CASCADE, related_name="document_requests"
    )
    title = models.CharField("资料名称", max_length=200)
    detail = models.TextField("具体要求", blank=True)
    due_on = models.DateField("提供期限")
    status = models.CharField("状态", max_length=20, choices=RequestStatus.choices, default=RequestStatus.OPEN)
    answer = models.TextField("单位说明", blank=True)
    answered_at = models.DateTimeField("提供时间", null=True, blank=True)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="提供人",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="提出人", null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField("提出时间", default=timezone.now)

    access_org_field = "evaluation__evaluated"
    access_assigned_via = "evaluation"
    audit_fields = ["title", "detail", "due_on", "status", "answer"]

    class Meta:
        verbose_name = "资料需求"
        verbose_name_plural = "资料需求"
        ordering = ["evaluation", "due_on", "id"]

    def __str__(self) -> str:
        return self.title


class RequestFile(Attachment):
    request = models.ForeignKey(
        DocumentRequest, verbose_name="资料需求", on_delete=models.CASCADE, related_name="files"
    )
    file = models.FileField("文件", upload_to="keyevals/requests/%Y/", validators=[validate_upload_size])

    access_org_field = "request__evaluation__evaluated"

    class Meta:
        verbose_name = "提供的资料"
        verbose_name_plural = "提供的资料"
        ordering = ["request", "uploaded_at", "id"]


class SiteVisit(EvaluationChild):
    evaluation = models.ForeignKey(
        KeyEvaluation, verbose_name="重点评价", on_delete=models.CASCADE, related_name="site_visits"
    )
    visited_on = models.DateField("勘查日期")
    place = models.CharField("地点", max_length=200)
    people = models.CharField("参加人员", max_length=300)
    findings = models.TextField("勘查发现")
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="记录人", null=True, on_delete=models.SET_NULL, related_name="+"
    )
    recorded_at = models.DateTimeField("记录时间", default=timezone.now)

    audit_fields = ["visited_on", "place", "people", "findings"]

    class Meta:
        verbose_name = "现场勘查记录"
        verbose_name_plural = "现场勘查记录"
        ordering = ["evaluation", "visited_on", "id"]

    def __str__(self) -> str:
        return f"{self.visited_on:%Y-%m-%d} {self.place}"


class SitePhoto(Attachment):
    visit = models.ForeignKey(SiteVisit, verbose_name="现场勘查", on_delete=models.CASCADE, related_name="photos")
    file = models.FileField("照片", upload_to="keyevals/visits/%Y/", validators=[validate_upload_size])

    access_org_field = "visit__evaluation__organiser"

    class Meta:
        verbose_name = "现场照片"
        verbose_name_plural = "现场照片"


class ConsultationNote(EvaluationChild):
    evaluation = models.ForeignKey(
        KeyEvaluation, verbose_name="重点评价", on_delete=models.CASCADE, related_name="consultations"
    )
    held_on = models.DateField("日期")
    experts = models.CharField("参加专家", max_length=300)
    topic = models.CharField("议题", max_length=200)
    opinion = models.TextField("专家意见")
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="记录人", null=True, on_delete=models.SET_NULL, related_name="+"
    )

    audit_fields = ["held_on", "experts", "topic", "opinion"]

    class Meta:
        verbose_name = "专家咨询记录"
        verbose_name_plural = "专家咨询记录"
        ordering = ["evaluation", "held_on", "id"]

    def __str__(self) -> str:
        return f"{self.held_on:%Y-%m-%d} {self.topic}"


class SheetStatus(models.TextChoices):
    DRAFT = "draft", "评分中"
    SUBMITTED = "submitted", "已提交"


class ScoreSheet(EvaluationChild):
    """One scorer's sheet: a score and a comment per indicator. Others' sheets stay hidden until this one is
    submitted; a submitted sheet is final (and immutable in the database)."""

    evaluation = models.ForeignKey(
        KeyEvaluation, verbose_name="重点评价", on_delete=models.CASCADE, related_name="score_sheets"
    )
    member = models.ForeignKey(
        WorkingGroupMember, verbose_name="评分人", on_delete=models.PROTECT, related_name="score_sheets"
    )
    scorer = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="评分账号", on_delete=models.PROTECT, related_name="key_score_sheets"
    )
    status = models.CharField("状态", max_length=20, choices=SheetStatus.choices, default=SheetStatus.DRAFT)
    submitted_at = models.DateTimeField("提交时间", null=True, blank=True)
    version = models.PositiveIntegerField("版本", default=1, editable=False)

    class Meta:
        verbose_name = "评分表"
        verbose_name_plural = "评分表"
        ordering = ["evaluation", "member", "id"]
        constraints = [models.UniqueConstraint(fields=["evaluation", "scorer"], name="one_sheet_per_scorer")]

    def __str__(self) -> str:
        return f"{self.member.name} 的评分表"


class Score(EvaluationChild):
    sheet = models.ForeignKey(ScoreSheet, verbose_name="评分表", on_delete=models.CASCADE, related_name="scores")
    evaluation = models.ForeignKey(KeyEvaluation, verbose_name="重点评价", on_delete=models.CASCADE, related_name="+")
    indicator = models.ForeignKey(PlanIndicator, verbose_name="指标", on_delete=models.PROTECT, related_name="scores")
    points = models.DecimalField("得分", null=True, blank=True, **POINTS)
    comment = models.TextField("评分说明", blank=True)

    class Meta:
        verbose_name = "指标评分"
        verbose_name_plural = "指标评分"
        ordering = ["sheet", "indicator__order"]
        constraints = [models.UniqueConstraint(fields=["sheet", "indicator"], name="one_score_per_indicator")]

    def __str__(self) -> str:
        return f"{self.indicator.name}：{self.points}"


class EvaluationReport(ChainByOrganiser, EvaluationChild, Reviewable):
    """评价报告 (seed 003 附件5): the sections the Word draft is generated from, reviewed by the organising office."""

    evaluation = models.ForeignKey(
        KeyEvaluation, verbose_name="重点评价", on_delete=models.CASCADE, related_name="reports"
    )
    summary = models.TextField("摘要", blank=True)
    basic_facts = models.TextField("基本情况", blank=True)
    work_done = models.TextField("评价工作开展情况", blank=True)
    analysis = models.TextField("绩效分析", blank=True)
    conclusion = models.TextField("评价结论", blank=True)
    suggestions = models.TextField("意见建议", blank=True)
    annexes = models.TextField("附件说明", blank=True)
    edited_file = models.FileField(
        "修改后的报告（Word）", upload_to="keyevals/reports/%Y/", blank=True, validators=[validate_upload_size]
    )
    submitted_at = models.DateTimeField("提交时间", null=True, blank=True, editable=False)
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    audit_fields = ["summary", "basic_facts", "work_done", "analysis", "conclusion", "suggestions", "annexes"]
    todo_kind = "审核评价报告"
    chain_base = "keyevals.evaluationreport"
    chain_variants = chain_variants("keyevals.evaluationreport", "重点评价报告")

    class Meta:
        verbose_name = "评价报告"
        verbose_name_plural = "评价报告"
        constraints = [models.UniqueConstraint(fields=["evaluation"], name="one_report_per_evaluation")]

    def __str__(self) -> str:
        return f"{self.evaluation.title} 评价报告"


class ProblemCategory(models.TextChoices):
    DECISION = "decision", "决策"
    MANAGEMENT = "management", "管理"
    FUNDS = "funds", "资金使用"
    OUTPUT = "output", "产出"
    EFFECT = "effect", "效益"
    OTHER = "other", "其他"


class Problem(EvaluationChild):
    """A problem found, kept as a structured item so results use can make it a rectification item."""

    evaluation = models.ForeignKey(
        KeyEvaluation, verbose_name="重点评价", on_delete=models.CASCADE, related_name="problems"
    )
    order = models.PositiveSmallIntegerField("序号")
    category = models.CharField("问题类别", max_length=20, choices=ProblemCategory.choices)
    description = models.TextField("问题描述")
    suggestion = models.TextField("整改建议", blank=True)
    responsible = models.ForeignKey(
        "organisations.Organisation",
        verbose_name="责任单位",
        on_delete=models.PROTECT,
        related_name="+",
    )
    indicator = models.ForeignKey(
        PlanIndicator, verbose_name="相关指标", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    amount = models.DecimalField("涉及金额（元）", null=True, blank=True, **MONEY)

    audit_fields = ["order", "category", "description", "suggestion", "responsible", "indicator", "amount"]

    class Meta:
        verbose_name = "发现问题"
        verbose_name_plural = "发现问题"
        ordering = ["evaluation", "order", "id"]
        constraints = [models.UniqueConstraint(fields=["evaluation", "order"], name="problem_order")]

    def __str__(self) -> str:
        return self.description[:60]


class LetterStatus(models.TextChoices):
    AWAITING = "awaiting", "待反馈"
    REPLIED = "replied", "已反馈"
    DEEMED = "deemed", "逾期未反馈，视同无异议"


class FeedbackLetter(models.Model):
    """评价结果反馈意见函 (seed 003 附件6): the draft's findings sent to the evaluated unit with a reply date. A reply is
    recorded; none by the date counts as no objection (keyevals.tasks.deem_unanswered_letters)."""

    evaluation = models.ForeignKey(
        KeyEvaluation, verbose_name="重点评价", on_delete=models.CASCADE, related_name="feedback_letters"
    )
    number = models.CharField("文号", max_length=60, blank=True)
    body = models.TextField("函件正文")
    reply_due = models.DateField("反馈截止日期")
    status = models.CharField("状态", max_length=20, choices=LetterStatus.choices, default=LetterStatus.AWAITING)
    objection = models.BooleanField("有异议", default=False)
    reply = models.TextField("反馈意见", blank=True)
    replied_at = models.DateTimeField("反馈时间", null=True, blank=True)
    replied_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="反馈人",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    deemed_at = models.DateTimeField("视同无异议时间", null=True, blank=True)
    sent_at = models.DateTimeField("发出时间", default=timezone.now)
    sent_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="发出人", null=True, on_delete=models.SET_NULL, related_name="+"
    )

    access_org_field = "evaluation__evaluated"
    access_assigned_via = "evaluation"
    audit_fields = ["number", "body", "reply_due", "status", "objection", "reply"]

    class Meta:
        verbose_name = "评价结果反馈意见函"
        verbose_name_plural = "评价结果反馈意见函"
        ordering = ["-sent_at", "-id"]
        indexes = [models.Index(fields=["status", "reply_due"], name="letter_due")]

    def __str__(self) -> str:
        return f"{self.evaluation.title} 反馈意见函"


class FilingTo(models.TextChoices):
    GOVERNMENT = "government", "人民政府"
    PARTY_COMMITTEE = "party_committee", "党委"
    PEOPLES_CONGRESS = "peoples_congress", "人大"


class ReportFiling(EvaluationChild):
    """An approved report filed with the government (and party committee and People's Congress where the contract
    says so, seed 004 三(七))."""

    evaluation = models.ForeignKey(
        KeyEvaluation, verbose_name="重点评价", on_delete=models.CASCADE, related_name="filings"
    )
    filed_with = models.CharField("报送对象", max_length=20, choices=FilingTo.choices)
    filed_on = models.DateField("报送日期", default=clock.today)
    document_number = models.CharField("报送文号", max_length=60, blank=True)
    filed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="报送人", null=True, on_delete=models.SET_NULL, related_name="+"
    )

    audit_fields = ["filed_with", "filed_on", "document_number"]

    class Meta:
        verbose_name = "报告报送"
        verbose_name_plural = "报告报送"
        constraints = [models.UniqueConstraint(fields=["evaluation", "filed_with"], name="filed_once")]

    def __str__(self) -> str:
        return f"报送{self.get_filed_with_display()}"


class ArchiveCategory(models.TextChoices):
    """seed 003 第四十一条 and seed 004 三(九)2: what an evaluation's archive holds."""

    CONTRACT = "contract", "委托书或合同"
    WORK_PLAN = "work_plan", "评价工作方案"
    FEE_BUDGET = "fee_budget", "评价经费预算"
    EXPERTS = "experts", "专家名单"
    INDICATORS = "indicators", "评价指标体系"
    BASIC_DATA = "basic_data", "基础数据资料"
    VERIFICATION = "verification", "核查资料"
    WORKING_PAPERS = "working_papers", "工作底稿"
    QUESTIONNAIRES = "questionnaires", "调查问卷及结果"
    EXPERT_OPINIONS = "expert_opinions", "专家意见"
    REPORT = "report", "评价报告"
    RESULTS_USE = "results_use", "结果公开和应用情况"


# seed 004 三(九)2: basic data tables and reports are kept 10 years, other material 5 (DOMAIN.md "archives").
LONG_RETENTION = frozenset({ArchiveCategory.BASIC_DATA, ArchiveCategory.REPORT})


class ArchiveFile(EvaluationChild):
    evaluation = models.ForeignKey(
        KeyEvaluation, verbose_name="重点评价", on_delete=models.CASCADE, related_name="archive_files"
    )
    category = models.CharField("档案类别", max_length=30, choices=ArchiveCategory.choices)
    title = models.CharField("名称", max_length=200)
    file = models.FileField("文件", upload_to="keyevals/archive/%Y/", validators=[validate_upload_size])
    size = models.PositiveBigIntegerField("大小（字节）", default=0)
    sha256 = models.CharField("SHA-256 校验值", max_length=64)
    retention_years = models.PositiveSmallIntegerField("保存期限（年）")
    retain_until = models.DateField("保存至")
    generated = models.BooleanField("系统生成", default=False)
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="归档人", null=True, on_delete=models.SET_NULL, related_name="+"
    )
    added_at = models.DateTimeField("归档时间", default=timezone.now)

    audit_fields = ["category", "title", "sha256", "retention_years", "retain_until"]

    class Meta:
        verbose_name = "评价档案"
        verbose_name_plural = "评价档案"
        ordering = ["evaluation", "category", "id"]

    def __str__(self) -> str:
        return self.title


class ArchiveAccess(EvaluationChild):
    """Each opening or export of an archive file (the access log of seed 004 三(九)2)."""

    archive_file = models.ForeignKey(
        ArchiveFile, verbose_name="档案", on_delete=models.CASCADE, related_name="accesses"
    )
    evaluation = models.ForeignKey(KeyEvaluation, verbose_name="重点评价", on_delete=models.CASCADE, related_name="+")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="访问人", null=True, on_delete=models.SET_NULL, related_name="+"
    )
    action = models.CharField("方式", max_length=20, choices=[("download", "下载"), ("export", "打包导出")])
    at = models.DateTimeField("时间", default=timezone.now)

    class Meta:
        verbose_name = "档案访问记录"
        verbose_name_plural = "档案访问记录"
        ordering = ["-at", "-id"]

    def __str__(self) -> str:
        return f"{self.archive_file.title} {self.get_action_display()}"

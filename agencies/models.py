"""第三方机构与专家 (the registers of third-party agencies and experts, seed 004; seed 003 第三十三条; seed 000 第二十五条).

* ``AgencyProfile`` — an organisation of kind 第三方机构 as the register knows it: its type (seed 004 一), qualifications
  and register status (sanctions change it). ``AgencyStaff`` are its people with their qualifications.
* ``AgencyContract`` — a commission by finance or a department; ``TeamProposal`` (a review-chain document) is the team
  the agency proposes for it, ``TeamMember`` its rows (at least 3 resident staff, one of them the lead, seed 004
  三(一)); a swap is a new proposal that replaces the approved one, reviewed again. ``MemberAppraisal`` is the lead's
  yearly appraisal of a member. ``Deliverable`` is each thing the contract delivers, accepted or returned in writing
  (seed 004 三(二)–(八)).
* ``Expert`` — the expert register (专家库) of a finance bureau's performance section: fields, employer, availability;
  ``ExpertRelation`` a declared relation to an organisation (回避). ``ExpertDraw`` is one recorded random draw,
  reproducible from its seed.
* ``Rating`` and ``Sanction`` — after each evaluation an agency or an expert is rated; warnings, suspensions and
  removals are recorded.
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone

from core import clock
from core.attachments import Attachment
from core.files import validate_upload_size
from workflow.models import Reviewable


class AgencyType(models.TextChoices):
    """seed 004 一: the kinds of organisation that may be commissioned."""

    ACCOUNTING = "accounting", "会计师事务所"
    ASSET_VALUATION = "asset_valuation", "资产评估机构"
    CONSULTING = "consulting", "咨询机构"
    RESEARCH = "research", "科研院所"
    UNIVERSITY = "university", "高等院校"
    OTHER = "other", "其他评价组织"


class RegisterStatus(models.TextChoices):
    ACTIVE = "active", "正常"
    WARNED = "warned", "警告"
    SUSPENDED = "suspended", "暂停委托"
    REMOVED = "removed", "清退出库"


class SanctionKind(models.TextChoices):
    WARNING = "warning", "警告"
    SUSPENSION = "suspension", "暂停委托"
    REMOVAL = "removal", "清退出库"


class AgencyProfile(models.Model):
    organisation = models.OneToOneField(
        "organisations.Organisation",
        verbose_name="机构",
        on_delete=models.PROTECT,
        related_name="agency_profile",
        limit_choices_to={"kind": "agency"},
    )
    agency_type = models.CharField("机构类型", max_length=20, choices=AgencyType.choices)
    qualifications = models.TextField("资质", blank=True, help_text="执业许可、资质等级、证书编号等，一行一项")
    fields = models.CharField("擅长领域", max_length=200, blank=True)
    contact_person = models.CharField("联系人", max_length=60, blank=True)
    contact_phone = models.CharField("联系电话", max_length=40, blank=True)
    status = models.CharField("在库状态", max_length=20, choices=RegisterStatus.choices, default=RegisterStatus.ACTIVE)
    status_until = models.DateField("限制截止日期", null=True, blank=True)
    registered_on = models.DateField("入库日期", default=clock.today)

    access_org_field = "organisation"
    audit_fields = ["agency_type", "qualifications", "fields", "contact_person", "contact_phone", "status"]

    class Meta:
        verbose_name = "第三方机构"
        verbose_name_plural = "第三方机构"
        ordering = ["organisation__name"]

    def __str__(self) -> str:
        return self.organisation.name


class AgencyStaff(models.Model):
    agency = models.ForeignKey(AgencyProfile, verbose_name="机构", on_delete=models.CASCADE, related_name="staff")
    name = models.CharField("姓名", max_length=60)
    title = models.CharField("职称/职务", max_length=60, blank=True)
    qualifications = models.CharField("执业资格", max_length=200, blank=True, help_text="如 注册会计师、高级经济师")
    skills = models.CharField("专业领域", max_length=200, blank=True)
    phone = models.CharField("联系电话", max_length=40, blank=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="系统账号",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="agency_staff",
    )
    is_active = models.BooleanField("在职", default=True)

    access_org_field = "agency__organisation"
    audit_fields = ["name", "title", "qualifications", "skills", "phone", "is_active"]

    class Meta:
        verbose_name = "机构人员"
        verbose_name_plural = "机构人员"
        ordering = ["agency", "name", "id"]

    def __str__(self) -> str:
        return self.name


class ContractStatus(models.TextChoices):
    ACTIVE = "active", "履行中"
    FINISHED = "finished", "已完成"
    TERMINATED = "terminated", "已终止"


class AgencyContract(models.Model):
    """A commission (委托合同) of an agency by finance or a department."""

    agency = models.ForeignKey(
        AgencyProfile, verbose_name="受托机构", on_delete=models.PROTECT, related_name="contracts"
    )
    commissioner = models.ForeignKey(
        "organisations.Organisation",
        verbose_name="委托方",
        on_delete=models.PROTECT,
        related_name="agency_contracts",
        help_text="预算绩效管理科或主管部门",
    )
    number = models.CharField("合同编号", max_length=60)
    title = models.CharField("委托事项", max_length=200)
    amount = models.DecimalField("合同金额（元）", max_digits=14, decimal_places=2, default=Decimal("0"))
    signed_on = models.DateField("签订日期")
    ends_on = models.DateField("到期日期", null=True, blank=True)
    file_with_government = models.BooleanField(
        "重大项目报告报送政府", default=False, help_text="seed 004 三(七)：合同约定的，报告经审核后报送人民政府"
    )
    file_with_party_committee = models.BooleanField("报送党委", default=False)
    file_with_peoples_congress = models.BooleanField("报送人大", default=False)
    status = models.CharField("状态", max_length=20, choices=ContractStatus.choices, default=ContractStatus.ACTIVE)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="登记人", null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField("登记时间", default=timezone.now)

    access_org_field = "commissioner"
    audit_fields = ["number", "title", "amount", "signed_on", "ends_on", "status"]

    class Meta:
        verbose_name = "委托合同"
        verbose_name_plural = "委托合同"
        ordering = ["-signed_on", "-id"]
        constraints = [models.UniqueConstraint(fields=["commissioner", "number"], name="agency_contract_number")]

    def __str__(self) -> str:
        return f"{self.number} {self.title}"


class TeamProposal(Reviewable):
    """The team an agency proposes for a contract (seed 004 三(一)), reviewed by the commissioning office. An
    approved proposal is the team in force; a swap is a new proposal with ``replaces`` set, reviewed again."""

    contract = models.ForeignKey(
        AgencyContract, verbose_name="委托合同", on_delete=models.CASCADE, related_name="team_proposals"
    )
    replaces = models.ForeignKey(
        "self", verbose_name="替换的团队", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    reason = models.TextField("说明", blank=True, help_text="人员调整时写明调整原因")
    conflict_statement = models.TextField("利益冲突声明", blank=True)
    in_force = models.BooleanField("现行团队", default=False, editable=False)
    created_at = models.DateTimeField("提出时间", default=timezone.now)

    access_org_field = "contract__commissioner"
    # The team is proposed by the agency; the contract's commissioner reviews it (its own chain when a department
    # commissioned the agency).
    access_assigned_via = "contract"
    audit_fields = ["reason", "conflict_statement"]
    todo_stage = "evaluation"
    todo_kind = "审核第三方团队"
    chain_variants = {"agencies.teamproposal.department": "第三方机构工作团队（主管部门委托）"}

    @property
    def chain_document_type(self) -> str:
        from organisations.choices import OrgKind

        department = self.contract.commissioner.kind in (OrgKind.DEPARTMENT, OrgKind.UNIT)
        return "agencies.teamproposal.department" if department else "agencies.teamproposal"

    class Meta:
        verbose_name = "第三方机构工作团队"
        verbose_name_plural = "第三方机构工作团队"
        ordering = ["contract", "-created_at", "-id"]


class TeamRole(models.TextChoices):
    LEAD = "lead", "项目负责人"
    MEMBER = "member", "成员"


class TeamMember(models.Model):
    proposal = models.ForeignKey(TeamProposal, verbose_name="团队", on_delete=models.CASCADE, related_name="members")
    staff = models.ForeignKey(AgencyStaff, verbose_name="人员", on_delete=models.PROTECT, related_name="memberships")
    role = models.CharField("分工", max_length=10, choices=TeamRole.choices, default=TeamRole.MEMBER)
    resident = models.BooleanField("驻场", default=True)
    duties = models.CharField("职责", max_length=200, blank=True)
    conflicts = models.CharField("利益冲突情况", max_length=200, blank=True, help_text="无则留空")

    access_org_field = "proposal__contract__commissioner"
    audit_fields = ["staff", "role", "resident", "duties", "conflicts"]

    class Meta:
        verbose_name = "团队成员"
        verbose_name_plural = "团队成员"
        ordering = ["proposal", "role", "id"]
        constraints = [models.UniqueConstraint(fields=["proposal", "staff"], name="team_member_once")]

    def __str__(self) -> str:
        return f"{self.staff}（{self.get_role_display()}）"


class MemberAppraisal(models.Model):
    """The lead's appraisal of a member of an approved team, once a year (seed 004 三(一))."""

    member = models.ForeignKey(TeamMember, verbose_name="成员", on_delete=models.CASCADE, related_name="appraisals")
    year = models.PositiveSmallIntegerField("年度")
    grade = models.CharField(
        "考核等次",
        max_length=10,
        choices=[("优秀", "优秀"), ("称职", "称职"), ("基本称职", "基本称职"), ("不称职", "不称职")],
    )
    comment = models.TextField("评语", blank=True)
    appraised_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="考核人", null=True, on_delete=models.SET_NULL, related_name="+"
    )
    appraised_at = models.DateTimeField("考核时间", default=timezone.now)

    access_org_field = "member__proposal__contract__commissioner"
    audit_fields = ["year", "grade", "comment"]

    class Meta:
        verbose_name = "成员年度考核"
        verbose_name_plural = "成员年度考核"
        constraints = [models.UniqueConstraint(fields=["member", "year"], name="appraisal_once_a_year")]

    def __str__(self) -> str:
        return f"{self.member} {self.year} 年 {self.grade}"


class DeliverableKind(models.TextChoices):
    PLAN = "plan", "工作方案"
    TABLE = "table", "表格资料"
    REPORT = "report", "报告"
    TRAINING = "training", "培训"
    OTHER = "other", "其他"


class DeliverableDecision(models.TextChoices):
    PENDING = "pending", "待验收"
    ACCEPTED = "accepted", "已验收"
    RETURNED = "returned", "已退回"


class Deliverable(Attachment):
    """One deliverable of a contract, accepted or returned in writing by the commissioning office."""

    contract = models.ForeignKey(
        AgencyContract, verbose_name="委托合同", on_delete=models.CASCADE, related_name="deliverables"
    )
    kind = models.CharField("成果类型", max_length=20, choices=DeliverableKind.choices)
    title = models.CharField("名称", max_length=200)
    file = models.FileField(
        "文件", upload_to="agencies/deliverables/%Y/", blank=True, validators=[validate_upload_size]
    )
    decision = models.CharField(
        "验收结论", max_length=20, choices=DeliverableDecision.choices, default=DeliverableDecision.PENDING
    )
    decision_note = models.TextField("验收意见", blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="验收人",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    decided_at = models.DateTimeField("验收时间", null=True, blank=True)

    access_org_field = "contract__commissioner"
    audit_fields = ["kind", "title", "decision", "decision_note"]

    class Meta:
        verbose_name = "委托成果"
        verbose_name_plural = "委托成果"
        ordering = ["contract", "uploaded_at", "id"]


class ExpertStatus(models.TextChoices):
    ACTIVE = "active", "在库"
    SUSPENDED = "suspended", "暂停"
    REMOVED = "removed", "清退出库"


class ExpertField(models.Model):
    """A field of expertise the draw is made by (教育, 卫生健康, 财务会计, 工程造价 …)."""

    code = models.SlugField("代码", max_length=40, unique=True)
    name = models.CharField("名称", max_length=60)

    access_public_read = True

    class Meta:
        verbose_name = "专家领域"
        verbose_name_plural = "专家领域"
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name


class Expert(models.Model):
    keeper = models.ForeignKey(
        "organisations.Organisation",
        verbose_name="管理单位",
        on_delete=models.PROTECT,
        related_name="experts",
        help_text="管理专家库的预算绩效管理科",
    )
    name = models.CharField("姓名", max_length=60)
    employer = models.ForeignKey(
        "organisations.Organisation",
        verbose_name="工作单位（系统内）",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="employed_experts",
        help_text="在本系统登记的单位；回避以此及申报的关系为准",
    )
    employer_name = models.CharField("工作单位", max_length=200)
    title = models.CharField("职称", max_length=60, blank=True)
    fields = models.ManyToManyField(ExpertField, verbose_name="专业领域", related_name="experts")
    phone = models.CharField("联系电话", max_length=40, blank=True)
    available = models.BooleanField("可抽取", default=True, help_text="出差、休假等暂不能参加评审时取消勾选")
    status = models.CharField("在库状态", max_length=20, choices=ExpertStatus.choices, default=ExpertStatus.ACTIVE)
    status_until = models.DateField("限制截止日期", null=True, blank=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="系统账号",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="expert_entries",
    )
    registered_on = models.DateField("入库日期", default=clock.today)

    access_org_field = "keeper"
    audit_fields = ["name", "employer", "employer_name", "title", "phone", "available", "status"]

    class Meta:
        verbose_name = "评审专家"
        verbose_name_plural = "评审专家"
        ordering = ["name", "id"]
        indexes = [models.Index(fields=["keeper", "status", "available"], name="expert_drawable")]

    def __str__(self) -> str:
        return f"{self.name}（{self.employer_name}）"


class ExpertRelation(models.Model):
    """A relation the expert declared with an organisation: drawn for an evaluation of it, he or she is excluded."""

    expert = models.ForeignKey(Expert, verbose_name="专家", on_delete=models.CASCADE, related_name="relations")
    organisation = models.ForeignKey(
        "organisations.Organisation", verbose_name="关联单位", on_delete=models.CASCADE, related_name="+"
    )
    relation = models.CharField("关系", max_length=200, help_text="如 曾任职、近亲属在该单位任职、近三年有业务往来")

    access_org_field = "expert__keeper"
    audit_fields = ["organisation", "relation"]

    class Meta:
        verbose_name = "回避关系"
        verbose_name_plural = "回避关系"
        constraints = [models.UniqueConstraint(fields=["expert", "organisation"], name="expert_relation_once")]

    def __str__(self) -> str:
        return f"{self.expert.name} — {self.organisation}：{self.relation}"


class ExpertDraw(models.Model):
    """One random draw of experts by field, for an evaluation of ``evaluated``. The candidates (after exclusion)
    are sorted by id and shuffled by ``random.Random(seed)``: the same seed over the same candidates gives the same
    experts, so anyone can re-run it (``agencies.draw.replay``)."""

    keeper = models.ForeignKey(
        "organisations.Organisation", verbose_name="组织单位", on_delete=models.PROTECT, related_name="+"
    )
    evaluated = models.ForeignKey(
        "organisations.Organisation", verbose_name="被评价单位", on_delete=models.PROTECT, related_name="+"
    )
    field = models.ForeignKey(ExpertField, verbose_name="专业领域", on_delete=models.PROTECT, related_name="+")
    count = models.PositiveSmallIntegerField(
        "抽取人数", validators=[MinValueValidator(1), MaxValueValidator(50)], default=5
    )
    seed = models.BigIntegerField("随机种子")
    candidate_ids = models.JSONField("候选专家（已回避）", default=list)
    excluded = models.JSONField("回避名单", default=list, help_text='[{"expert": id, "name": …, "reason": …}]')
    drawn = models.ManyToManyField(Expert, verbose_name="抽中专家", related_name="draws")
    purpose = models.CharField("用途", max_length=200, blank=True)
    # The record the draw was made for (a key evaluation), if any.
    content_type = models.ForeignKey(
        "contenttypes.ContentType", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    object_id = models.PositiveBigIntegerField(null=True, blank=True)
    drawn_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="抽取人", null=True, on_delete=models.SET_NULL, related_name="+"
    )
    drawn_at = models.DateTimeField("抽取时间", default=timezone.now)

    access_org_field = "keeper"
    audit_fields = ["evaluated", "field", "count", "seed", "purpose"]

    class Meta:
        verbose_name = "专家抽取记录"
        verbose_name_plural = "专家抽取记录"
        ordering = ["-drawn_at", "-id"]

    def __str__(self) -> str:
        return f"{self.drawn_at:%Y-%m-%d} 抽取 {self.field} 专家 {self.count} 名"


class Rating(models.Model):
    """An agency or an expert rated after an evaluation (report quality, timeliness, defects found in review)."""

    rater = models.ForeignKey(
        "organisations.Organisation", verbose_name="评价单位", on_delete=models.PROTECT, related_name="+"
    )
    agency = models.ForeignKey(
        AgencyProfile, verbose_name="机构", null=True, blank=True, on_delete=models.CASCADE, related_name="ratings"
    )
    expert = models.ForeignKey(
        Expert, verbose_name="专家", null=True, blank=True, on_delete=models.CASCADE, related_name="ratings"
    )
    work = models.CharField("评价事项", max_length=200)
    content_type = models.ForeignKey(
        "contenttypes.ContentType", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    object_id = models.PositiveBigIntegerField(null=True, blank=True)
    quality = models.PositiveSmallIntegerField(
        "报告（意见）质量", validators=[MinValueValidator(0), MaxValueValidator(40)], help_text="0–40 分"
    )
    timeliness = models.PositiveSmallIntegerField(
        "及时性", validators=[MinValueValidator(0), MaxValueValidator(30)], help_text="0–30 分"
    )
    conduct = models.PositiveSmallIntegerField(
        "执业规范", validators=[MinValueValidator(0), MaxValueValidator(30)], help_text="0–30 分"
    )
    defects = models.PositiveSmallIntegerField("审核发现问题数", default=0)
    comment = models.TextField("评价意见", blank=True)
    rated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="评价人", null=True, on_delete=models.SET_NULL, related_name="+"
    )
    rated_at = models.DateTimeField("评价时间", default=timezone.now)

    access_org_field = "rater"
    audit_fields = ["work", "quality", "timeliness", "conduct", "defects", "comment"]

    class Meta:
        verbose_name = "履职评价"
        verbose_name_plural = "履职评价"
        ordering = ["-rated_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(agency__isnull=False, expert__isnull=True)
                | models.Q(agency__isnull=True, expert__isnull=False),
                name="rating_one_target",
            )
        ]

    @property
    def total(self) -> int:
        return self.quality + self.timeliness + self.conduct

    def __str__(self) -> str:
        return f"{self.work}：{self.total} 分"


class Sanction(models.Model):
    issuer = models.ForeignKey(
        "organisations.Organisation", verbose_name="处理单位", on_delete=models.PROTECT, related_name="+"
    )
    agency = models.ForeignKey(
        AgencyProfile, verbose_name="机构", null=True, blank=True, on_delete=models.CASCADE, related_name="sanctions"
    )
    expert = models.ForeignKey(
        Expert, verbose_name="专家", null=True, blank=True, on_delete=models.CASCADE, related_name="sanctions"
    )
    kind = models.CharField("处理方式", max_length=20, choices=SanctionKind.choices)
    reason = models.TextField("事由")
    starts_on = models.DateField("起始日期")
    ends_on = models.DateField("截止日期", null=True, blank=True, help_text="暂停委托的截止日期；清退不填")
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="处理人", null=True, on_delete=models.SET_NULL, related_name="+"
    )
    issued_at = models.DateTimeField("处理时间", default=timezone.now)

    access_org_field = "issuer"
    audit_fields = ["kind", "reason", "starts_on", "ends_on"]

    class Meta:
        verbose_name = "处理记录"
        verbose_name_plural = "处理记录"
        ordering = ["-starts_on", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(agency__isnull=False, expert__isnull=True)
                | models.Q(agency__isnull=True, expert__isnull=False),
                name="sanction_one_target",
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}：{self.reason[:40]}"

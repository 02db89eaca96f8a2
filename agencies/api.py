"""The register's API, behind the same gate as the pages and calling the same actions (agencies.actions, .teams,
.deliverables; the experts' part is ``agencies.api_experts``): agencies, agency-staff, agency-contracts,
team-proposals, deliverables. Errors are 400 with Chinese messages, out-of-reach ids 404, refusals of a visible record
403."""

from __future__ import annotations

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import transaction
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import exceptions, mixins, serializers, status
from rest_framework.decorators import action
from rest_framework.response import Response

from agencies import actions, teams
from agencies.acting import acting
from agencies.deliverables import decide
from agencies.filtersets import AgencyProfileFilterSet, ContractFilterSet, TeamProposalFilterSet
from agencies.models import (
    AgencyContract,
    AgencyProfile,
    AgencyStaff,
    Deliverable,
    DeliverableDecision,
    MemberAppraisal,
    TeamMember,
    TeamProposal,
    TeamRole,
)
from agencies.standing import agency_standing, with_ratings
from core import access, api_input
from core.api import ID_REGEX, GatedModelSerializer, GatedReadOnlyViewSet, GatedSerializer
from core.idempotency import idempotent
from workflow import actions as workflow_actions
from workflow.actions import StaleDocument
from workflow.models import ReviewAction


def _conflict(exc: StaleDocument) -> Response:
    return Response({"detail": exc.message, "code": "stale"}, status=status.HTTP_409_CONFLICT)


class StandingSerializer(GatedSerializer):
    average = serializers.DecimalField(max_digits=5, decimal_places=1, allow_null=True, help_text="平均履职评价得分")
    count = serializers.IntegerField(help_text="评价次数")
    status = serializers.CharField(help_text="在库状态（到期的暂停不再计）")
    status_label = serializers.CharField()
    may_commission = serializers.BooleanField(help_text="当前可否委托或抽取")
    label = serializers.CharField(help_text="文字说明")


def _standing(standing) -> dict:
    return {
        "average": standing.average,
        "count": standing.count,
        "status": standing.status,
        "status_label": standing.status_label,
        "may_commission": standing.may_commission,
        "label": standing.label,
    }


# ---------------------------------------------------------------------------------------------- agencies and staff


class StaffSerializer(GatedModelSerializer):
    class Meta:
        model = AgencyStaff
        fields = ["id", "agency", "name", "title", "qualifications", "skills", "phone", "user", "is_active"]
        read_only_fields = ["agency"]
        extra_kwargs = {"user": {"help_text": "系统账号 id（须为本机构账号）"}}


class AgencySerializer(GatedModelSerializer):
    name = serializers.CharField(source="organisation.name", read_only=True)
    agency_type_display = serializers.CharField(source="get_agency_type_display", read_only=True)
    status_display = serializers.CharField(source="get_status_display", read_only=True)
    staff = serializers.SerializerMethodField()
    standing = serializers.SerializerMethodField()

    class Meta:
        model = AgencyProfile
        fields = [
            "id",
            "organisation",
            "name",
            "agency_type",
            "agency_type_display",
            "qualifications",
            "fields",
            "contact_person",
            "contact_phone",
            "status",
            "status_display",
            "status_until",
            "registered_on",
            "staff",
            "standing",
        ]
        read_only_fields = ["status", "status_until"]
        extra_kwargs = {"organisation": {"help_text": "机构 id（类型为第三方机构、本地区尚未入库）"}}

    choice_scopes = {
        "organisation": lambda queryset, user: actions.profile_organisations(user) if user else queryset.none()
    }

    @extend_schema_field(StaffSerializer(many=True))
    def get_staff(self, obj) -> list[dict]:
        return StaffSerializer(obj.staff.all(), many=True, context=self.context).data

    @extend_schema_field(StandingSerializer)
    def get_standing(self, obj) -> dict:
        return _standing(agency_standing(obj))


class RegisterWriteMixin(mixins.CreateModelMixin, mixins.UpdateModelMixin):
    """The register's writable endpoints: POST (with an Idempotency-Key) and PATCH of a JSON object; PUT is refused.
    Each viewset's ``perform_create`` / ``perform_update`` call the register's audited actions."""

    @idempotent
    def create(self, request, *args, **kwargs):
        api_input.body_dict(request)
        return super().create(request, *args, **kwargs)

    def partial_update(self, request, *args, **kwargs):
        api_input.body_dict(request)
        return super().partial_update(request, *args, **kwargs)

    def update(self, request, *args, **kwargs):
        if not kwargs.get("partial"):
            raise exceptions.MethodNotAllowed(request.method)
        return super().update(request, *args, **kwargs)


class AgencyViewSet(RegisterWriteMixin, GatedReadOnlyViewSet):
    api_description = (
        "第三方机构库：机构类型（seed 004 一）、资质、人员、在库状态和履职评价（平均分、次数、在执行的处理）。预算绩效管理科新增"
        "（POST，organisation 为尚未入库的第三方机构）和修改（PATCH）；第三方机构只能查看本机构。"
    )
    queryset = with_ratings(AgencyProfile.objects.select_related("organisation"), "agency").prefetch_related("staff")
    serializer_class = AgencySerializer
    filterset_class = AgencyProfileFilterSet
    http_method_names = ["get", "post", "patch", "head", "options"]

    def perform_create(self, serializer):
        serializer.instance = actions.create_profile(self.request.user, dict(serializer.validated_data))

    def perform_update(self, serializer):
        actions.update_profile(
            self.request.user,
            serializer.instance,
            dict(serializer.validated_data),
            self.request.headers.get("X-Reason", ""),
        )


class StaffViewSet(RegisterWriteMixin, GatedReadOnlyViewSet):
    api_description = "第三方机构人员及其执业资格。预算绩效管理科登记（POST，agency 为机构库 id）和修改（PATCH）；本机构人员也在机构详情中返回。"
    queryset = AgencyStaff.objects.select_related("agency")
    serializer_class = StaffSerializer
    http_method_names = ["get", "post", "patch", "head", "options"]

    def get_serializer(self, *args, **kwargs):
        serializer = super().get_serializer(*args, **kwargs)
        if self.action == "create" and hasattr(serializer, "fields"):
            serializer.fields["agency"].read_only = False
            serializer.fields["agency"].queryset = access.restrict(AgencyProfile.objects.all(), self.request.user)
        return serializer

    def perform_create(self, serializer):
        data = dict(serializer.validated_data)
        profile = data.pop("agency", None)
        if profile is None:
            raise exceptions.ValidationError({"agency": ["请指定机构（机构库 id）"]})
        serializer.instance = actions.add_staff(self.request.user, profile, data)

    def perform_update(self, serializer):
        actions.update_staff(
            self.request.user,
            serializer.instance,
            dict(serializer.validated_data),
            self.request.headers.get("X-Reason", ""),
        )


# ---------------------------------------------------------------------------------------------- contracts and deliverables


class ContractSerializer(GatedModelSerializer):
    agency_name = serializers.CharField(source="agency.organisation.name", read_only=True)
    commissioner_name = serializers.CharField(source="commissioner.name", read_only=True)
    status_display = serializers.CharField(source="get_status_display", read_only=True)

    class Meta:
        model = AgencyContract
        fields = [
            "id",
            "agency",
            "agency_name",
            "commissioner",
            "commissioner_name",
            "number",
            "title",
            "amount",
            "signed_on",
            "ends_on",
            "file_with_government",
            "file_with_party_committee",
            "file_with_peoples_congress",
            "status",
            "status_display",
            "created_at",
        ]
        read_only_fields = ["created_at"]
        validators = []  # (commissioner, number) is unique: the model's full_clean says so in Chinese
        extra_kwargs = {
            "agency": {"help_text": "受托机构（机构库 id）"},
            "commissioner": {"help_text": "委托方：本级预算绩效管理科或主管部门"},
        }

    choice_scopes = {
        "agency": lambda queryset, user: actions.agency_choices(user) if user else queryset.none(),
        "commissioner": lambda queryset, user: actions.commissioner_choices(user) if user else queryset.none(),
    }


class ContractViewSet(RegisterWriteMixin, GatedReadOnlyViewSet):
    api_description = (
        "委托合同：预算绩效管理科或主管部门委托第三方机构（委托事项、金额、日期、报告报送约定）。组织重点评价的用户登记（POST），"
        "委托方修改（PATCH，不改受托机构和委托方）；受托机构可查看本机构的合同。"
    )
    queryset = AgencyContract.objects.select_related("agency__organisation", "commissioner")
    serializer_class = ContractSerializer
    filterset_class = ContractFilterSet
    http_method_names = ["get", "post", "patch", "head", "options"]

    def perform_create(self, serializer):
        serializer.instance = actions.create_contract(self.request.user, dict(serializer.validated_data))

    def perform_update(self, serializer):
        actions.update_contract(
            self.request.user,
            serializer.instance,
            dict(serializer.validated_data),
            self.request.headers.get("X-Reason", ""),
        )


class DeliverableSerializer(GatedModelSerializer):
    kind_display = serializers.CharField(source="get_kind_display", read_only=True)
    decision_display = serializers.CharField(source="get_decision_display", read_only=True)
    filename = serializers.CharField(read_only=True)
    download = serializers.SerializerMethodField()

    class Meta:
        model = Deliverable
        fields = [
            "id",
            "contract",
            "kind",
            "kind_display",
            "title",
            "note",
            "filename",
            "download",
            "uploaded_at",
            "decision",
            "decision_display",
            "decision_note",
            "decided_at",
        ]
        read_only_fields = fields

    def get_download(self, obj) -> str:
        from django.urls import reverse

        return reverse("agencies:deliverable", args=[obj.contract_id, obj.pk]) if obj.file else ""


class DecisionSerializer(GatedSerializer):
    decision = serializers.ChoiceField(
        choices=[(DeliverableDecision.ACCEPTED, "验收通过"), (DeliverableDecision.RETURNED, "退回")]
    )
    note = serializers.CharField(required=False, allow_blank=True, max_length=4000, help_text="验收意见（退回时必填）")


class DeliverableViewSet(GatedReadOnlyViewSet):
    api_description = (
        "委托成果（seed 004 三(二)–(八)：工作方案、表格资料、报告、培训等）：受托机构在合同页面上传，委托方书面验收或退回"
        "（`…/decide/`，退回须填写意见）。列出的是用户可查看的合同的成果。"
    )
    queryset = Deliverable.objects.select_related("contract")
    serializer_class = DeliverableSerializer

    def get_queryset(self):
        contracts = access.restrict(AgencyContract.objects.all(), self.request.user)
        return (
            Deliverable.objects.filter(contract__in=contracts)
            .select_related("contract")
            .order_by("contract", "uploaded_at", "id")
        )

    @extend_schema(request=DecisionSerializer, summary="验收或退回委托成果")
    @action(detail=True, methods=["post"])
    def decide(self, request, pk=None):
        deliverable = self.get_object()
        values = api_input.validated(request, DecisionSerializer)
        decide(request.user, deliverable, values["decision"], values.get("note", ""))
        return Response(self.get_serializer(deliverable).data)


# ---------------------------------------------------------------------------------------------- teams


def _staff_choices(user):
    """Staff of the agencies whose contracts the user reaches (agencies.teams checks the contract's own agency)."""
    if user is None:
        return AgencyStaff.objects.none()
    contracts = access.restrict(AgencyContract.objects.all(), user)
    return AgencyStaff.objects.filter(is_active=True, agency__in=contracts.values("agency_id"))


class MemberSerializer(GatedModelSerializer):
    staff_name = serializers.CharField(source="staff.name", read_only=True)
    role = serializers.ChoiceField(choices=TeamRole.choices, default=TeamRole.MEMBER)

    class Meta:
        model = TeamMember
        fields = ["id", "staff", "staff_name", "role", "resident", "duties", "conflicts"]
        list_serializer_class = api_input.RowList
        extra_kwargs = {"staff": {"help_text": "机构人员 id"}}

    choice_scopes = {"staff": lambda queryset, user: _staff_choices(user)}


class AppraisalSerializer(GatedModelSerializer):
    member_name = serializers.CharField(source="member.staff.name", read_only=True)

    class Meta:
        model = MemberAppraisal
        fields = ["id", "member", "member_name", "year", "grade", "comment", "appraised_at"]
        read_only_fields = fields


class TeamProposalSerializer(GatedModelSerializer):
    status_display = serializers.CharField(source="get_status_display", read_only=True)
    members = MemberSerializer(many=True, required=False)
    problems = serializers.SerializerMethodField(help_text="提交前须解决的问题（seed 004 三(一)）")
    appraisals = serializers.SerializerMethodField()
    version = serializers.IntegerField(required=False, help_text="读取时的版本号（修改时必填；已变化时 409）")

    class Meta:
        model = TeamProposal
        fields = [
            "id",
            "contract",
            "replaces",
            "reason",
            "conflict_statement",
            "status",
            "status_display",
            "current_step",
            "in_force",
            "created_at",
            "version",
            "members",
            "problems",
            "appraisals",
        ]
        read_only_fields = ["replaces", "status", "current_step", "in_force", "created_at"]
        extra_kwargs = {"contract": {"help_text": "委托合同 id（受托机构提出；已有现行团队时为人员调整方案）"}}

    def get_problems(self, obj) -> list[str]:
        return teams.team_problems(obj) if obj.status != "approved" else []

    @extend_schema_field(AppraisalSerializer(many=True))
    def get_appraisals(self, obj) -> list[dict]:
        rows = MemberAppraisal.objects.filter(member__proposal=obj).select_related("member__staff")
        return AppraisalSerializer(rows, many=True, context=self.context).data


class TransitionSerializer(GatedSerializer):
    action = serializers.ChoiceField(
        choices=ReviewAction.choices, help_text="submit 提交 / approve 审核通过 / return 退回"
    )
    version = serializers.IntegerField(min_value=1, help_text="读取时的版本号")
    opinion = serializers.CharField(required=False, allow_blank=True, max_length=2000, help_text="意见（退回时必填）")
    target_step = serializers.IntegerField(required=False, allow_null=True, min_value=0, help_text="退回到的环节序号")


class AppraiseSerializer(GatedSerializer):
    member = serializers.IntegerField(help_text="团队成员 id")
    year = serializers.IntegerField(min_value=1900, max_value=2999)
    grade = serializers.ChoiceField(choices=MemberAppraisal._meta.get_field("grade").choices)
    comment = serializers.CharField(required=False, allow_blank=True, max_length=4000)


def _member_values(row: dict) -> dict:
    return {k: row[k] for k in ("staff", "role", "resident", "duties", "conflicts") if k in row}


class TeamProposalViewSet(RegisterWriteMixin, GatedReadOnlyViewSet):
    api_description = (
        "第三方机构工作团队（seed 004 三(一)）：受托机构为合同提出团队（POST，含成员），不少于 3 名驻场人员、其中 1 人为项目负责人，"
        "并填写利益冲突声明；提交前或被退回后可修改（PATCH，带 version，members 为全部成员）。`…/transition/` 提交、审核通过或退回，"
        "审核通过的为现行团队；已有现行团队时新方案即人员调整，审核通过后替换原团队。`…/appraise/` 由现行团队的项目负责人记录成员年度考核。"
    )
    queryset = TeamProposal.objects.select_related("contract__agency", "chain").prefetch_related("members__staff")
    serializer_class = TeamProposalSerializer
    filterset_class = TeamProposalFilterSet
    http_method_names = ["get", "post", "patch", "head", "options"]
    lookup_value_regex = ID_REGEX

    def handle_exception(self, exc):
        if isinstance(exc, StaleDocument):
            return _conflict(exc)
        return super().handle_exception(exc)

    def get_serializer(self, *args, **kwargs):
        serializer = super().get_serializer(*args, **kwargs)
        if self.action == "create" and hasattr(serializer, "fields"):
            serializer.fields["contract"].queryset = access.restrict(AgencyContract.objects.all(), self.request.user)
        return serializer

    def perform_create(self, serializer):
        data = dict(serializer.validated_data)
        user = self.request.user
        with transaction.atomic():
            proposal = teams.propose(
                user,
                data["contract"],
                reason=data.get("reason", ""),
                conflict_statement=data.get("conflict_statement", ""),
            )
            if "members" in data:
                self._replace_members(proposal, data["members"])
        serializer.instance = proposal

    def _replace_members(self, proposal, rows) -> None:
        user = self.request.user
        with acting(user):
            for member in list(proposal.members.all()):
                teams.remove_member(user, member)
            for number, row in enumerate(rows, start=1):
                try:
                    teams.add_member(user, proposal, _member_values(dict(row)))
                except DjangoValidationError as exc:
                    raise exceptions.ValidationError(
                        {"members": [f"第 {number} 行：{m}" for m in exc.messages]}
                    ) from None

    def perform_update(self, serializer):
        proposal = serializer.instance
        data = dict(serializer.validated_data)
        user = self.request.user
        if not teams.guards.can_edit(user, proposal):
            raise exceptions.PermissionDenied(teams.EDIT_DENIED)
        if "version" not in data:
            raise exceptions.ValidationError({"version": ["请提供读取时的版本号（version）"]})
        with transaction.atomic():
            teams.update_statement(
                user,
                proposal,
                reason=data.get("reason", proposal.reason),
                conflict_statement=data.get("conflict_statement", proposal.conflict_statement),
                version=data["version"],
            )
            if "members" in data:
                self._replace_members(proposal, data["members"])

    @extend_schema(request=TransitionSerializer, summary="提交、审核通过或退回团队方案")
    @action(detail=True, methods=["post"])
    def transition(self, request, pk=None):
        proposal = self.get_object()
        values = api_input.validated(request, TransitionSerializer)
        workflow_actions.perform(
            values["action"],
            proposal,
            request.user,
            values["version"],
            values.get("opinion", ""),
            values.get("target_step"),
        )
        return Response(self.get_serializer(self.get_queryset().get(pk=proposal.pk)).data)

    @extend_schema(request=AppraiseSerializer, responses=AppraisalSerializer, summary="项目负责人记录成员年度考核")
    @action(detail=True, methods=["post"])
    def appraise(self, request, pk=None):
        proposal = self.get_object()
        values = api_input.validated(request, AppraiseSerializer)
        member = TeamMember.objects.filter(proposal=proposal, pk=values["member"]).select_related("staff").first()
        if member is None:
            raise exceptions.ValidationError({"member": ["不是该团队的成员"]})
        appraisal = teams.appraise(
            request.user, member, year=values["year"], grade=values["grade"], comment=values.get("comment", "")
        )
        return Response(
            AppraisalSerializer(appraisal, context={"request": request}).data, status=status.HTTP_201_CREATED
        )


def register(router) -> None:
    from agencies import api_experts

    router.register("agencies", AgencyViewSet)
    router.register("agency-staff", StaffViewSet)
    router.register("agency-contracts", ContractViewSet)
    router.register("team-proposals", TeamProposalViewSet)
    router.register("deliverables", DeliverableViewSet)
    api_experts.register(router)

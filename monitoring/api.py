"""The API of monitoring rounds, monitoring tables (with the review chain), warnings, disposals and disbursement
holds — behind the same gate as the pages and calling the same ``monitoring.actions``."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.db.models import Count
from drf_spectacular.utils import extend_schema, extend_schema_field, inline_serializer
from rest_framework import exceptions, serializers, status
from rest_framework.decorators import action
from rest_framework.response import Response

from core import api_input, idempotency
from core.api import GatedModelSerializer, GatedModelViewSet, GatedReadOnlyViewSet, GatedSerializer
from monitoring import actions, alerts, board
from monitoring.choices import DisposalDecision, HoldKind
from monitoring.filtersets import MonitoringTableFilterSet, PerformanceWarningFilterSet
from monitoring.models import (
    DisbursementHold,
    Disposal,
    MonitoringIndicator,
    MonitoringRound,
    MonitoringTable,
    PerformanceWarning,
    WarningRule,
)
from subjects.models import Subject
from workflow.api import WORKFLOW_FIELDS, ReviewableSerializer, ReviewableViewSetMixin, requested_version


def _denied(exc):
    return exceptions.PermissionDenied(str(exc))


class ActionGuardMixin:
    """Who may reply, dispose, lift, scan or close is ``monitoring.actions``' question (by role, refusals
    audited), not the gate's CHANGE action: the finance desk reviews and disposes without changing records."""

    guarded_actions: tuple = ()

    def check_object_permissions(self, request, obj):
        if self.action in self.guarded_actions:
            return
        super().check_object_permissions(request, obj)


class RoundSerializer(GatedModelSerializer):
    organisation_name = serializers.CharField(source="organisation.name", read_only=True)
    key_subjects = serializers.PrimaryKeyRelatedField(many=True, queryset=Subject.objects.all(), required=False)
    table_count = serializers.SerializerMethodField()
    left_out = serializers.SerializerMethodField(
        help_text="本年度已安排预算、未纳入本轮的项目及原因（发起时核对；仅列本人可查看的项目）；"
        "reason 为 no_indicators 的已纳入但绩效目标没有年度指标"
    )

    class Meta:
        model = MonitoringRound
        fields = [
            "id",
            "organisation",
            "organisation_name",
            "kind",
            "fiscal_year",
            "name",
            "data_as_of",
            "due_date",
            "scope",
            "key_subjects",
            "status",
            "notice",
            "tables_pending",
            "table_count",
            "left_out",
            "created_at",
            "closed_at",
        ]
        read_only_fields = ["organisation", "kind", "status", "tables_pending", "closed_at"]

    def get_table_count(self, obj) -> int:
        counted = getattr(obj, "table_total", None)  # annotated by the list (one query, not one per round)
        return obj.tables.count() if counted is None else counted

    @extend_schema_field(
        inline_serializer(
            "RoundLeftOut",
            {
                "subject": serializers.IntegerField(help_text="项目 id"),
                "code": serializers.CharField(help_text="项目编码"),
                "name": serializers.CharField(help_text="项目名称"),
                "organisation": serializers.CharField(help_text="实施单位"),
                "reason": serializers.CharField(help_text="原因代码"),
                "reason_display": serializers.CharField(help_text="原因（中文）"),
            },
            many=True,
        )
    )
    def get_left_out(self, obj) -> list:
        from monitoring.actions import scope

        request = self.context.get("request")
        return [
            {
                "subject": e.subject_id,
                "code": e.code,
                "name": e.name,
                "organisation": e.organisation,
                "reason": e.reason,
                "reason_display": e.reason_display,
            }
            for e in scope.entries(obj, request.user if request else None)
        ]


class ReasonSerializer(GatedSerializer):
    reason = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="")


class MonitoringRoundViewSet(ActionGuardMixin, GatedModelViewSet):
    """Rounds: finance's performance section opens (POST) and closes them; ``…/scan/`` raises the warnings;
    ``…/board/`` is the status board rolled up region → department → unit."""

    api_description = (
        "监控轮次：预算绩效管理科开启（POST）和关闭；主管部门审核人也可对本部门所属单位自选的重点项目开启（kind 为 department，"
        "scope 须为 key；张店区《区级部门单位预算绩效管理办法》第十七条），其监控表报本部门审核，财政只读；开启时为范围内的项目生成"
        "《绩效目标执行监控表》；`…/scan/` 按预警规则产生绩效预警（仅财政轮次），`…/board/` 为报送进度。"
    )

    queryset = MonitoringRound.objects.select_related("organisation")
    serializer_class = RoundSerializer
    http_method_names = ["get", "post", "head", "options"]
    guarded_actions = ("close", "scan")

    def get_queryset(self):
        rounds = board.visible_rounds(self.request.user).select_related("organisation")
        if self.action != "list":
            return rounds
        # Meta.ordering does not apply to an aggregate's GROUP BY: name it again.
        return rounds.annotate(table_total=Count("tables")).order_by(*MonitoringRound._meta.ordering)

    def perform_create(self, serializer):
        data = serializer.validated_data
        try:
            serializer.instance = actions.open_round(
                self.request.user,
                name=data["name"],
                fiscal_year=data["fiscal_year"],
                data_as_of=data["data_as_of"],
                due_date=data["due_date"],
                scope=data.get("scope", "all_funded"),
                notice=data.get("notice", ""),
                key_subjects=data.get("key_subjects", []),
                reason=self.request.headers.get("X-Reason", ""),
            )
        except DjangoPermissionDenied as exc:
            raise _denied(exc) from None

    @extend_schema(request=ReasonSerializer, summary="结束监控轮次")
    @action(detail=True, methods=["post"])
    def close(self, request, pk=None):
        monitoring_round = self.get_object()
        try:
            actions.close_round(
                monitoring_round, request.user, api_input.validated(request, ReasonSerializer)["reason"]
            )
        except DjangoPermissionDenied as exc:
            raise _denied(exc) from None
        return Response(self.get_serializer(monitoring_round).data)

    @extend_schema(request=None, summary="按预警规则扫描本轮监控表")
    @action(detail=True, methods=["post"])
    def scan(self, request, pk=None):
        monitoring_round = self.get_object()
        if not actions.can_scan_round(request.user, monitoring_round):
            raise exceptions.PermissionDenied("无权执行预警扫描")
        result = alerts.scan(monitoring_round, user=request.user)
        return Response({"raised": result.raised, "already": result.already, "by_rule": result.by_rule})

    @extend_schema(summary="报送情况逐级汇总")
    @action(detail=True, methods=["get"])
    def board(self, request, pk=None):
        tree = board.rollup(self.get_object(), request.user)

        def node(n):
            return {
                "level": n.level,
                "id": n.key,
                "name": n.name,
                "tables": n.tables,
                "submitted": n.submitted,
                "approved": n.approved,
                "late": n.late,
                "available": str(n.available),
                "paid": str(n.paid),
                "execution_rate": None if n.execution_rate is None else str(n.execution_rate),
                "execution_lights": n.execution,
                "target_lights": n.target,
                "children": [node(c) for c in n.children],
            }

        return Response(node(tree))


class IndicatorRowSerializer(GatedModelSerializer):
    light_display = serializers.CharField(source="get_light_display", read_only=True)

    class Meta:
        model = MonitoringIndicator
        fields = [
            "id",
            "order",
            "level1",
            "level2",
            "name",
            "comparator",
            "annual_target",
            "unit",
            "cumulative",
            "actual_to_date",
            "qualitative_level",
            "expected_full_year",
            "will_be_met",
            "deviation_reason",
            "deviation_explanation",
            "measures",
            "light",
            "light_display",
        ]
        read_only_fields = [
            "order",
            "level1",
            "level2",
            "name",
            "comparator",
            "annual_target",
            "unit",
            "cumulative",
            "light",
        ]


class RowUpdateSerializer(GatedSerializer):
    id = serializers.IntegerField()
    actual_to_date = serializers.CharField(required=False, allow_blank=True, max_length=200)
    qualitative_level = serializers.CharField(required=False, allow_blank=True, max_length=20)
    expected_full_year = serializers.CharField(required=False, allow_blank=True, max_length=200)
    will_be_met = serializers.BooleanField(required=False, allow_null=True)
    deviation_reason = serializers.CharField(required=False, allow_blank=True, max_length=20)
    deviation_explanation = serializers.CharField(required=False, allow_blank=True)
    measures = serializers.CharField(required=False, allow_blank=True)

    class Meta:
        list_serializer_class = api_input.RowList  # "第 2 行缺少 id", in a PATCH too


class MonitoringTableSerializer(ReviewableSerializer):
    subject_name = serializers.CharField(source="subject.name", read_only=True)
    indicators = IndicatorRowSerializer(many=True, read_only=True)
    rows = RowUpdateSerializer(
        many=True, write_only=True, required=False, help_text="要修改的指标行：[{id, actual_to_date, will_be_met, …}]"
    )
    is_late = serializers.BooleanField(read_only=True)

    class Meta:
        model = MonitoringTable
        fields = [
            "id",
            "round",
            "subject",
            "subject_name",
            "target_sheet",
            "available",
            "paid",
            "execution_rate",
            "time_progress",
            "execution_light",
            "target_light",
            "expected_full_year_rate",
            "execution_deviation_reason",
            "execution_measures",
            "contract_status",
            "overall_judgement",
            "other_notes",
            "submitted_at",
            "is_late",
            "indicators",
            "rows",
            *WORKFLOW_FIELDS,
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["round", "subject"]

    def validate(self, attrs):
        rows = attrs.pop("rows", None)
        attrs = super().validate(attrs)
        if rows is not None:
            attrs["rows"] = rows
        return attrs

    def update(self, instance, validated_data):
        request = self.context["request"]
        rows = {r.pop("id"): r for r in validated_data.pop("rows", [])}
        return actions.save_table(
            instance,
            request.user,
            requested_version(request, instance),
            data=validated_data,
            rows=rows,
            reason=self.context.get("reason", ""),
        )


class MonitoringTableViewSet(ReviewableViewSetMixin, GatedModelViewSet):
    """Tables are created by opening a round, never by POST; PATCH is the unit's edit (with ``rows``);
    ``…/submit/``, ``…/approve/``, ``…/return/`` are the review chain."""

    api_description = "绩效目标执行监控表：由开启监控轮次生成，单位填写指标完成情况和偏差原因（PATCH，带 `rows`），按审核流程逐级审核。"

    queryset = MonitoringTable.objects.select_related("subject", "round", "chain").prefetch_related(
        "chain__steps", "indicators"
    )
    serializer_class = MonitoringTableSerializer
    filterset_class = MonitoringTableFilterSet

    def creation_allowed(self, data: dict) -> bool:
        return False


class DisposalSerializer(GatedModelSerializer):
    decision_display = serializers.CharField(source="get_decision_display", read_only=True)
    decided_by_name = serializers.CharField(source="decided_by.__str__", read_only=True)

    class Meta:
        model = Disposal
        fields = [
            "id",
            "warning",
            "decision",
            "decision_display",
            "reason",
            "amount",
            "decided_by",
            "decided_by_name",
            "decided_at",
        ]


class WarningSerializer(GatedModelSerializer):
    rule_code = serializers.CharField(source="rule.code", read_only=True)
    rule_name = serializers.CharField(source="rule.name", read_only=True)
    rule_version = serializers.IntegerField(source="rule.version", read_only=True)
    subject_name = serializers.CharField(source="subject.name", read_only=True)
    disposals = DisposalSerializer(many=True, read_only=True)

    class Meta:
        model = PerformanceWarning
        fields = [
            "id",
            "rule",
            "rule_code",
            "rule_name",
            "rule_version",
            "subject",
            "subject_name",
            "round",
            "table",
            "fiscal_year",
            "as_of",
            "light",
            "message",
            "figures",
            "status",
            "unit_reply",
            "replied_at",
            "dismiss_reason",
            "raised_at",
            "disposals",
        ]


class DisposeSerializer(GatedSerializer):
    decision = serializers.ChoiceField(choices=DisposalDecision.choices)
    reason = serializers.CharField(max_length=2000)
    amount = serializers.DecimalField(max_digits=18, decimal_places=2, required=False, allow_null=True)


class NoteSerializer(GatedSerializer):
    note = serializers.CharField(max_length=2000)


class PerformanceWarningViewSet(ActionGuardMixin, GatedReadOnlyViewSet):
    """Warnings in reach; the unit replies (``…/reply/``), finance disposes (``…/dispose/``) or dismisses."""

    api_description = "绩效预警：单位说明情况（`…/reply/`），财政处置（`…/dispose/`：纠偏、调整预算、暂缓或停止拨款、收回资金）或撤销（`…/dismiss/`）。"

    queryset = PerformanceWarning.objects.select_related("rule", "subject").prefetch_related("disposals")
    serializer_class = WarningSerializer
    filterset_class = PerformanceWarningFilterSet
    guarded_actions = ("reply", "dispose", "dismiss")

    def _run(self, fn):
        try:
            fn()
        except DjangoPermissionDenied as exc:
            raise _denied(exc) from None

    @extend_schema(request=NoteSerializer, summary="单位整改说明")
    @action(detail=True, methods=["post"])
    def reply(self, request, pk=None):
        warning = self.get_object()
        note = api_input.validated(request, NoteSerializer)["note"]
        self._run(lambda: actions.reply(warning, request.user, note))
        return Response(self.get_serializer(warning).data)

    @extend_schema(request=DisposeSerializer, responses=DisposalSerializer, summary="处置预警")
    @action(detail=True, methods=["post"])
    @idempotency.idempotent
    def dispose(self, request, pk=None):
        warning = self.get_object()
        values = api_input.validated(request, DisposeSerializer)
        result = {}
        self._run(
            lambda: result.setdefault(
                "d", actions.dispose(warning, request.user, values["decision"], values["reason"], values.get("amount"))
            )
        )
        return Response(DisposalSerializer(result["d"]).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=ReasonSerializer, summary="核销预警")
    @action(detail=True, methods=["post"])
    def dismiss(self, request, pk=None):
        warning = self.get_object()
        reason = api_input.validated(request, ReasonSerializer)["reason"]
        self._run(lambda: actions.dismiss(warning, request.user, reason))
        return Response(self.get_serializer(warning).data)


class DisposalViewSet(GatedReadOnlyViewSet):
    api_description = "预警处置记录（只读）。"
    queryset = Disposal.objects.select_related("decided_by")
    serializer_class = DisposalSerializer


class HoldSerializer(GatedModelSerializer):
    kind_display = serializers.CharField(source="get_kind_display", read_only=True)
    department_name = serializers.CharField(
        source="department.name",
        read_only=True,
        default=None,
        help_text="作出决定的主管部门；为空表示财政部门（预警处置）",
    )
    decided_by_name = serializers.CharField(source="decided_by.name", read_only=True, default=None)
    subject_name = serializers.CharField(source="subject.name", read_only=True)
    subject_code = serializers.CharField(source="subject.code", read_only=True)

    class Meta:
        model = DisbursementHold
        fields = [
            "id",
            "subject",
            "subject_code",
            "subject_name",
            "kind",
            "kind_display",
            "disposal",
            "department",
            "department_name",
            "reason",
            "decided_by_name",
            "since",
            "applied_at",
            "lifted_at",
            "lift_reason",
        ]
        read_only_fields = ["applied_at"]


class HoldCreateSerializer(GatedSerializer):
    # Only the subjects the user may hold as 主管部门 are accepted; another department's is "不存在" (no leak).
    choice_scopes = {"subject": lambda queryset, user: actions.hold_subject_choices(user) if user else queryset.none()}

    subject = serializers.PrimaryKeyRelatedField(
        queryset=Subject.objects.all(), help_text="项目 id：本部门所属单位已安排预算或执行中的项目"
    )
    kind = serializers.ChoiceField(choices=HoldKind.choices, help_text="suspended 暂缓拨款，stopped 停止拨款")
    reason = serializers.CharField(max_length=2000, help_text="理由：监控发现的问题和整改要求")


class DisbursementHoldViewSet(ActionGuardMixin, GatedReadOnlyViewSet):
    """拨款控制: subjects whose disbursement is suspended or stopped (``?in_force=true``), for the treasury; a 主管部门's
    reviewer holds its own units' subjects (POST)."""

    api_description = (
        "拨款控制：暂缓或停止拨款的项目——财政因预警处置决定，或主管部门对本部门所属单位的项目决定（POST，"
        "《张掖市市级政府购买服务预算绩效管理暂行办法》第二十一条）；`?in_force=true` 只看仍在执行的；"
        "`…/apply/` 国库科确认已执行（applied_at），`…/lift/` 由作出决定的一方解除。"
    )

    queryset = DisbursementHold.objects.select_related("subject", "department", "decided_by")
    serializer_class = HoldSerializer
    guarded_actions = ("lift", "apply")

    def get_queryset(self):
        qs = super().get_queryset()
        if self.request.query_params.get("in_force") in ("true", "1"):
            qs = qs.filter(lifted_at__isnull=True)
        return qs

    @extend_schema(request=HoldCreateSerializer, responses=HoldSerializer, summary="主管部门暂缓或停止所属单位项目拨款")
    @idempotency.idempotent
    def create(self, request, *args, **kwargs):
        if not actions.may_hold(request.user):
            raise exceptions.PermissionDenied("只有主管部门审核人可以暂缓或停止所属单位项目的拨款")
        values = api_input.validated(request, HoldCreateSerializer)
        try:
            made = actions.hold(values["subject"], request.user, values["kind"], values["reason"])
        except DjangoPermissionDenied as exc:
            raise _denied(exc) from None
        return Response(self.get_serializer(made).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=ReasonSerializer, summary="解除拨款控制")
    @action(detail=True, methods=["post"])
    def lift(self, request, pk=None):
        hold = self.get_object()
        try:
            actions.lift_hold(hold, request.user, api_input.validated(request, ReasonSerializer)["reason"])
        except DjangoPermissionDenied as exc:
            raise _denied(exc) from None
        return Response(self.get_serializer(hold).data)

    @extend_schema(request=None, summary="国库科确认已执行拨款控制")
    @action(detail=True, methods=["post"])
    def apply(self, request, pk=None):
        hold = self.get_object()
        try:
            actions.apply_hold(hold, request.user)
        except DjangoPermissionDenied as exc:
            raise _denied(exc) from None
        return Response(self.get_serializer(hold).data)


class WarningRuleSerializer(GatedModelSerializer):
    class Meta:
        model = WarningRule
        fields = ["id", "code", "version", "name", "kind", "params", "is_active", "is_current", "basis", "created_at"]


class WarningRuleViewSet(GatedReadOnlyViewSet):
    api_description = "预警规则（各版本，只读）：由预算绩效管理科在页面上设置，修改即生成新版本。"
    queryset = WarningRule.objects.all()
    serializer_class = WarningRuleSerializer

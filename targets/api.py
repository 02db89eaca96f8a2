"""The API of target sheets, behind the same gate as the pages and calling the same actions: POST creates
a sheet (``create_sheet``), PATCH saves it with its nested indicators and schedule (``save_sheet``),
``…/submit/``, ``…/approve/``, ``…/return/`` are the review chain, ``…/adjust/`` starts an adjustment,
``…/quality/`` runs the automatic review (read-only), ``…/compare/?other=`` compares two versions."""

from __future__ import annotations

from django.urls import reverse
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.decorators import action
from rest_framework.response import Response

from core import access, api_input, idempotency
from core.api import GatedModelSerializer, GatedModelViewSet, GatedReadOnlyViewSet, GatedSerializer
from subjects.models import Subject
from targets import actions, review
from targets.filtersets import TargetSheetFilterSet
from targets.models import (
    GRADE_KEYS,
    GRADES,
    BudgetItem,
    CommonIndicatorSet,
    IndicatorComment,
    RegionalTarget,
    ScheduleStage,
    TargetIndicator,
    TargetSheet,
)
from workflow.api import WORKFLOW_FIELDS, ReviewableSerializer, ReviewableViewSetMixin, requested_version


class TargetIndicatorSerializer(GatedModelSerializer):
    level1_display = serializers.CharField(source="get_level1_display", read_only=True)
    level2_display = serializers.CharField(source="get_level2_display", read_only=True)
    comparator_display = serializers.CharField(source="get_comparator_display", read_only=True)

    class Meta:
        model = TargetIndicator
        fields = [
            "id",
            "horizon",
            "level1",
            "level1_display",
            "level2",
            "level2_display",
            "name",
            "comparator",
            "comparator_display",
            "target_value",
            "unit",
            "weight",
            "data_source",
            "standard",
            "last_year_actual",
            "library_indicator",
            "is_common_required",
            "order",
        ]
        read_only_fields = ["order", "is_common_required"]
        list_serializer_class = api_input.RowList  # the whole list is sent: "第 2 行缺少 name", in a PATCH too


class ScheduleStageSerializer(GatedModelSerializer):
    class Meta:
        model = ScheduleStage
        fields = ["id", "stage", "start", "finish", "order"]
        read_only_fields = ["order"]
        list_serializer_class = api_input.RowList


class BudgetItemSerializer(GatedModelSerializer):
    class Meta:
        model = BudgetItem
        fields = ["id", "name", "previous_amount", "requested_amount", "basis", "order"]
        read_only_fields = ["order"]
        extra_kwargs = {"previous_amount": {"required": False}, "basis": {"required": False}}
        list_serializer_class = api_input.RowList


class PriorGradeSerializer(GatedSerializer):
    """One earlier year of 以前年度绩效评价情况 (seed 003 附件1 填表说明 二（七）1)."""

    year = serializers.IntegerField(min_value=2000, max_value=2100)
    self = serializers.ChoiceField(choices=GRADES, required=False, allow_blank=True, help_text="单位自评等级")
    review = serializers.ChoiceField(choices=GRADES, required=False, allow_blank=True, help_text="财政审核等级")
    key = serializers.ChoiceField(choices=GRADES, required=False, allow_blank=True, help_text="重点评价等级")


class QualityFindingSerializer(GatedSerializer):
    rule = serializers.CharField()
    rule_name = serializers.CharField()
    severity = serializers.CharField()
    message = serializers.CharField()
    indicator = serializers.IntegerField(allow_null=True)


class TargetSheetSerializer(ReviewableSerializer):
    subject = serializers.PrimaryKeyRelatedField(queryset=Subject.objects.none(), help_text="项目 ID")
    subject_name = serializers.CharField(source="subject.name", read_only=True)
    indicators = TargetIndicatorSerializer(many=True, required=False)
    stages = ScheduleStageSerializer(many=True, required=False)
    budget_items = BudgetItemSerializer(many=True, required=False, help_text="支出明细预算（元）")
    prior_grades = PriorGradeSerializer(many=True, required=False, help_text="前三年绩效评价等级")
    findings = QualityFindingSerializer(many=True, read_only=True)
    attachments = serializers.SerializerMethodField(help_text="附件（测算依据等；下载地址经访问控制，页面上传）")
    rule_set_number = serializers.IntegerField(
        source="rule_set.number", read_only=True, default=None, help_text="产生智能审核结果的规则版本号"
    )

    class Meta:
        model = TargetSheet
        fields = [
            "id",
            "subject",
            "subject_name",
            "fiscal_year",
            "revision",
            "previous",
            "adjustment_reason",
            "is_current",
            "long_term_goal",
            "annual_goal",
            "measure_organisation",
            "measure_rules",
            "measure_plan",
            "serves_public",
            "buys_outputs",
            "prior_grades",
            "self_evaluation_year",
            "other_notes",
            "indicators",
            "stages",
            "budget_items",
            "attachments",
            "findings",
            "blocking_count",
            "warning_count",
            "checked_at",
            "rule_set_number",
            *WORKFLOW_FIELDS,
            "created_at",
            "updated_at",
        ]
        read_only_fields = [
            "revision",
            "previous",
            "adjustment_reason",
            "is_current",
            "blocking_count",
            "warning_count",
            "checked_at",
        ]
        extra_kwargs = {"annual_goal": {"required": False}}

    def get_attachments(self, obj) -> list[dict]:
        return [
            {
                "id": a.pk,
                "kind": a.kind,
                "kind_display": a.get_kind_display(),
                "note": a.note,
                "name": str(a),
                "url": reverse("targets:attachment", args=[obj.pk, a.pk]),
            }
            for a in obj.attachments.all()
        ]

    def get_fields(self):
        fields = super().get_fields()
        request = self.context.get("request")
        if request is not None:
            fields["subject"].queryset = access.restrict(Subject.objects.all(), request.user)
        if self.instance is not None and not isinstance(self.instance, list):
            fields["subject"].read_only = True
            fields["fiscal_year"].read_only = True
        return fields

    def validate(self, attrs):
        nested = {k: attrs.pop(k) for k in ("indicators", "stages", "budget_items") if k in attrs}
        if "prior_grades" in attrs:
            attrs["prior_grades"] = [
                {"year": g["year"], **{k: g.get(k, "") for k in GRADE_KEYS}} for g in attrs["prior_grades"]
            ]
        if self.instance is None:
            attrs.setdefault("annual_goal", "")
        attrs = super().validate(attrs)
        attrs.update(nested)
        return attrs

    @staticmethod
    def _rows(validated_data) -> dict:
        return {k: validated_data.pop(k, None) for k in ("indicators", "stages", "budget_items")}

    def create(self, validated_data):
        rows = self._rows(validated_data)
        user = self.context["request"].user
        subject, year = validated_data.pop("subject"), validated_data.pop("fiscal_year", None)
        sheet = actions.create_sheet(subject, user, year, reason=self.context.get("reason", ""))
        if any(v is not None for v in rows.values()) or validated_data:
            sheet = actions.save_sheet(sheet, user, sheet.version, data=validated_data, **rows)
        return sheet

    def update(self, instance, validated_data):
        request = self.context["request"]
        rows = self._rows(validated_data)
        return actions.save_sheet(
            instance,
            request.user,
            requested_version(request, instance),
            data=validated_data,
            reason=self.context.get("reason", ""),
            **rows,
        )


class TargetAdjustSerializer(GatedSerializer):
    reason = serializers.CharField(max_length=2000)


class IndicatorCommentSerializer(GatedModelSerializer):
    class Meta:
        model = IndicatorComment
        fields = [
            "id",
            "sheet",
            "indicator",
            "indicator_label",
            "author_name",
            "step_name",
            "text",
            "resolved",
            "created_at",
        ]
        read_only_fields = ["sheet", "indicator_label", "author_name", "step_name", "resolved", "created_at"]


class RegionalRowSerializer(GatedSerializer):
    region = serializers.IntegerField(help_text="区域（行政区划）ID")
    amount = serializers.DecimalField(max_digits=16, decimal_places=2, required=False, allow_null=True)
    note = serializers.CharField(required=False, allow_blank=True, max_length=500)
    values = serializers.DictField(
        child=serializers.CharField(allow_blank=True), required=False, help_text="{指标 ID: 区域指标值}"
    )

    class Meta:
        list_serializer_class = api_input.RowList

    def validate_values(self, value):
        wrong = [key for key in value if not (str(key).isascii() and str(key).isdigit())]
        if wrong:
            raise serializers.ValidationError(f"values 的键应为指标 ID（整数），收到“{wrong[0]}”")
        return value


class RegionalTargetSerializer(GatedModelSerializer):
    region_name = serializers.CharField(source="region.name", read_only=True)
    region_code = serializers.CharField(source="region.code", read_only=True)
    values = serializers.SerializerMethodField()

    class Meta:
        model = RegionalTarget
        fields = ["id", "sheet", "region", "region_code", "region_name", "amount", "note", "values", "updated_at"]

    def get_values(self, obj) -> list[dict]:
        return [
            {"indicator": v.indicator_id, "name": v.indicator.name, "value": v.value, "unit": v.indicator.unit}
            for v in obj.values.all()
        ]


class TargetSheetViewSet(ReviewableViewSetMixin, GatedModelViewSet):
    api_description = "绩效目标申报表：长期与年度目标、三级指标、实施进度；保存即智能审核，按审核流程逐级审核，批复后只能通过调整生成新版本。"
    queryset = TargetSheet.objects.select_related("subject", "chain").prefetch_related(
        "chain__steps", "indicators", "stages", "budget_items", "attachments"
    )
    serializer_class = TargetSheetSerializer
    filterset_class = TargetSheetFilterSet
    # reviewers (view + review, no change) comment through the workflow guard, as for the chain actions
    transition_actions = (*ReviewableViewSetMixin.transition_actions, "comments")

    def creation_allowed(self, data: dict) -> bool:
        return True  # create_sheet's guard decides (the subject's unit preparer) and audits a refusal

    @extend_schema(
        request=IndicatorCommentSerializer,
        responses=IndicatorCommentSerializer(many=True),
        summary="指标审核意见（GET 列出本表及之前版本的意见；POST 由当前环节审核人提出）",
    )
    @action(detail=True, methods=["get", "post"])
    @idempotency.idempotent
    def comments(self, request, pk=None):
        sheet = self.get_object()
        if request.method == "POST":
            values = api_input.validated(request, IndicatorCommentSerializer)
            comment = actions.add_comment(sheet, request.user, values["text"], values.get("indicator"))
            return Response(IndicatorCommentSerializer(comment).data, status=201)
        return Response(IndicatorCommentSerializer(actions.lineage_comments(sheet), many=True).data)

    @extend_schema(
        request=RegionalRowSerializer(many=True),
        responses=RegionalTargetSerializer(many=True),
        summary="区域分解（GET 查看；POST 保存，仅转移支付整体目标的填报人在可修改状态下）",
    )
    @action(detail=True, methods=["get", "post"])
    def regional(self, request, pk=None):
        sheet = self.get_object()
        if request.method == "POST":
            rows = RegionalRowSerializer(data=request.data, many=True, context={"request": request})
            rows.is_valid(raise_exception=True)
            actions.save_regional(
                sheet, request.user, rows.validated_data, reason=self.request.headers.get("X-Reason", "")
            )
        queryset = sheet.regional_targets.select_related("region").prefetch_related("values__indicator")
        return Response(RegionalTargetSerializer(queryset, many=True).data)

    @extend_schema(request=TargetAdjustSerializer, summary="申请调整（生成新版本）")
    @action(detail=True, methods=["post"])
    @idempotency.idempotent
    def adjust(self, request, pk=None):
        sheet = self.get_object()
        copy = actions.adjust(sheet, request.user, api_input.validated(request, TargetAdjustSerializer)["reason"])
        return Response(self.get_serializer(copy).data, status=201)

    @extend_schema(responses=QualityFindingSerializer(many=True), summary="智能审核（即时运行，不保存）")
    @action(detail=True, methods=["get"])
    def quality(self, request, pk=None):
        return Response(
            QualityFindingSerializer([f.as_dict() for f in review.check(self.get_object())], many=True).data
        )

    @extend_schema(summary="与另一版本对比（?other=ID）")
    @action(detail=True, methods=["get"])
    def compare(self, request, pk=None):
        sheet = self.get_object()
        other_pk = request.query_params.get("other") or sheet.previous_id
        if other_pk is not None and not str(other_pk).isdecimal():
            raise serializers.ValidationError({"other": ["other 应为另一版本的 ID（整数）"]})
        other = (
            self.get_queryset().filter(subject_id=sheet.subject_id, fiscal_year=sheet.fiscal_year, pk=other_pk).first()
        )
        if other is None:
            return Response({"detail": "没有可对比的版本"}, status=404)
        left, right = sorted([sheet, other], key=lambda s: s.revision)
        diff = actions.compare(left, right)
        return Response(
            {
                "left": left.pk,
                "right": right.pk,
                "fields": diff["fields"],
                "changes": [
                    {
                        "kind": r["kind"],
                        "indicator": r["label"],
                        "fields": r["fields"],
                        "left": r["left"].display_value if r["left"] else None,
                        "right": r["right"].display_value if r["right"] else None,
                    }
                    for r in diff["changes"]
                ],
                "budget_changes": [
                    {k: r[k] for k in ("kind", "label", "fields", "left", "right", "left_basis", "right_basis")}
                    for r in diff["budget_changes"]
                ],
            }
        )


class RegionalTargetViewSet(GatedReadOnlyViewSet):
    """区域绩效目标, read-only: those of sheets within reach, and for a region's finance bureau (its sections
    that reach the whole region) the rows of its own region and below (ADR 0012)."""

    api_description = "区域绩效目标（只读）：转移支付整体目标分解到下级区域的指标值和金额。"

    queryset = RegionalTarget.objects.select_related("region").prefetch_related("values__indicator")
    serializer_class = RegionalTargetSerializer

    def get_queryset(self):
        return actions.regional_visible(self.request.user, self.queryset.all()).order_by("pk")


class CommonIndicatorSetSerializer(GatedModelSerializer):
    items = serializers.SerializerMethodField()

    class Meta:
        model = CommonIndicatorSet
        fields = ["id", "region", "fiscal_year", "number", "note", "created_at", "items"]

    def get_items(self, obj) -> list[dict]:
        return [
            {
                "indicator": i.indicator_id,
                "name": i.name,
                "level1": i.level1,
                "level2": i.level2,
                "comparator": i.comparator,
                "unit": i.unit,
            }
            for i in obj.items.all()
        ]


class CommonIndicatorSetViewSet(GatedReadOnlyViewSet):
    """部门整体共性指标 (every version), read-only; changed on the page by the performance section."""

    api_description = "部门整体共性指标（各版本，只读）：财政规定每个部门整体支出绩效目标必须包含的指标，由预算绩效管理科在页面上设置。"

    queryset = CommonIndicatorSet.objects.prefetch_related("items").order_by("-fiscal_year", "region_id", "-number")
    serializer_class = CommonIndicatorSetSerializer

"""The API of target sheets, behind the same gate as the pages and calling the same actions: POST creates
a sheet (``create_sheet``), PATCH saves it with its nested indicators and schedule (``save_sheet``),
``…/submit/``, ``…/approve/``, ``…/return/`` are the review chain, ``…/adjust/`` starts an adjustment,
``…/quality/`` runs the automatic review (read-only), ``…/compare/?other=`` compares two versions."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.decorators import action
from rest_framework.response import Response

from core import access
from core.api import GatedModelViewSet
from subjects.models import Subject
from targets import actions, quality
from targets.filtersets import TargetSheetFilterSet
from targets.models import ScheduleStage, TargetIndicator, TargetSheet
from workflow.api import WORKFLOW_FIELDS, ReviewableSerializer, ReviewableViewSetMixin, requested_version


class TargetIndicatorSerializer(serializers.ModelSerializer):
    level1_display = serializers.CharField(source="get_level1_display", read_only=True)
    level2_display = serializers.CharField(source="get_level2_display", read_only=True)
    comparator_display = serializers.CharField(source="get_comparator_display", read_only=True)

    class Meta:
        model = TargetIndicator
        fields = ["id", "horizon", "level1", "level1_display", "level2", "level2_display", "name", "comparator",
                  "comparator_display", "target_value", "unit", "weight", "data_source", "standard",
                  "last_year_actual", "library_indicator", "order"]
        read_only_fields = ["order"]


class ScheduleStageSerializer(serializers.ModelSerializer):
    class Meta:
        model = ScheduleStage
        fields = ["id", "stage", "start", "finish", "order"]
        read_only_fields = ["order"]


class QualityFindingSerializer(serializers.Serializer):
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
    findings = QualityFindingSerializer(many=True, read_only=True)

    class Meta:
        model = TargetSheet
        fields = ["id", "subject", "subject_name", "fiscal_year", "revision", "previous", "adjustment_reason",
                  "is_current", "long_term_goal", "annual_goal", "measure_organisation", "measure_rules",
                  "measure_plan", "serves_public", "buys_outputs", "indicators", "stages", "findings",
                  "blocking_count", "warning_count", "checked_at", *WORKFLOW_FIELDS, "created_at", "updated_at"]
        read_only_fields = ["revision", "previous", "adjustment_reason", "is_current", "blocking_count",
                            "warning_count", "checked_at"]
        extra_kwargs = {"annual_goal": {"required": False}}

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
        nested = {k: attrs.pop(k) for k in ("indicators", "stages") if k in attrs}
        if self.instance is None:
            attrs.setdefault("annual_goal", "")
        attrs = super().validate(attrs)
        attrs.update(nested)
        return attrs

    def create(self, validated_data):
        indicators, stages = validated_data.pop("indicators", None), validated_data.pop("stages", None)
        user = self.context["request"].user
        subject, year = validated_data.pop("subject"), validated_data.pop("fiscal_year", None)
        sheet = actions.create_sheet(subject, user, year, reason=self.context.get("reason", ""))
        if indicators is not None or stages is not None or validated_data:
            sheet = actions.save_sheet(sheet, user, sheet.version, data=validated_data, indicators=indicators,
                                       stages=stages)
        return sheet

    def update(self, instance, validated_data):
        request = self.context["request"]
        indicators, stages = validated_data.pop("indicators", None), validated_data.pop("stages", None)
        return actions.save_sheet(instance, request.user, requested_version(request, instance), data=validated_data,
                                  indicators=indicators, stages=stages, reason=self.context.get("reason", ""))


class TargetAdjustSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=2000)


class TargetSheetViewSet(ReviewableViewSetMixin, GatedModelViewSet):
    queryset = (TargetSheet.objects.select_related("subject", "chain")
                .prefetch_related("chain__steps", "indicators", "stages"))
    serializer_class = TargetSheetSerializer
    filterset_class = TargetSheetFilterSet

    def creation_allowed(self, data: dict) -> bool:
        return True  # create_sheet's guard decides (the subject's unit preparer) and audits a refusal

    @extend_schema(request=TargetAdjustSerializer, summary="申请调整（生成新版本）")
    @action(detail=True, methods=["post"])
    def adjust(self, request, pk=None):
        sheet = self.get_object()
        data = TargetAdjustSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        copy = actions.adjust(sheet, request.user, data.validated_data["reason"])
        return Response(self.get_serializer(copy).data, status=201)

    @extend_schema(responses=QualityFindingSerializer(many=True), summary="智能审核（即时运行，不保存）")
    @action(detail=True, methods=["get"])
    def quality(self, request, pk=None):
        return Response(QualityFindingSerializer([f.as_dict() for f in quality.check(self.get_object())], many=True).data)

    @extend_schema(summary="与另一版本对比（?other=ID）")
    @action(detail=True, methods=["get"])
    def compare(self, request, pk=None):
        sheet = self.get_object()
        other = self.get_queryset().filter(subject_id=sheet.subject_id, fiscal_year=sheet.fiscal_year,
                                           pk=request.query_params.get("other") or sheet.previous_id).first()
        if other is None:
            return Response({"detail": "没有可对比的版本"}, status=404)
        left, right = sorted([sheet, other], key=lambda s: s.revision)
        diff = actions.compare(left, right)
        return Response({"left": left.pk, "right": right.pk,
                         "fields": diff["fields"],
                         "changes": [{"kind": r["kind"], "indicator": r["label"], "fields": r["fields"],
                                      "left": r["left"].display_value if r["left"] else None,
                                      "right": r["right"].display_value if r["right"] else None}
                                     for r in diff["changes"]]})

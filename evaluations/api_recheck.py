"""The API of finance's spot re-check (抽查复核): samples (list, detail, the draw, the discrepancy report) and re-checks
(list, detail, PATCH = save, submit, assign, and the re-check of a given self-evaluation) — behind the same gate as the
pages and calling the same ``evaluations.recheck_actions``. The unit's scores are omitted until a re-check is
submitted (independent scoring)."""

from __future__ import annotations

from decimal import Decimal

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import Count
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import exceptions, mixins, serializers, status
from rest_framework.decorators import action
from rest_framework.response import Response

from accounts.models import User
from core import access, api_input
from core.api import GatedModelSerializer, GatedReadOnlyViewSet, GatedSerializer
from evaluations import discrepancy, recheck_actions
from evaluations.choices import Band, SampleMethod
from evaluations.models import (
    RecheckIndicator,
    RecheckItem,
    RecheckSample,
    SelfEvaluation,
    SelfEvaluationRound,
)
from evaluations.recheck_filtersets import RecheckItemFilterSet
from evaluations.recheck_forms import SEED_MAX
from evaluations.recheck_tables import reason_label, who
from organisations.models import Organisation
from workflow.actions import StaleDocument

SELF_FIELDS = ("self_score", "self_grade", "difference")


def _conflict(exc: StaleDocument) -> Response:
    return Response({"detail": exc.message, "code": "stale"}, status=status.HTTP_409_CONFLICT)


# ---------------------------------------------------------------------------------------------- samples


def _fraction(value, label: str):
    if value <= 0 or value > 1:
        raise serializers.ValidationError(f"{label}须大于 0、不超过 1（即 100%）")
    return value


class RecheckSampleSerializer(GatedModelSerializer):
    round = serializers.PrimaryKeyRelatedField(
        queryset=SelfEvaluationRound.objects.all(), help_text="自评轮次 id（每轮只抽样一次）"
    )
    round_name = serializers.CharField(source="round.name", read_only=True)
    method = serializers.ChoiceField(choices=SampleMethod.choices, default=SampleMethod.STRATIFIED)
    share = serializers.DecimalField(
        max_digits=5, decimal_places=4, default=Decimal("0.20"), help_text="抽查比例，小数（0.2 即 20%）"
    )
    minimum = serializers.IntegerField(default=2, min_value=1, max_value=32767, help_text="每部门至少抽查")
    seed = serializers.IntegerField(
        required=False,
        allow_null=True,
        min_value=0,
        max_value=SEED_MAX,
        help_text="随机种子；不填则随机生成并记录，同一种子可重现同一样本",
    )
    threshold_points = serializers.DecimalField(max_digits=6, decimal_places=2, default=Decimal("10"))
    grade_differs = serializers.BooleanField(default=True)
    flag_gap = serializers.DecimalField(
        max_digits=5, decimal_places=4, default=Decimal("0.50"), help_text="未复核提示线，小数（0.5 即 50%）"
    )
    drawn_by_name = serializers.SerializerMethodField()
    item_count = serializers.SerializerMethodField()

    class Meta:
        model = RecheckSample
        fields = [
            "id",
            "round",
            "round_name",
            "method",
            "share",
            "minimum",
            "seed",
            "threshold_points",
            "grade_differs",
            "flag_gap",
            "candidates",
            "item_count",
            "drawn_by_name",
            "drawn_at",
        ]
        read_only_fields = ["candidates", "drawn_at"]

    def validate_share(self, value):
        return _fraction(value, "抽查比例")

    def validate_flag_gap(self, value):
        return _fraction(value, "未复核提示线")

    def validate_threshold_points(self, value):
        if value <= 0 or value > 100:
            raise serializers.ValidationError("差异分值须大于 0、不超过 100（分）")
        return value

    def get_drawn_by_name(self, obj) -> str:
        return (obj.drawn_by.name or obj.drawn_by.username) if obj.drawn_by_id else ""

    def get_item_count(self, obj) -> int:
        counted = getattr(obj, "item_total", None)  # annotated by the list (one query, not one per sample)
        return obj.items.count() if counted is None else counted


class RecheckSampleViewSet(mixins.CreateModelMixin, GatedReadOnlyViewSet):
    api_description = (
        "抽查复核样本：预算绩效管理科对本级自评轮次抽样（POST，每轮一次；share、flag_gap 为小数），按部门抽取已报送的自评表，"
        "金额最大的必抽；随机种子记录在案，可重现样本。`…/report/` 为通报事项：差异较大、未按要求开展自评、抽评结果为差、未复核提示。"
    )
    queryset = RecheckSample.objects.select_related("round", "drawn_by")
    serializer_class = RecheckSampleSerializer

    def get_queryset(self):
        samples = super().get_queryset()
        if self.action != "list":
            return samples
        # Meta.ordering does not apply to an aggregate's GROUP BY: name it again.
        return samples.annotate(item_total=Count("items")).order_by(*RecheckSample._meta.ordering)

    def perform_create(self, serializer):
        data = dict(serializer.validated_data)
        evaluation_round = data.pop("round")
        if RecheckSample.objects.filter(round=evaluation_round).exists():
            raise exceptions.ValidationError({"round": ["本轮自评已经抽样"]})
        try:
            serializer.instance = recheck_actions.draw_sample(self.request.user, evaluation_round, **data)
        except DjangoPermissionDenied as exc:
            raise exceptions.PermissionDenied(str(exc)) from None

    @extend_schema(summary="通报事项（差异较大、未按要求开展自评、抽评结果为差、未复核提示）")
    @action(detail=True, methods=["get"])
    def report(self, request, pk=None):
        sample = self.get_object()
        found = discrepancy.report(sample, request.user)
        rechecked, by_unit = found.graded_poor

        def item_row(item):
            return {
                "recheck": item.pk,
                "evaluation": item.evaluation_id,
                "subject": item.evaluation.subject.name,
                "unit": item.evaluation.organisation.name,
                "self_score": _text(item.self_score),
                "recheck_score": _text(item.total_score),
                "difference": _text(item.difference),
                "self_grade": item.self_grade,
                "grade": item.grade,
            }

        def form_row(form):
            return {
                "evaluation": form.pk,
                "subject": form.subject.name,
                "unit": form.organisation.name,
                "self_score": _text(form.total_score),
                "indicator_score": _text(form.indicator_score),
                "execution_score": _text(form.execution_score),
                "grade": form.grade,
            }

        return Response(
            {
                "large_gaps": [item_row(i) for i in found.large_gaps],
                "not_self_evaluated": [
                    {"department": r["department_id"], "name": r["department__name"], "unsubmitted": r["unsubmitted"]}
                    for r in found.not_self_evaluated
                ],
                "graded_poor": {
                    "rechecked": [item_row(i) for i in rechecked],
                    "by_unit": [form_row(f) for f in by_unit],
                },
                "flagged": {
                    "rule": discrepancy.FLAG_RULE,
                    "line": _text(sample.flag_gap),
                    "forms": [form_row(f) for f in found.flagged],
                },
            }
        )


def _text(value):
    return None if value is None else f"{value}"


# ---------------------------------------------------------------------------------------------- re-checks


class RecheckRowSerializer(GatedModelSerializer):
    """One indicator of the re-check: the form's row (target, the unit's actual and reasons), the re-checker's values
    and score; the unit's row score only once the re-check is submitted."""

    row = serializers.IntegerField(source="row_id", read_only=True, help_text="自评表指标行 id（保存时以此对应）")
    name = serializers.CharField(source="row.name", read_only=True)
    kind = serializers.CharField(source="row.kind", read_only=True)
    target_value = serializers.CharField(source="row.target_value", read_only=True)
    unit = serializers.CharField(source="row.unit", read_only=True)
    weight = serializers.DecimalField(source="row.weight", max_digits=6, decimal_places=2, read_only=True)
    unit_actual = serializers.CharField(source="row.actual", read_only=True, help_text="单位填报的全年实际值")
    deviation_reason = serializers.CharField(source="row.deviation_reason", read_only=True)
    improvement = serializers.CharField(source="row.improvement", read_only=True)
    self_score = serializers.SerializerMethodField(help_text="单位该指标的自评得分（复核提交后才有）")

    class Meta:
        model = RecheckIndicator
        fields = [
            "row",
            "name",
            "kind",
            "target_value",
            "unit",
            "weight",
            "unit_actual",
            "deviation_reason",
            "improvement",
            "actual",
            "applicable",
            "surveyed",
            "band",
            "share",
            "score",
            "explanation",
            "self_score",
        ]
        read_only_fields = fields

    def get_self_score(self, obj) -> str | None:
        return _text(obj.row.score) if recheck_actions.shows_self_score(None, obj.item) else None


class RecheckRowUpdateSerializer(GatedSerializer):
    row = serializers.IntegerField(help_text="自评表指标行 id")
    actual = serializers.CharField(required=False, allow_blank=True, max_length=200)
    applicable = serializers.BooleanField(required=False)
    surveyed = serializers.BooleanField(required=False)
    band = serializers.ChoiceField(choices=Band.choices, required=False, allow_blank=True)
    share = serializers.DecimalField(
        max_digits=5, decimal_places=2, required=False, allow_null=True, min_value=0, max_value=100
    )

    class Meta:
        list_serializer_class = api_input.RowList  # "第 2 行缺少 row", in a PATCH too


class RecheckSerializer(GatedModelSerializer):
    subject = serializers.CharField(source="evaluation.subject.name", read_only=True)
    unit = serializers.CharField(source="evaluation.organisation.name", read_only=True)
    department_name = serializers.CharField(source="department.name", read_only=True, default="")
    reason_display = serializers.SerializerMethodField()
    rechecker_display = serializers.SerializerMethodField()
    status_display = serializers.CharField(source="get_status_display", read_only=True)
    budget = serializers.DecimalField(source="evaluation.budget", max_digits=16, decimal_places=2, read_only=True)
    paid = serializers.DecimalField(source="evaluation.paid", max_digits=16, decimal_places=2, read_only=True)
    execution_rate = serializers.DecimalField(
        source="evaluation.execution_rate", max_digits=9, decimal_places=6, read_only=True
    )
    difference = serializers.DecimalField(max_digits=7, decimal_places=2, read_only=True)
    indicators = RecheckRowSerializer(many=True, read_only=True)
    rows = RecheckRowUpdateSerializer(many=True, write_only=True, required=False, help_text="保存的复核指标值")
    version = serializers.IntegerField(help_text="读取时的版本号（乐观锁；已变化时 409）")
    opinion = serializers.CharField(required=False, allow_blank=True, max_length=5000)

    class Meta:
        model = RecheckItem
        fields = [
            "id",
            "sample",
            "evaluation",
            "subject",
            "unit",
            "department",
            "department_name",
            "reason",
            "reason_display",
            "rechecker",
            "agency",
            "rechecker_display",
            "status",
            "status_display",
            "budget",
            "paid",
            "execution_rate",
            "self_score",
            "self_grade",
            "execution_score",
            "indicator_score",
            "total_score",
            "grade",
            "difference",
            "opinion",
            "submitted_at",
            "version",
            "indicators",
            "rows",
        ]
        read_only_fields = [
            "sample",
            "evaluation",
            "department",
            "reason",
            "rechecker",
            "agency",
            "status",
            "self_score",
            "self_grade",
            "execution_score",
            "indicator_score",
            "total_score",
            "grade",
            "submitted_at",
        ]

    def get_reason_display(self, obj) -> str:
        return reason_label(obj.reason)

    def get_rechecker_display(self, obj) -> str:
        return who(obj)

    def to_representation(self, instance):
        data = super().to_representation(instance)
        if not recheck_actions.shows_self_score(None, instance):
            for name in SELF_FIELDS:
                data.pop(name, None)  # blind until submitted: not even as null
        return data

    def update(self, instance, validated_data):
        request = self.context["request"]
        if "version" not in validated_data:
            raise exceptions.ValidationError({"version": ["请提供读取时的版本号（version）"]})
        rows = {}
        for row in validated_data.get("rows", []):
            row = dict(row)
            rows[row.pop("row")] = row
        return recheck_actions.save_recheck(
            request.user,
            instance,
            validated_data["version"],
            rows=rows,
            opinion=validated_data.get("opinion"),
        )


class VersionSerializer(GatedSerializer):
    version = serializers.IntegerField(help_text="读取时的版本号")


class AssignSerializer(GatedSerializer):
    rechecker = serializers.PrimaryKeyRelatedField(
        queryset=User.objects.all(), required=False, allow_null=True, help_text="复核人员（本级预算绩效管理科）"
    )
    agency = serializers.PrimaryKeyRelatedField(
        queryset=Organisation.objects.all(), required=False, allow_null=True, help_text="受托第三方机构"
    )


class RecheckViewSet(mixins.UpdateModelMixin, GatedReadOnlyViewSet):
    api_description = (
        "抽查复核：复核人员（本级预算绩效管理科，或受托第三方机构，仅见受托事项）独立复核抽中的自评表。单位的自评得分、等级和差异"
        "在复核提交前不返回。PATCH 保存复核值（rows 以自评表指标行 id 对应，带 version；版本已变化时 409），`…/submit/` 提交，"
        "`…/assign/` 指派，`for-evaluation/?evaluation=<自评表 id>` 取该自评表的复核（未被抽中的 400）。"
    )
    queryset = RecheckItem.objects.select_related(
        "evaluation__subject", "evaluation__organisation", "department", "agency", "rechecker__organisation"
    ).prefetch_related("indicators__row")  # the prefetch sets each row's item: no query per row
    serializer_class = RecheckSerializer
    filterset_class = RecheckItemFilterSet
    http_method_names = ["get", "post", "patch", "head", "options"]

    def handle_exception(self, exc):
        if isinstance(exc, StaleDocument):
            return _conflict(exc)
        return super().handle_exception(exc)

    def check_object_permissions(self, request, obj):
        return  # who may save, submit or assign is recheck_actions' question (refusals audited)

    def partial_update(self, request, *args, **kwargs):
        api_input.body_dict(request)
        return super().partial_update(request, *args, **kwargs)

    def update(self, request, *args, **kwargs):
        if not kwargs.get("partial"):
            raise exceptions.MethodNotAllowed(request.method)
        try:
            return super().update(request, *args, **kwargs)
        except DjangoPermissionDenied as exc:
            raise exceptions.PermissionDenied(str(exc)) from None

    @extend_schema(request=VersionSerializer, summary="提交复核")
    @action(detail=True, methods=["post"])
    def submit(self, request, pk=None):
        item = self.get_object()
        version = api_input.validated(request, VersionSerializer)["version"]
        try:
            item = recheck_actions.submit_recheck(request.user, item, version)
        except DjangoPermissionDenied as exc:
            raise exceptions.PermissionDenied(str(exc)) from None
        return Response(self.get_serializer(self._fresh(item)).data)

    @extend_schema(request=AssignSerializer, summary="指派复核人员或受托第三方机构")
    @action(detail=True, methods=["post"])
    def assign(self, request, pk=None):
        item = self.get_object()
        values = api_input.validated(request, AssignSerializer)
        try:
            recheck_actions.assign(request.user, item, rechecker=values.get("rechecker"), agency=values.get("agency"))
        except DjangoPermissionDenied as exc:
            raise exceptions.PermissionDenied(str(exc)) from None
        return Response(self.get_serializer(self._fresh(item)).data)

    @extend_schema(
        summary="取某份自评表的复核（未被抽中的返回 400）",
        parameters=[OpenApiParameter("evaluation", int, required=True, description="自评表 id")],
    )
    @action(detail=False, methods=["get"], url_path="for-evaluation")
    def for_evaluation(self, request):
        raw = request.query_params.get("evaluation", "")
        if not raw.isdecimal() or not raw.isascii() or len(raw) > 18:
            raise exceptions.ValidationError({"evaluation": ["请提供自评表 id（整数）"]})
        form = access.get_object_or_404(
            SelfEvaluation.objects.select_related("subject", "round"), request.user, pk=int(raw)
        )
        sample = RecheckSample.objects.filter(round_id=form.round_id).first()
        if sample is None:
            raise exceptions.ValidationError({"evaluation": ["本轮自评尚未抽样，不能复核"]})
        try:
            item = recheck_actions.item_for(sample, form)
        except DjangoValidationError as exc:
            raise exceptions.ValidationError({"evaluation": exc.messages}) from None
        item = access.get_object_or_404(self.get_queryset(), request.user, pk=item.pk)
        return Response(self.get_serializer(item).data)

    def _fresh(self, item):
        return self.get_queryset().get(pk=item.pk)

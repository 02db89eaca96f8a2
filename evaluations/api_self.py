"""The API of the self-evaluation forms (单位自评表, issue 13): list with filters, detail with the indicator rows and
their scores, the unit's PATCH through ``self_actions.save_form``, the live score of typed values with nothing saved,
and the review chain — behind the same gate as the pages and calling the same actions. The rounds are in
``evaluations.api_self_rounds``."""

from __future__ import annotations

from django.core.exceptions import ValidationError as DjangoValidationError
from drf_spectacular.utils import extend_schema
from rest_framework import exceptions, serializers
from rest_framework.decorators import action
from rest_framework.response import Response

from core import api_input
from core.api import GatedModelSerializer, GatedModelViewSet, GatedSerializer
from evaluations import form_scoring, self_actions
from evaluations.api_errors import ROW_KEY, invalid
from evaluations.choices import Band, FourE
from evaluations.models import SelfEvaluation, SelfEvaluationIndicator
from evaluations.self_filtersets import SelfEvaluationFilterSet
from workflow.api import WORKFLOW_FIELDS, ReviewableSerializer, ReviewableViewSetMixin

# ---------------------------------------------------------------------------------------------- forms


class SelfIndicatorRowSerializer(GatedModelSerializer):
    kind_display = serializers.CharField(source="get_kind_display", read_only=True)
    band_display = serializers.CharField(source="get_band_display", read_only=True)
    dimension_display = serializers.CharField(source="get_dimension_display", read_only=True)

    class Meta:
        model = SelfEvaluationIndicator
        fields = [
            "id",
            "order",
            "level1",
            "level2",
            "name",
            "kind",
            "kind_display",
            "target_value",
            "unit",
            "weight",
            "actual",
            "applicable",
            "surveyed",
            "band",
            "band_display",
            "share",
            "dimension",
            "dimension_display",
            "score",
            "explanation",
            "deviation_reason",
            "improvement",
        ]
        read_only_fields = fields


class SelfRowUpdateSerializer(GatedSerializer):
    """One indicator row as the unit types it; the values are checked again by ``self_actions.clean_row_values``
    (a non-number actual of a quantitative indicator is refused naming the row)."""

    id = serializers.IntegerField(help_text="指标行 id", error_messages={"invalid": "指标行 id 应为整数"})
    actual = serializers.CharField(required=False, allow_blank=True, allow_null=True, max_length=200)
    applicable = serializers.BooleanField(required=False, help_text="不适用的指标不计分")
    surveyed = serializers.BooleanField(required=False, help_text="满意度指标：是否开展了满意度调查")
    band = serializers.ChoiceField(
        choices=Band.choices,
        required=False,
        allow_blank=True,
        help_text="定性指标的评价档次",
        error_messages={"invalid_choice": "评价档次“{input}”无效"},
    )
    share = serializers.DecimalField(
        max_digits=5,
        decimal_places=2,
        required=False,
        allow_null=True,
        min_value=0,
        max_value=100,
        help_text="档次内得分比例（%，0–100）",
    )
    deviation_reason = serializers.CharField(required=False, allow_blank=True, max_length=2000)
    improvement = serializers.CharField(required=False, allow_blank=True, max_length=2000)
    dimension = serializers.ChoiceField(
        choices=FourE.choices,
        required=False,
        allow_blank=True,
        help_text="4E 维度（只用于按 4E 方案计分的政府购买服务自评表）：economy 经济性、efficiency 效率性、"
        "effectiveness 有效性、equity 公平性",
        error_messages={
            "invalid_choice": "“4E 维度”“{input}”无效，应为 economy（经济性）、efficiency（效率性）、"
            "effectiveness（有效性）、equity（公平性）之一"
        },
    )

    class Meta:
        list_serializer_class = api_input.RowList  # "第 2 行缺少 id", in a PATCH too


def typed_rows(form, rows: list[dict]) -> dict:
    """{row id: {field: value}} of validated rows, each of the form's own (else 400 naming the id)."""
    own = set(form.indicators.values_list("pk", flat=True))
    typed = {}
    for row in rows:
        values = dict(row)
        row_id = values.pop("id")
        if row_id not in own:
            raise exceptions.ValidationError({ROW_KEY: [f"指标行 {row_id} 不属于该自评表"]})
        typed.setdefault(row_id, {}).update(values)
    return typed


class SelfEvaluationListSerializer(ReviewableSerializer):
    round_name = serializers.CharField(source="round.name", read_only=True)
    subject_code = serializers.CharField(source="subject.code", read_only=True)
    subject_name = serializers.CharField(source="subject.name", read_only=True)
    organisation_name = serializers.CharField(source="organisation.name", read_only=True)
    department_name = serializers.CharField(source="department.name", read_only=True, default="")
    town_name = serializers.CharField(source="town.name", read_only=True, default="")
    kind = serializers.CharField(read_only=True, help_text="自评类型（代码），名称见 kind_display")
    kind_display = serializers.CharField(source="get_kind_display", read_only=True)
    stage = serializers.CharField(
        read_only=True, help_text="评价阶段：annual 年度自评，stage 阶段性自评，full_cycle 全周期自评"
    )
    is_late = serializers.BooleanField(read_only=True, help_text="逾期未报或逾期报送")

    class Meta:
        model = SelfEvaluation
        fields = [
            "id",
            "round",
            "round_name",
            "fiscal_year",
            "subject",
            "subject_code",
            "subject_name",
            "organisation",
            "organisation_name",
            "department",
            "department_name",
            "town",
            "town_name",
            "kind",
            "kind_display",
            "stage",
            "budget",
            "paid",
            "execution_rate",
            "execution_score",
            "indicator_score",
            "total_score",
            "grade",
            "submitted_at",
            "approved_at",
            "is_late",
            *WORKFLOW_FIELDS,
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields


class SelfEvaluationSerializer(SelfEvaluationListSerializer):
    """The form with its indicator rows; PATCH is the unit's edit (``self_actions.save_form``, ``version`` required)."""

    indicators = SelfIndicatorRowSerializer(many=True, read_only=True)
    scheme_kind = serializers.CharField(
        source="scheme.kind",
        read_only=True,
        help_text="national 单位自评方案；four_e 政府购买服务 4E 方案（各行须有 dimension）",
    )
    rows = SelfRowUpdateSerializer(
        many=True,
        write_only=True,
        required=False,
        help_text="要修改的指标行：[{id, actual, applicable, surveyed, band, share, deviation_reason, improvement, "
        "dimension（4E 自评表）}]",
    )
    version = serializers.IntegerField(
        min_value=1,
        help_text="读取时的版本号（乐观锁；已被他人修改时 409）",
        error_messages={"required": "请提供读取时的版本号（version）", "invalid": "版本号应为整数"},
    )

    class Meta(SelfEvaluationListSerializer.Meta):
        fields = [
            *SelfEvaluationListSerializer.Meta.fields[:-2],
            "target_sheet",
            "scheme",
            "scheme_kind",
            *self_actions.FORM_FIELDS,  # the narrative of the 绩效报告 (seed 003 附件4), in the outline's order
            "indicators",
            "rows",
            "created_at",
            "updated_at",
        ]
        read_only_fields = [f for f in fields if f not in (*self_actions.FORM_FIELDS, "rows", "version")]

    def validate(self, attrs):
        rows = attrs.pop("rows", None)
        version = attrs.pop("version", None)
        if version is None:  # a PATCH is partial: DRF does not ask for required fields
            raise serializers.ValidationError({"version": ["请提供读取时的版本号（version）"]})
        attrs = super().validate(attrs)
        if rows is not None:
            attrs["rows"] = rows
        attrs["version"] = version
        return attrs

    def update(self, instance, validated_data):
        rows = typed_rows(instance, validated_data.pop("rows", []))
        version = validated_data.pop("version")
        try:
            return self_actions.save_form(
                instance,
                self.context["request"].user,
                version,
                data=validated_data,
                rows=rows,
                reason=self.context.get("reason", ""),
            )
        except DjangoValidationError as exc:
            raise invalid(exc) from None


class SelfScoreRequestSerializer(GatedSerializer):
    rows = SelfRowUpdateSerializer(
        many=True, required=False, help_text="正在填写的指标行（未列出的按已保存的值）：[{id, actual, band, share, …}]"
    )


class SelfScoredRowSerializer(GatedSerializer):
    id = serializers.IntegerField(help_text="指标行 id")
    name = serializers.CharField(help_text="三级指标")
    weight = serializers.DecimalField(max_digits=6, decimal_places=2, help_text="分值")
    score = serializers.DecimalField(max_digits=6, decimal_places=2, allow_null=True, help_text="得分")
    explanation = serializers.CharField(help_text="计分说明")
    needs_reason = serializers.BooleanField(help_text="偏差较大或未完成：须填写偏差原因和改进措施")
    deviation = serializers.CharField(help_text="偏差说明")
    dimension = serializers.CharField(allow_blank=True, help_text="4E 维度（代码；4E 自评表才有）")
    scored_weight = serializers.DecimalField(
        max_digits=6, decimal_places=2, help_text="计分所用分值：4E 自评表为按维度分值比例折算后的分值"
    )


class SelfScoreDimensionSerializer(GatedSerializer):
    code = serializers.CharField(help_text="economy、efficiency、effectiveness、equity")
    label = serializers.CharField(help_text="经济性、效率性、有效性、公平性")
    score = serializers.DecimalField(max_digits=6, decimal_places=2, allow_null=True, help_text="维度得分")
    full = serializers.DecimalField(max_digits=6, decimal_places=2, help_text="维度分值")
    explanation = serializers.CharField(help_text="计分说明")


class SelfScoreSerializer(GatedSerializer):
    """The engine's score of typed values (nothing saved)."""

    execution_score = serializers.DecimalField(
        max_digits=6, decimal_places=2, allow_null=True, help_text="预算执行率得分"
    )
    execution_full = serializers.DecimalField(max_digits=6, decimal_places=2, help_text="预算执行率分值")
    execution_explanation = serializers.CharField(help_text="预算执行计分说明")
    indicator_score = serializers.DecimalField(
        max_digits=6, decimal_places=2, allow_null=True, help_text="绩效指标得分"
    )
    indicator_full = serializers.DecimalField(max_digits=6, decimal_places=2, help_text="绩效指标分值")
    total_score = serializers.DecimalField(
        max_digits=6, decimal_places=2, allow_null=True, help_text="自评得分；有问题时为空"
    )
    grade = serializers.CharField(help_text="自评等级；有问题时为空")
    problems = serializers.ListField(child=serializers.CharField(), help_text="暂不能计算总分的原因")
    deviation_missing = serializers.ListField(
        child=serializers.CharField(), help_text="报送前须补充偏差原因和改进措施的指标"
    )
    rows = SelfScoredRowSerializer(many=True)
    dimensions = SelfScoreDimensionSerializer(
        many=True, help_text="按 4E 方案计分时四个维度的小计（预算执行率不单独计分）；其他自评表为空"
    )


def score_of(form, typed: dict) -> dict:
    """What ``form_scoring.score_form`` gives on the stored rows with ``typed`` over them, as the API answers it."""
    rows = list(form.indicators.all())
    score = form_scoring.score_form(form, rows, typed)
    execution, indicators = score.execution, score.indicators
    return {
        "execution_score": execution.score,
        "execution_full": execution.full,
        "execution_explanation": execution.explanation,
        "indicator_score": indicators.total,
        "indicator_full": indicators.full,
        "total_score": score.evaluation.total,
        "grade": score.evaluation.grade,
        "problems": [p.message for p in score.problems],
        "deviation_missing": form_scoring.deviation_problems(score, typed),
        "rows": [
            {
                "id": row.pk,
                "name": row.name,
                "weight": row.weight,
                "score": row.result.score if row.result is not None else None,
                "explanation": row.result.explanation if row.result is not None else "",
                "needs_reason": row.deviation.needs_reason,
                "deviation": row.deviation.explanation,
                "dimension": form_scoring.dimension_of(row, typed.get(row.pk)) if score.dimensions else "",
                "scored_weight": row.scored_weight,
            }
            for row in score.rows
        ],
        "dimensions": [
            {"code": d.code, "label": d.label, "score": d.total, "full": d.full, "explanation": d.explanation}
            for d in score.dimensions
        ],
    }


class SelfEvaluationViewSet(ReviewableViewSetMixin, GatedModelViewSet):
    """Forms are created by opening a round, never by POST; PATCH is the unit's edit (with ``rows`` and ``version``);
    ``…/score/`` scores typed values without saving; ``…/submit/``, ``…/approve/``, ``…/return/`` are the chain."""

    api_description = (
        "绩效自评表（项目支出绩效自评表）：由开启单位自评生成，预算数、执行数和执行率来自国库数据。单位填写绩效报告的文字部分"
        "（`main_content` 项目主要内容、`plan_adjustment` 计划调整、`goal_completion` 年度总体目标完成情况、`management` 管理"
        "制度、`variance_reason` 资金超支（节约）原因、`social_impact` 社会影响、`experience` 经验、`problems` 问题、"
        "`measures` 改进措施，各不超过 5000 字）和各项指标的全年实际值、偏差原因和改进措施（PATCH，带 `rows` 和 `version`；"
        "版本已变化时 409），得分由服务器"
        "按评价方案重新计算；`…/score/` 按正在填写的值试算得分（不保存）；按审核流程报送、逐级审核（`…/submit/`、"
        "`…/approve/`、`…/return/`）。"
    )

    queryset = SelfEvaluation.objects.select_related(
        "round", "subject", "organisation", "department", "town", "scheme", "chain"
    ).prefetch_related("chain__steps", "indicators")
    serializer_class = SelfEvaluationSerializer
    filterset_class = SelfEvaluationFilterSet
    http_method_names = ["get", "post", "patch", "head", "options"]
    transition_actions = (*ReviewableViewSetMixin.transition_actions, "score")

    def get_serializer_class(self):
        return SelfEvaluationListSerializer if self.action == "list" else SelfEvaluationSerializer

    def get_queryset(self):
        forms = super().get_queryset()
        if self.action == "list":
            # The list shows no rows: no prefetch of them; the order follows the (fiscal_year, organisation) index.
            return (
                forms.prefetch_related(None)
                .prefetch_related("chain__steps")
                .order_by("-fiscal_year", "-organisation_id", "-pk")
            )
        return forms

    def creation_allowed(self, data: dict) -> bool:
        return False

    @extend_schema(exclude=True)
    def create(self, request, *args, **kwargs):
        raise exceptions.MethodNotAllowed(request.method, detail="绩效自评表由开启单位自评生成，不能直接新增")

    def partial_update(self, request, *args, **kwargs):
        api_input.body_dict(request)
        return super().partial_update(request, *args, **kwargs)

    @extend_schema(request=SelfScoreRequestSerializer, responses=SelfScoreSerializer, summary="试算得分（不保存）")
    @action(detail=True, methods=["post"])
    def score(self, request, pk=None):
        form = self.get_object()
        values = api_input.validated(request, SelfScoreRequestSerializer)
        return Response(SelfScoreSerializer(score_of(form, typed_rows(form, values.get("rows", [])))).data)

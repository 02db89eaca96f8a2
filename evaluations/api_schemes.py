"""The API of the evaluation schemes: every version, read by every signed-in user (the gate: public read), and the
page's "new version / clone for my region" as ``POST …/{id}/new-version/``, calling the same action
(``evaluations.actions.publish_scheme``: guarded, audited, validated by the model's ``clean()``)."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django_filters import rest_framework as filters
from drf_spectacular.utils import extend_schema
from rest_framework import exceptions, serializers, status
from rest_framework.decorators import action
from rest_framework.response import Response

from core import api_input, clock, idempotency
from core.api import GatedModelSerializer, GatedReadOnlyViewSet
from core.filters import GatedFilterSet
from evaluations import actions
from evaluations.models import EvaluationScheme
from organisations.models import Region

NUMBERS = [
    "execution_points",
    "indicator_points",
    "output_points",
    "effect_points",
    "satisfaction_points",
    "common_points",
    "sector_points",
    "qualitative_points",
    "bonus_min",
    "bonus_max",
    "economy_points",
    "efficiency_points",
    "effectiveness_points",
    "equity_points",
]
CONTENT = [
    "name",
    "rounding",
    "deviation_threshold",
    "no_survey_scores_zero",
    *NUMBERS,
    "grade_lines",
    "bands",
    "qualitative_items",
]


def in_force_ids(on=None) -> set[int]:
    """The id of the version in force on ``on`` in each line (kind, region): one query over the small table."""
    on = on or clock.today()
    best: dict = {}
    for row in EvaluationScheme.objects.filter(effective_from__lte=on).values(
        "pk", "kind", "region", "effective_from", "version"
    ):
        key = (row["kind"], row["region"])
        if key not in best or (row["effective_from"], row["version"]) > best[key][0]:
            best[key] = ((row["effective_from"], row["version"]), row["pk"])
    return {pk for _rank, pk in best.values()}


class EvaluationSchemeSerializer(GatedModelSerializer):
    kind_display = serializers.CharField(source="get_kind_display", read_only=True)
    region_name = serializers.CharField(source="region.name", read_only=True, default="默认（所有区划）")
    rounding_display = serializers.CharField(source="get_rounding_display", read_only=True)
    in_force = serializers.SerializerMethodField(help_text="是否为本版本线（类型、区划）今天的现行版本")

    class Meta:
        model = EvaluationScheme
        fields = [
            "id",
            "kind",
            "kind_display",
            "region",
            "region_name",
            "version",
            "effective_from",
            "in_force",
            "note",
            *CONTENT,
            "rounding_display",
            "created_at",
        ]

    def get_in_force(self, obj) -> bool:
        ids = self.context.get("in_force_ids")  # computed once per response, shared by the rows of a list
        if ids is None:
            ids = self.context["in_force_ids"] = in_force_ids()
        return obj.pk in ids


class SchemeVersionSerializer(GatedModelSerializer):
    """The body of ``new-version``: where and from when, why, and the numbers that change (the rest are copied)."""

    region = serializers.PrimaryKeyRelatedField(
        queryset=Region.objects.all(),
        allow_null=True,
        required=False,
        help_text="适用区划 id；null 或省略为默认版本线（所有区划，只有最上级财政局预算绩效管理科可设置）",
    )
    effective_from = serializers.DateField(help_text="生效日期（YYYY-MM-DD），不能早于今天")
    reason = serializers.CharField(
        max_length=500,
        help_text="修改说明，记入审计日志",
        error_messages={"required": "请填写修改说明（reason）", "blank": "请填写修改说明（reason）"},
    )

    class Meta:
        model = EvaluationScheme
        fields = ["region", "effective_from", "reason", *CONTENT]
        extra_kwargs = {name: {"required": False} for name in CONTENT}

    def validate(self, attrs):
        unknown = sorted(set(self.initial_data) - set(self.fields))
        if unknown:
            raise serializers.ValidationError({"non_field_errors": [f"未知字段：{'、'.join(unknown)}"]})
        return attrs


class EvaluationSchemeFilterSet(GatedFilterSet):
    region = filters.NumberFilter(field_name="region_id", label="区划 id")
    default = filters.BooleanFilter(field_name="region", lookup_expr="isnull", label="只看默认版本线")
    in_force = filters.BooleanFilter(method="filter_in_force", label="只看现行版本")

    class Meta:
        model = EvaluationScheme
        fields = ["kind", "region", "default", "in_force"]

    def filter_in_force(self, queryset, name, value):
        ids = in_force_ids()
        return queryset.filter(pk__in=ids) if value else queryset.exclude(pk__in=ids)


class EvaluationSchemeViewSet(GatedReadOnlyViewSet):
    """Every version of every evaluation scheme; the performance section publishes a new one."""

    api_description = (
        "绩效评价方案（单位自评、综合评价、政府购买服务 4E 评价）的各区划、各版本：分值、等级分数线、定性指标档次、"
        "舍入规则和偏差阈值（只读）。`?kind=`、`?region=`、`?default=true`、`?in_force=true` 筛选。"
        "修改即发布新版本：`POST /api/evaluation-schemes/{id}/new-version/`。"
    )

    queryset = EvaluationScheme.objects.select_related("region").order_by("kind", "region__path", "-version")
    serializer_class = EvaluationSchemeSerializer
    filterset_class = EvaluationSchemeFilterSet

    def check_object_permissions(self, request, obj):
        """Publishing is ``actions.publish_scheme``'s question (the performance section over its regions, refusals
        audited), not the gate's CHANGE action on the source version, which nobody has: a version is never changed."""
        if self.action == "new_version":
            return
        super().check_object_permissions(request, obj)

    @extend_schema(
        request=SchemeVersionSerializer,
        responses={201: EvaluationSchemeSerializer},
        summary="发布新版本或复制为本区划方案",
        description=(
            "以该版本的数值为基础，为本区划（或其下级区划）发布一个新版本；只填写要改变的数值，其余照抄。"
            "原版本保持不变。分值合计不符、加分范围有误、等级分数线格式有误等返回 400 并指明字段；"
            "无权设置该区划返回 403。"
        ),
    )
    @action(detail=True, methods=["post"], url_path="new-version")
    @idempotency.idempotent
    def new_version(self, request, pk=None):
        scheme = self.get_object()
        values = dict(api_input.validated(request, SchemeVersionSerializer))
        region = values.pop("region", None)
        effective_from = values.pop("effective_from")
        reason = values.pop("reason", "")
        try:
            new = actions.publish_scheme(
                scheme, request.user, region=region, effective_from=effective_from, reason=reason, **values
            )
        except DjangoPermissionDenied as exc:
            raise exceptions.PermissionDenied(str(exc)) from None
        return Response(self.get_serializer(new).data, status=status.HTTP_201_CREATED)

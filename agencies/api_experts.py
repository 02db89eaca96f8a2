"""The expert register's API (experts, expert-draws) and the ratings and sanctions of agencies and experts, behind
the gate and calling ``agencies.actions`` and ``agencies.draw``."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import exceptions, mixins, serializers
from rest_framework.decorators import action
from rest_framework.response import Response

from agencies import actions, draw
from agencies.api import StandingSerializer, _standing
from agencies.filtersets import ExpertDrawFilterSet, ExpertFilterSet
from agencies.models import (
    Expert,
    ExpertDraw,
    ExpertField,
    ExpertRelation,
    Rating,
    Sanction,
    SanctionKind,
)
from agencies.standing import expert_standing, with_ratings
from core import api_input
from core.api import GatedModelSerializer, GatedReadOnlyViewSet, GatedSerializer
from core.idempotency import idempotent
from organisations.models import Organisation


class RelationSerializer(GatedModelSerializer):
    organisation_name = serializers.CharField(source="organisation.name", read_only=True)

    class Meta:
        model = ExpertRelation
        fields = ["id", "organisation", "organisation_name", "relation"]
        read_only_fields = fields


def _expert_accounts(queryset, user):
    """Accounts with the expert role, offered to who keeps a register only."""
    if user is None or not actions.may_manage_register(user):
        return queryset.none()
    return queryset.filter(roles__role="expert").distinct()


class ExpertSerializer(GatedModelSerializer):
    field_ids = serializers.PrimaryKeyRelatedField(
        source="fields", many=True, queryset=ExpertField.objects.all(), help_text="专业领域 id 列表"
    )
    field_labels = serializers.SerializerMethodField()
    relations = RelationSerializer(many=True, read_only=True)
    status_display = serializers.CharField(source="get_status_display", read_only=True)
    standing = serializers.SerializerMethodField()

    class Meta:
        model = Expert
        fields = [
            "id",
            "keeper",
            "name",
            "title",
            "employer",
            "employer_name",
            "field_ids",
            "field_labels",
            "phone",
            "available",
            "status",
            "status_display",
            "status_until",
            "user",
            "registered_on",
            "relations",
            "standing",
        ]
        read_only_fields = ["keeper", "status", "status_until"]
        extra_kwargs = {
            "employer": {"help_text": "工作单位（系统内机构 id，回避以此为准）"},
            "user": {"help_text": "专家的系统账号 id（须有评审专家角色）"},
        }

    choice_scopes = {"user": lambda queryset, user: _expert_accounts(queryset, user)}

    def get_field_labels(self, obj) -> list[str]:
        return [f.name for f in obj.fields.all()]

    @extend_schema_field(StandingSerializer)
    def get_standing(self, obj) -> dict:
        return _standing(expert_standing(obj))


class ExpertViewSet(mixins.CreateModelMixin, mixins.UpdateModelMixin, GatedReadOnlyViewSet):
    api_description = (
        "评审专家库：专业领域、工作单位、可否抽取、在库状态、申报的回避关系和履职评价。预算绩效管理科新增（POST，进入本科室的专家库）"
        "和修改（PATCH）；专家本人只能查看自己的信息。"
    )
    queryset = with_ratings(Expert.objects.select_related("employer"), "expert").prefetch_related(
        "fields", "relations__organisation"
    )
    serializer_class = ExpertSerializer
    filterset_class = ExpertFilterSet
    http_method_names = ["get", "post", "patch", "head", "options"]

    @idempotent
    def create(self, request, *args, **kwargs):
        api_input.body_dict(request)
        return super().create(request, *args, **kwargs)

    def perform_create(self, serializer):
        data = dict(serializer.validated_data)
        fields = data.pop("fields", [])
        if not fields:
            raise exceptions.ValidationError({"field_ids": ["请至少选择一个专业领域"]})
        serializer.instance = actions.create_expert(self.request.user, data, fields)

    def partial_update(self, request, *args, **kwargs):
        api_input.body_dict(request)
        return super().partial_update(request, *args, **kwargs)

    def update(self, request, *args, **kwargs):
        if not kwargs.get("partial"):
            raise exceptions.MethodNotAllowed(request.method)
        return super().update(request, *args, **kwargs)

    def perform_update(self, serializer):
        data = dict(serializer.validated_data)
        fields = data.pop("fields", None)
        if fields is not None and not fields:
            raise exceptions.ValidationError({"field_ids": ["请至少选择一个专业领域"]})
        actions.update_expert(
            self.request.user, serializer.instance, data, fields, self.request.headers.get("X-Reason", "")
        )


class DrawSerializer(GatedModelSerializer):
    evaluated = serializers.PrimaryKeyRelatedField(queryset=Organisation.objects.all(), help_text="被评价单位 id")
    field = serializers.PrimaryKeyRelatedField(queryset=ExpertField.objects.all(), help_text="专业领域 id")
    count = serializers.IntegerField(min_value=1, max_value=draw.COUNT_MAX, help_text="抽取人数")
    seed = serializers.IntegerField(
        required=False,
        allow_null=True,
        min_value=0,
        max_value=draw.SEED_MAX,
        help_text="随机种子；不填则随机生成并记录，同一种子、同一批候选专家可重现结果",
    )
    evaluated_name = serializers.CharField(source="evaluated.name", read_only=True)
    field_name = serializers.CharField(source="field.name", read_only=True)
    drawn = serializers.SerializerMethodField()

    class Meta:
        model = ExpertDraw
        fields = [
            "id",
            "keeper",
            "evaluated",
            "evaluated_name",
            "field",
            "field_name",
            "count",
            "seed",
            "purpose",
            "candidate_ids",
            "excluded",
            "drawn",
            "drawn_at",
        ]
        read_only_fields = ["keeper", "candidate_ids", "excluded", "drawn_at"]

    @extend_schema_field(serializers.ListField(child=serializers.DictField()))
    def get_drawn(self, obj) -> list[dict]:
        return [{"id": e.pk, "name": e.name, "employer_name": e.employer_name} for e in obj.drawn.all()]


class ReplaySerializer(GatedSerializer):
    same = serializers.BooleanField(help_text="重新抽取的结果与记录是否一致")
    drawn = serializers.ListField(child=serializers.IntegerField(), help_text="重新抽取得到的专家 id")


class ExpertDrawViewSet(mixins.CreateModelMixin, GatedReadOnlyViewSet):
    api_description = (
        "专家随机抽取：按专业领域从本级专家库抽取（POST），任职于被评价单位（含下属单位）、申报了与其或其主管部门有关系、暂停或"
        "暂不可抽取的专家回避（excluded 列明原因）；候选专家按编号排序后以随机种子抽取，种子记录在案。`…/replay/` 复核：按记录的"
        "种子和候选名单重新抽取并与记录比较。候选不足时 400 并说明可抽取人数。"
    )
    queryset = ExpertDraw.objects.select_related("evaluated", "field").prefetch_related("drawn")
    serializer_class = DrawSerializer
    filterset_class = ExpertDrawFilterSet

    @idempotent
    def create(self, request, *args, **kwargs):
        api_input.body_dict(request)
        return super().create(request, *args, **kwargs)

    def perform_create(self, serializer):
        keeper = actions.keeper_for(self.request.user)
        if keeper is None:
            raise exceptions.PermissionDenied(draw.DRAW_DENIED)
        data = serializer.validated_data
        serializer.instance = draw.draw_experts(
            keeper=keeper,
            evaluated=data["evaluated"],
            field=data["field"],
            count=data["count"],
            user=self.request.user,
            seed=data.get("seed"),
            purpose=data.get("purpose", ""),
        )

    @extend_schema(responses=ReplaySerializer, summary="复核抽取结果")
    @action(detail=True, methods=["get"])
    def replay(self, request, pk=None):
        made = self.get_object()
        same, again = draw.verify(made)
        return Response({"same": same, "drawn": sorted(again)})


# ---------------------------------------------------------------------------------------------- ratings and sanctions


class RatingSerializer(GatedModelSerializer):
    total = serializers.IntegerField(read_only=True)
    rater_name = serializers.CharField(source="rater.name", read_only=True)

    class Meta:
        model = Rating
        fields = [
            "id",
            "rater",
            "rater_name",
            "agency",
            "expert",
            "work",
            "quality",
            "timeliness",
            "conduct",
            "total",
            "defects",
            "comment",
            "rated_at",
        ]
        read_only_fields = ["rater", "rated_at"]
        extra_kwargs = {
            "agency": {"help_text": "被评价的第三方机构（机构库 id），与 expert 二选一"},
            "expert": {"help_text": "被评价的专家 id，与 agency 二选一"},
            "quality": {"help_text": "报告（意见）质量 0–40 分"},
            "timeliness": {"help_text": "及时性 0–30 分"},
            "conduct": {"help_text": "执业规范 0–30 分"},
        }


class RatingViewSet(mixins.CreateModelMixin, GatedReadOnlyViewSet):
    api_description = (
        "履职评价：评价完成后，预算绩效管理科对受托机构或专家评分（报告质量 0–40、及时性 0–30、执业规范 0–30，审核发现问题数），"
        "平均分在选择机构或专家时显示。超出范围的分值 400。"
    )
    queryset = Rating.objects.select_related("rater")
    serializer_class = RatingSerializer

    @idempotent
    def create(self, request, *args, **kwargs):
        api_input.body_dict(request)
        return super().create(request, *args, **kwargs)

    def perform_create(self, serializer):
        data = dict(serializer.validated_data)
        agency, expert = data.pop("agency", None), data.pop("expert", None)
        serializer.instance = actions.rate(self.request.user, agency=agency, expert=expert, values=data)


class SanctionSerializer(GatedModelSerializer):
    kind = serializers.ChoiceField(
        choices=SanctionKind.choices, help_text="warning 警告 / suspension 暂停委托 / removal 清退出库"
    )
    kind_display = serializers.CharField(source="get_kind_display", read_only=True)
    starts_on = serializers.DateField(required=False, help_text="起始日期（默认今天，不能晚于今天）")

    class Meta:
        model = Sanction
        fields = [
            "id",
            "issuer",
            "agency",
            "expert",
            "kind",
            "kind_display",
            "reason",
            "starts_on",
            "ends_on",
            "issued_at",
        ]
        read_only_fields = ["issuer", "issued_at"]
        extra_kwargs = {
            "agency": {"help_text": "第三方机构（机构库 id），与 expert 二选一"},
            "expert": {"help_text": "专家 id，与 agency 二选一"},
            "ends_on": {"help_text": "暂停委托的截止日期（必填）；清退不填"},
        }


class SanctionViewSet(mixins.CreateModelMixin, GatedReadOnlyViewSet):
    api_description = (
        "处理记录：警告、暂停委托（至截止日期）、清退出库。登记（POST）后机构或专家的在库状态随之改变；暂停的机构不能委托、暂停的专家"
        "不参加抽取。"
    )
    queryset = Sanction.objects.select_related("issuer")
    serializer_class = SanctionSerializer

    @idempotent
    def create(self, request, *args, **kwargs):
        api_input.body_dict(request)
        return super().create(request, *args, **kwargs)

    def perform_create(self, serializer):
        data = dict(serializer.validated_data)
        serializer.instance = actions.sanction(
            self.request.user,
            agency=data.get("agency"),
            expert=data.get("expert"),
            kind=data["kind"],
            reason=data.get("reason", ""),
            starts_on=data.get("starts_on"),
            ends_on=data.get("ends_on"),
        )


def register(router) -> None:
    router.register("experts", ExpertViewSet)
    router.register("expert-draws", ExpertDrawViewSet)
    router.register("ratings", RatingViewSet)
    router.register("sanctions", SanctionViewSet)

"""The API of satisfaction surveys (``/api/surveys/``): list (``?evaluation=<id>``), read, create for a key
evaluation (with its questions), PATCH while a draft (its fields; ``questions`` replaces them all), publish, close
and the results — behind the gate and calling the same ``surveys.actions`` as the pages. The public's answers are
not part of the API: they are given only on the public page (/s/<token>/)."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import transaction
from django.db.models import Count
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import exceptions, serializers, status
from rest_framework.decorators import action
from rest_framework.response import Response

from accounts.roles import Action
from core import access, api_input, idempotency
from core.api import GatedModelSerializer, GatedReadOnlyViewSet, GatedSerializer
from surveys import actions, results
from surveys.models import Question, QuestionKind, Survey, SurveyStatus


def _refused(exc: DjangoValidationError) -> exceptions.ValidationError:
    if hasattr(exc, "error_dict"):
        return exceptions.ValidationError({k: [m for e in v for m in e.messages] for k, v in exc.error_dict.items()})
    return exceptions.ValidationError({"non_field_errors": exc.messages})


class QuestionSerializer(GatedModelSerializer):
    kind_display = serializers.CharField(source="get_kind_display", read_only=True)

    class Meta:
        model = Question
        fields = [
            "id",
            "order",
            "kind",
            "kind_display",
            "text",
            "required",
            "options",
            "scale",
            "counts_toward_satisfaction",
            "satisfied_from",
            "satisfied_options",
        ]
        read_only_fields = fields


class QuestionInputSerializer(GatedSerializer):
    kind = serializers.ChoiceField(
        choices=QuestionKind.choices, help_text="题型：single 单选、multiple 多选、rating 评分、text 文字"
    )
    text = serializers.CharField(max_length=300, help_text="题目")
    required = serializers.BooleanField(default=True, help_text="必答")
    options = serializers.ListField(
        child=serializers.CharField(max_length=actions.MAX_OPTION_CHARS, allow_blank=True),
        required=False,
        max_length=actions.MAX_OPTIONS,
        help_text="单选、多选题的选项（至少 2 个）",
    )
    scale = serializers.IntegerField(
        required=False, min_value=2, max_value=10, help_text="评分题的档数（2–10），默认 5"
    )
    counts_toward_satisfaction = serializers.BooleanField(default=False, help_text="计入满意度（单选题或评分题）")
    satisfied_from = serializers.IntegerField(
        required=False, allow_null=True, min_value=1, max_value=10, help_text="评分题：不低于此分视为满意"
    )
    satisfied_options = serializers.ListField(
        child=serializers.CharField(max_length=actions.MAX_OPTION_CHARS),
        required=False,
        max_length=actions.MAX_OPTIONS,
        help_text="单选题：视为满意的选项",
    )

    class Meta:
        list_serializer_class = api_input.RowList


class SurveySerializer(GatedModelSerializer):
    status_display = serializers.CharField(source="get_status_display", read_only=True)
    evaluation = serializers.IntegerField(source="object_id", read_only=True, help_text="所属重点评价 id")
    owner_name = serializers.CharField(source="owner.name", read_only=True)
    public_url = serializers.SerializerMethodField(help_text="公开作答链接（发布后）")
    response_count = serializers.SerializerMethodField(help_text="已收答卷数")
    questions = QuestionSerializer(many=True, read_only=True)

    class Meta:
        model = Survey
        fields = [
            "id",
            "title",
            "intro",
            "population",
            "opens_at",
            "closes_at",
            "status",
            "status_display",
            "evaluation",
            "owner_name",
            "public_url",
            "response_count",
            "created_at",
            "questions",
        ]
        read_only_fields = fields

    def get_public_url(self, obj) -> str:
        request = self.context.get("request")
        if obj.status == SurveyStatus.DRAFT or request is None:
            return ""
        from surveys.views import public_url

        return public_url(request, obj)

    def get_response_count(self, obj) -> int:
        counted = getattr(obj, "response_total", None)
        return obj.responses.count() if counted is None else counted


class SurveyFieldsSerializer(GatedSerializer):
    title = serializers.CharField(max_length=200, required=False, help_text="问卷标题")
    intro = serializers.CharField(max_length=2000, required=False, allow_blank=True, help_text="卷首语")
    population = serializers.IntegerField(
        required=False,
        allow_null=True,
        min_value=1,
        max_value=2_000_000_000,
        help_text="调查总体人数（用于有限总体校正）",
    )
    opens_at = serializers.DateTimeField(required=False, allow_null=True, help_text="开始时间，不填则发布即开始")
    closes_at = serializers.DateTimeField(required=False, allow_null=True, help_text="截止时间，不填则手动结束")
    questions = QuestionInputSerializer(
        many=True, required=False, help_text="题目（按顺序）；更新时整体替换，仅限未发布的问卷"
    )


class SurveyCreateSerializer(SurveyFieldsSerializer):
    evaluation = serializers.IntegerField(min_value=1, max_value=2**63 - 1, help_text="重点评价 id")
    title = serializers.CharField(max_length=200, help_text="问卷标题")


class SurveyViewSet(GatedReadOnlyViewSet):
    api_description = (
        "满意度调查问卷（公众评判法，长财绩效〔2014〕1 号第三十四条）：重点评价的组织单位或受托第三方机构为评价新建问卷"
        "（POST，含题目：单选、多选、评分、文字），未发布时可修改（PATCH；提供 questions 则整体替换题目），`…/publish/` 发布"
        "（至少一题；计入满意度的题目须说明什么算满意），`…/close/` 结束收集，`…/results/` 为结果：答卷数、每日答卷、各题分布、"
        "满意率及样本量和 95% 误差范围。公众作答只在公开页面 /s/<token>/ 进行，不经接口。"
    )
    queryset = Survey.objects.select_related("owner").prefetch_related("questions")
    serializer_class = SurveySerializer

    def get_queryset(self):
        surveys = super().get_queryset().annotate(response_total=Count("responses")).order_by("-created_at", "-pk")
        if self.action == "list":
            raw = self.request.query_params.get("evaluation")
            if raw is not None:
                if not (raw.isascii() and raw.isdecimal()) or len(raw) > 18:
                    raise exceptions.ValidationError({"evaluation": ["请提供重点评价 id（整数）"]})
                from django.contrib.contenttypes.models import ContentType

                from keyevals.models import KeyEvaluation

                surveys = surveys.filter(
                    content_type=ContentType.objects.get_for_model(KeyEvaluation), object_id=int(raw)
                )
        return surveys

    @extend_schema(
        parameters=[
            OpenApiParameter("evaluation", OpenApiTypes.INT, description="只列出该重点评价的问卷（重点评价 id）")
        ]
    )
    def list(self, request, *args, **kwargs):
        return super().list(request, *args, **kwargs)

    def _reply(self, survey, code=status.HTTP_200_OK) -> Response:
        fresh = self.get_queryset().get(pk=survey.pk)
        return Response(SurveySerializer(fresh, context=self.get_serializer_context()).data, status=code)

    def _designed(self) -> Survey:
        survey = self.get_object()
        if not actions.may_design(self.request.user, survey):
            raise exceptions.PermissionDenied(actions.NOT_DESIGNER)
        return survey

    @extend_schema(
        summary="新建问卷",
        request=SurveyCreateSerializer,
        responses={
            201: SurveySerializer,
            400: OpenApiResponse(description="输入有误"),
            403: OpenApiResponse(description="无权新建"),
        },
    )
    @idempotency.idempotent
    def create(self, request):
        from keyevals.models import KeyEvaluation

        data = dict(api_input.validated(request, SurveyCreateSerializer))
        evaluation = (
            access.restrict(KeyEvaluation.objects.all(), request.user, Action.VIEW)
            .filter(pk=data.pop("evaluation"))
            .first()
        )
        if evaluation is None:
            raise exceptions.ValidationError({"evaluation": ["重点评价不存在或无权访问"]})
        rows = data.pop("questions", None)
        try:
            with transaction.atomic():
                survey = actions.create_survey(request.user, evaluation, data)
                if rows:
                    actions.replace_questions(request.user, survey, rows)
        except DjangoPermissionDenied as exc:
            raise exceptions.PermissionDenied(str(exc)) from None
        except DjangoValidationError as exc:
            raise _refused(exc) from None
        return self._reply(survey, status.HTTP_201_CREATED)

    @extend_schema(
        summary="修改问卷（未发布时可改题目）", request=SurveyFieldsSerializer, responses={200: SurveySerializer}
    )
    def partial_update(self, request, pk=None):
        survey = self._designed()
        data = dict(api_input.validated(request, SurveyFieldsSerializer, partial=True))
        rows = data.pop("questions", None)
        try:
            with transaction.atomic():
                if data:
                    survey = actions.update_survey(request.user, survey, data)
                if rows is not None:
                    actions.replace_questions(request.user, survey, rows)
        except DjangoPermissionDenied as exc:
            raise exceptions.PermissionDenied(str(exc)) from None
        except DjangoValidationError as exc:
            raise _refused(exc) from None
        return self._reply(survey)

    def _change(self, change) -> Response:
        survey = self._designed()
        try:
            survey = change(self.request.user, survey)
        except DjangoPermissionDenied as exc:
            raise exceptions.PermissionDenied(str(exc)) from None
        except DjangoValidationError as exc:
            raise _refused(exc) from None
        return self._reply(survey)

    @extend_schema(summary="发布问卷", request=None, responses={200: SurveySerializer})
    @action(detail=True, methods=["post"])
    def publish(self, request, pk=None):
        return self._change(actions.publish)

    @extend_schema(summary="结束收集", request=None, responses={200: SurveySerializer})
    @action(detail=True, methods=["post"])
    def close(self, request, pk=None):
        return self._change(actions.close)

    @extend_schema(summary="调查结果：答卷数、各题分布、满意率及误差范围", responses={200: OpenApiTypes.OBJECT})
    @action(detail=True, methods=["get"])
    def results(self, request, pk=None):
        found = results.results(self.get_object())
        return Response(results_body(found))


def _estimate(e) -> dict:
    return {
        "n": e.n,
        "rate": None if e.rate is None else round(e.rate, 4),
        "margin": None if e.margin is None else round(e.margin, 4),
        "enough": e.enough,
        "population_applied": e.population_applies,
    }


def results_body(found: results.SurveyResults) -> dict:
    return {
        "responses": found.responses,
        "last_at": found.last_at,
        "by_day": [{"date": d.isoformat(), "count": n} for d, n in found.by_day],
        "questions": [
            {
                "id": r.question.pk,
                "text": r.question.text,
                "kind": r.question.kind,
                "answered": r.answered,
                "counts": [{"label": str(label), "count": n} for label, n in r.counts],
                "mean": None if r.mean is None else round(r.mean, 4),
                "satisfaction": _estimate(r.satisfaction) if r.satisfaction else None,
                "texts": [t for _, t in r.texts],
                "text_total": r.text_total,
            }
            for r in found.questions
        ],
        "overall": _estimate(found.overall),
    }


def register(router) -> None:
    router.register("surveys", SurveyViewSet)

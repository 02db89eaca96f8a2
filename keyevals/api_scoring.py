"""The API of a key evaluation's scoring: score sheets (the scorer's own: read, PATCH = save, submit; the organiser's
list with progress), the aggregate of an evaluation and closing the scoring — behind the gate and calling the same
``keyevals.scoring_actions`` as the pages. Blind scoring holds here too: another scorer's sheet is not listed (404)
for a scorer, and points and comments of a sheet not one's own are returned only once scoring is closed."""

from __future__ import annotations

from decimal import Decimal

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import Q
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import exceptions, mixins, serializers, status
from rest_framework.decorators import action
from rest_framework.response import Response

from core import access, api_input
from core.access import NOTHING
from core.api import GatedModelSerializer, GatedReadOnlyViewSet, GatedSerializer
from keyevals import aggregation, scoring_actions
from keyevals.lifecycle import ORGANISER_ROLES
from keyevals.models import KeyEvaluation, Score, ScoreSheet
from workflow.actions import StaleDocument
from workflow.guards import _assignment_q

SCORES_KEY = "scores"


def organised(user):
    """The evaluations ``user`` organises (holds an organiser role over, as ``workflow.guards.holds_role_over``)."""
    result = NOTHING
    for assignment in user.role_assignments():
        if assignment.role in ORGANISER_ROLES:
            q = _assignment_q(KeyEvaluation, assignment, user)
            if q is not NOTHING:
                result |= q
    return KeyEvaluation.objects.none() if result is NOTHING else KeyEvaluation.objects.filter(result)


def _invalid(exc: DjangoValidationError) -> exceptions.ValidationError:
    """An action's refusal as a 400: a row's message (``row-<id>-…``) under ``scores``."""
    if not hasattr(exc, "error_dict"):
        return exceptions.ValidationError({"non_field_errors": exc.messages})
    found: dict[str, list[str]] = {}
    for key, errors in exc.error_dict.items():
        name = SCORES_KEY if key.startswith("row-") or key == "rows" else key
        found.setdefault(name, []).extend(m for e in errors for m in e.messages)
    return exceptions.ValidationError(found)


def _evaluation_param(request) -> KeyEvaluation:
    raw = request.query_params.get("evaluation", "")
    if not raw.isdecimal() or not raw.isascii() or len(raw) > 18:
        raise exceptions.ValidationError({"evaluation": ["请提供重点评价 id（整数）"]})
    return access.get_object_or_404(
        KeyEvaluation.objects.select_related("organiser", "evaluated"), request.user, pk=int(raw)
    )


# ---------------------------------------------------------------------------------------------- sheets


class ScoreRowSerializer(GatedModelSerializer):
    indicator = serializers.IntegerField(source="indicator_id", read_only=True, help_text="评价指标 id")
    name = serializers.CharField(source="indicator.name", read_only=True)
    group = serializers.CharField(source="indicator.group", read_only=True)
    weight = serializers.DecimalField(source="indicator.weight", max_digits=6, decimal_places=2, read_only=True)
    standard = serializers.CharField(source="indicator.standard", read_only=True)

    class Meta:
        model = Score
        fields = ["indicator", "name", "group", "weight", "standard", "points", "comment"]
        read_only_fields = fields


class ScoreInputSerializer(GatedSerializer):
    indicator = serializers.IntegerField(help_text="评价指标 id")
    points = serializers.CharField(
        required=False, allow_blank=True, allow_null=True, max_length=20, help_text="得分（0 至分值，最多两位小数）"
    )
    comment = serializers.CharField(
        required=False, allow_blank=True, max_length=2000, help_text="评分说明；未得满分时提交前须填写"
    )

    class Meta:
        list_serializer_class = api_input.RowList


class ScoreSheetSerializer(GatedModelSerializer):
    evaluation_title = serializers.CharField(source="evaluation.title", read_only=True)
    scorer_name = serializers.CharField(source="member.name", read_only=True)
    member_role = serializers.CharField(source="member.get_role_display", read_only=True)
    status_display = serializers.CharField(source="get_status_display", read_only=True)
    own = serializers.SerializerMethodField(help_text="是否本人的评分表")
    scores = ScoreRowSerializer(
        many=True, read_only=True, help_text="各指标得分和评分说明：本人的评分表，或评分结束后才返回"
    )

    class Meta:
        model = ScoreSheet
        fields = [
            "id",
            "evaluation",
            "evaluation_title",
            "member",
            "scorer_name",
            "member_role",
            "status",
            "status_display",
            "submitted_at",
            "version",
            "own",
            "scores",
        ]
        read_only_fields = fields

    def _user(self):
        request = self.context.get("request")
        return getattr(request, "user", None)

    def get_own(self, obj) -> bool:
        user = self._user()
        return bool(user and obj.scorer_id == user.pk)

    def to_representation(self, instance):
        data = super().to_representation(instance)
        if not (self.get_own(instance) or scoring_actions.is_closed(instance.evaluation)):
            data.pop("scores", None)  # blind: not even as an empty list
        return data


class SheetUpdateSerializer(GatedSerializer):
    version = serializers.IntegerField(help_text="读取时的版本号（乐观锁；已变化时 409）")
    scores = ScoreInputSerializer(many=True, required=False, help_text="要保存的指标得分和评分说明")


class CloseSerializer(GatedSerializer):
    evaluation = serializers.IntegerField(help_text="重点评价 id")
    version = serializers.IntegerField(help_text="重点评价读取时的版本号")
    reason = serializers.CharField(required=False, allow_blank=True, max_length=500, help_text="说明（可选）")


def _rows(values) -> dict:
    rows = {}
    for row in values.get("scores") or []:
        row = dict(row)
        rows[row.pop("indicator")] = row
    return rows


class KeyScoreSheetViewSet(mixins.UpdateModelMixin, GatedReadOnlyViewSet):
    api_description = (
        "重点评价评分表：评价工作组中参与评分的成员各有一份评分表（评价进入评分阶段时生成）。评分人只能读写本人的评分表："
        "PATCH 保存（scores 以评价指标 id 对应，带 version；版本已变化时 409），`…/submit/` 提交（提交后不能修改，重复提交 400），"
        "`mine/?evaluation=<评价 id>` 取本人的评分表。独立评分：提交前看不到其他评分人的评分；组织单位可列出全部评分表查看进度，"
        "各评分人的分数和评分说明在评分结束后返回。`aggregate/?evaluation=<评价 id>` 为汇总结果（均值，5 人及以上去掉最高分和"
        "最低分后平均；分歧提示；一致度；总分和等级），`close/` 结束评分并汇总。"
    )
    queryset = ScoreSheet.objects.select_related("evaluation", "member", "scorer").prefetch_related("scores__indicator")
    serializer_class = ScoreSheetSerializer
    http_method_names = ["get", "post", "patch", "head", "options"]

    def get_queryset(self):
        sheets = super().get_queryset()
        user = self.request.user
        # Another scorer's sheet exists for the user only as the organiser or once scoring is closed.
        visible = (
            Q(scorer=user)
            | Q(evaluation__in=organised(user).values("pk"))
            | Q(evaluation__status__in=scoring_actions.CLOSED)
        )
        return sheets.filter(visible).order_by("evaluation_id", "member_id", "pk")

    def handle_exception(self, exc):
        if isinstance(exc, StaleDocument):
            return Response({"detail": exc.message, "code": "stale"}, status=status.HTTP_409_CONFLICT)
        if isinstance(exc, DjangoValidationError):
            exc = _invalid(exc)
        if isinstance(exc, DjangoPermissionDenied):
            exc = exceptions.PermissionDenied(str(exc))
        return super().handle_exception(exc)

    def check_object_permissions(self, request, obj):
        return  # who may save or submit is scoring_actions' question (refusals audited)

    @extend_schema(request=SheetUpdateSerializer, summary="保存本人评分表")
    def partial_update(self, request, *args, **kwargs):
        sheet = self.get_object()
        values = api_input.validated(request, SheetUpdateSerializer)
        sheet = scoring_actions.save_scores(request.user, sheet, values["version"], _rows(values))
        return Response(self.get_serializer(self._fresh(sheet)).data)

    def update(self, request, *args, **kwargs):
        if not kwargs.get("partial"):
            raise exceptions.MethodNotAllowed(request.method)
        return super().update(request, *args, **kwargs)

    @extend_schema(request=SheetUpdateSerializer, summary="提交本人评分表（可同时保存 scores）")
    @action(detail=True, methods=["post"])
    def submit(self, request, pk=None):
        sheet = self.get_object()
        values = api_input.validated(request, SheetUpdateSerializer)
        sheet = scoring_actions.submit_sheet(request.user, sheet, values["version"], _rows(values))
        return Response(self.get_serializer(self._fresh(sheet)).data)

    @extend_schema(
        summary="本人在某项重点评价中的评分表",
        parameters=[OpenApiParameter("evaluation", int, required=True, description="重点评价 id")],
    )
    @action(detail=False, methods=["get"])
    def mine(self, request):
        evaluation = _evaluation_param(request)
        scoring_actions.ensure_sheets(evaluation)
        sheet = self.get_queryset().filter(evaluation=evaluation, scorer=request.user).first()
        if sheet is None:
            raise exceptions.NotFound(scoring_actions.NOT_A_SCORER)
        return Response(self.get_serializer(sheet).data)

    @extend_schema(
        summary="评分汇总（进度、各指标得分、分歧提示、一致度、总分和等级）",
        parameters=[OpenApiParameter("evaluation", int, required=True, description="重点评价 id")],
        responses={200: OpenApiResponse(OpenApiTypes.OBJECT, description="评分汇总")},
    )
    @action(detail=False, methods=["get"])
    def aggregate(self, request):
        evaluation = _evaluation_param(request)
        return Response(aggregate_body(evaluation, request.user))

    @extend_schema(
        request=CloseSerializer,
        summary="结束评分并汇总（组织单位）",
        responses={200: OpenApiResponse(OpenApiTypes.OBJECT, description="评分汇总")},
    )
    @action(detail=False, methods=["post"])
    def close(self, request):
        values = api_input.validated(request, CloseSerializer)
        evaluation = access.get_object_or_404(KeyEvaluation.objects.all(), request.user, pk=values["evaluation"])
        evaluation = scoring_actions.close_scoring(
            request.user, evaluation, values["version"], reason=values.get("reason", "")
        )
        return Response(aggregate_body(evaluation, request.user))

    def _fresh(self, sheet):
        return self.get_queryset().get(pk=sheet.pk)


def _text(value):
    return None if value is None else f"{value}"


def aggregate_body(evaluation, user) -> dict:
    """The summary as JSON, cut to what ``user`` may see (``scoring_actions.visibility``)."""
    scoring_actions.ensure_sheets(evaluation)
    own = scoring_actions.own_sheet(evaluation, user)
    seen = scoring_actions.visibility(evaluation, user, own)
    summary = scoring_actions.summarise(evaluation)
    result = summary.result
    body = {
        "evaluation": evaluation.pk,
        "status": evaluation.status,
        "version": evaluation.version,
        "closed": seen.closed,
        "submitted": len(summary.submitted),
        "scorers": len(summary.sheets),
        "rule": scoring_actions.PARAMS.rule_text(),
        "agreement_rule": scoring_actions.PARAMS.agreement_text(),
        "grade_lines": summary.grade_lines,
    }
    if seen.names:
        body["progress"] = [
            {
                "sheet": s.pk,
                "member": s.member_id,
                "name": s.member.name,
                "status": s.status,
                "submitted_at": s.submitted_at,
            }
            for s in summary.sheets
        ]
    if not seen.aggregate:
        body["aggregate"] = None
        body["detail"] = "独立评分：提交本人评分表后才能查看汇总" if seen.blind else "评分结束后才能查看汇总"
        return body
    individual = seen.individual
    indicators = []
    for indicator, item in zip(summary.indicators, result.indicators, strict=True):
        row = {
            "indicator": indicator.pk,
            "name": indicator.name,
            "group": indicator.group,
            "weight": _text(indicator.weight),
            "aggregate": _text(item.aggregate),
            "method": item.method,
            "count": item.count,
            "spread": _text(item.spread),
            "flagged": item.flagged,
            "agreement": _text(item.agreement.quantize(aggregation.CENT)) if item.agreement is not None else None,
            "explanation": item.explanation,
        }
        if individual:
            row["scores"] = [
                {
                    "sheet": sheet_id,
                    "points": _text(points),
                    "dropped": sheet_id in item.dropped,
                    "comment": summary.comments.get((sheet_id, indicator.pk), (None, ""))[1],
                }
                for sheet_id, points in item.scores
            ]
        indicators.append(row)
    body["aggregate"] = {
        "indicators": indicators,
        "total": _text(result.total),
        "grade": result.grade,
        "full": _text(result.full),
        "problems": list(result.problems),
        "explanation": result.explanation,
    }
    if individual:
        body["aggregate"]["scorers"] = [
            {
                "sheet": r.key,
                "indicators": r.indicators,
                "deviation": _text(r.deviation.quantize(Decimal("0.0001"))) if r.deviation is not None else None,
                "explanation": r.explanation,
            }
            for r in result.scorers
        ]
    return body


def register(router) -> None:
    router.register("key-score-sheets", KeyScoreSheetViewSet)

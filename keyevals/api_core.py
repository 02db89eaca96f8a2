"""The API of the key evaluation itself: key evaluations (list, detail, create, PATCH while preparing, lifecycle
steps), work plans (detail, create, PATCH with the indicators nested, submit/approve/return), notices (create, sign),
document requests (create, answer, accept), site visits and consultation notes — behind the same gate as the pages
and calling the same ``keyevals.actions`` / ``plan`` / ``fieldwork``. A body of the wrong shape is a 400 with a Chinese
message; an id out of reach a 404; a stale version a 409."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from drf_spectacular.utils import extend_schema
from rest_framework import exceptions, mixins, serializers, status
from rest_framework.decorators import action
from rest_framework.response import Response

from agencies.models import AgencyContract
from core import api_input, idempotency
from core.api import GatedModelSerializer, GatedReadOnlyViewSet, GatedSerializer
from keyevals import actions, fieldwork, plan
from keyevals.filtersets import KeyEvaluationFilterSet
from keyevals.lifecycle import LIFECYCLE
from keyevals.models import (
    ConsultationNote,
    DocumentRequest,
    EvaluationStage,
    IndicatorFramework,
    KeyEvaluation,
    Method,
    Notice,
    ObjectKind,
    PlanIndicator,
    SiteVisit,
    WorkPlan,
)
from organisations.models import Organisation
from subjects.models import Subject
from workflow.actions import StaleDocument
from workflow.models import ReviewAction


def _conflict(exc: StaleDocument) -> Response:
    return Response({"detail": exc.message, "code": "stale"}, status=status.HTTP_409_CONFLICT)


def _register_scope(queryset, user):
    """The register of agencies (and their contracts) is offered to every organiser, not only within its reach."""
    return queryset if actions.may_create(user) else queryset.none()


def _refused(exc: DjangoPermissionDenied):
    return exceptions.PermissionDenied(str(exc))


class KeyevalsViewSet(GatedReadOnlyViewSet):
    """Shared: a stale version is a 409, a refusal of the rules (not of reach) a 403."""

    def handle_exception(self, exc):
        if isinstance(exc, StaleDocument):
            return _conflict(exc)
        if isinstance(exc, DjangoPermissionDenied):
            exc = _refused(exc)
        return super().handle_exception(exc)

    def evaluation_from_body(self, request) -> KeyEvaluation:
        raw = api_input.body_dict(request).get("evaluation")
        if isinstance(raw, bool) or not isinstance(raw, int | str) or not str(raw).isdecimal() or len(str(raw)) > 18:
            raise exceptions.ValidationError({"evaluation": ["请提供重点评价 id（整数）"]})
        from core import access

        return access.get_object_or_404(
            KeyEvaluation.objects.select_related("organiser", "evaluated", "agency"), request.user, pk=int(raw)
        )


# ---------------------------------------------------------------------------------------------- evaluations


class KeyEvaluationSerializer(GatedModelSerializer):
    organiser_name = serializers.CharField(source="organiser.name", read_only=True)
    evaluated_name = serializers.CharField(source="evaluated.name", read_only=True)
    agency_name = serializers.CharField(source="agency.name", read_only=True, default=None)
    status_display = serializers.CharField(source="get_status_display", read_only=True)
    allowed_steps = serializers.SerializerMethodField(help_text="当前用户可执行的进度操作（仅单条评价返回，列表为空）")

    class Meta:
        model = KeyEvaluation
        fields = [
            "id",
            "title",
            "year",
            "organiser",
            "organiser_name",
            "evaluated",
            "evaluated_name",
            "stage",
            "object_kind",
            "subjects",
            "object_amount",
            "methods",
            "major",
            "agency",
            "agency_name",
            "contract",
            "fee_budget",
            "fee_approved",
            "starts_on",
            "scoring_due",
            "report_due",
            "status",
            "status_display",
            "total_score",
            "grade",
            "version",
            "allowed_steps",
        ]
        read_only_fields = fields

    def get_allowed_steps(self, obj) -> list[str]:
        """On one evaluation (detail, or the answer to a change); a list leaves it empty (no queries per row)."""
        request = self.context.get("request")
        view = self.context.get("view")
        if request is None or getattr(view, "action", None) == "list":
            return []
        return LIFECYCLE.allowed(request.user, obj)


class KeyEvaluationWriteSerializer(GatedSerializer):
    choice_scopes = {"agency": _register_scope, "contract": _register_scope}

    title = serializers.CharField(max_length=200)
    year = serializers.IntegerField(min_value=2000, max_value=2100)
    evaluated = serializers.PrimaryKeyRelatedField(queryset=Organisation.objects.all(), help_text="被评价单位 id")
    stage = serializers.ChoiceField(choices=EvaluationStage.choices, default=EvaluationStage.EX_POST)
    object_kind = serializers.ChoiceField(choices=ObjectKind.choices)
    subjects = serializers.PrimaryKeyRelatedField(queryset=Subject.objects.all(), many=True, required=False)
    object_amount = serializers.DecimalField(max_digits=14, decimal_places=2, min_value=0, default=0)
    methods = serializers.ListField(child=serializers.ChoiceField(choices=Method.choices), required=False)
    major = serializers.BooleanField(default=False)
    agency = serializers.PrimaryKeyRelatedField(
        queryset=Organisation.objects.filter(kind="agency"), required=False, allow_null=True
    )
    contract = serializers.PrimaryKeyRelatedField(
        queryset=AgencyContract.objects.all(), required=False, allow_null=True
    )
    starts_on = serializers.DateField(required=False)
    scoring_due = serializers.DateField(required=False, allow_null=True)
    report_due = serializers.DateField(required=False, allow_null=True)
    version = serializers.IntegerField(required=False, help_text="修改时必填：读取时的版本号")
    reason = serializers.CharField(required=False, allow_blank=True, max_length=500)


class StepSerializer(GatedSerializer):
    step = serializers.ChoiceField(choices=[(k, s.label) for k, s in LIFECYCLE.steps.items()])
    version = serializers.IntegerField()
    reason = serializers.CharField(required=False, allow_blank=True, max_length=500)


class KeyEvaluationViewSet(mixins.CreateModelMixin, mixins.UpdateModelMixin, KeyevalsViewSet):
    api_description = (
        "重点评价：组织单位（预算绩效管理科或主管部门）新建、在“评价准备”阶段修改（PATCH，带 version，版本已变化时 409）；"
        "`…/step/` 推进进度（开始评价实施、开始评分等）。受托机构和专家只见委托、指派给自己的评价。"
    )
    queryset = KeyEvaluation.objects.select_related("organiser", "evaluated", "agency").prefetch_related("subjects")
    serializer_class = KeyEvaluationSerializer
    filterset_class = KeyEvaluationFilterSet
    http_method_names = ["get", "post", "patch", "head", "options"]

    def get_serializer_class(self):
        if self.action in ("create", "partial_update", "update"):
            return KeyEvaluationWriteSerializer
        return KeyEvaluationSerializer

    def _values(self, data: dict) -> dict:
        return {k: v for k, v in data.items() if k in actions.EDITABLE_FIELDS}

    @extend_schema(request=KeyEvaluationWriteSerializer, responses=KeyEvaluationSerializer, summary="新建重点评价")
    @idempotency.idempotent
    def create(self, request, *args, **kwargs):
        data = api_input.validated(request, KeyEvaluationWriteSerializer)
        if not actions.may_create(request.user):
            raise exceptions.PermissionDenied("只有预算绩效管理科或主管部门审核人可以组织重点评价")
        evaluation = actions.create_evaluation(
            request.user, self._values(data), subjects=data.get("subjects") or [], reason=data.get("reason", "")
        )
        return Response(self._read(evaluation), status=status.HTTP_201_CREATED)

    @extend_schema(request=KeyEvaluationWriteSerializer, responses=KeyEvaluationSerializer, summary="修改重点评价")
    def partial_update(self, request, *args, **kwargs):
        evaluation = self.get_object()
        data = api_input.validated(request, KeyEvaluationWriteSerializer, partial=True)
        if "version" not in data:
            raise exceptions.ValidationError({"version": ["请提供读取时的版本号 version"]})
        evaluation = actions.update_evaluation(
            request.user,
            evaluation,
            data["version"],
            self._values(data),
            subjects=data.get("subjects"),
            reason=data.get("reason", ""),
        )
        return Response(self._read(evaluation))

    def update(self, request, *args, **kwargs):
        if not kwargs.get("partial"):
            raise exceptions.MethodNotAllowed(request.method)
        return self.partial_update(request, *args, **kwargs)

    @extend_schema(request=StepSerializer, responses=KeyEvaluationSerializer, summary="推进评价进度")
    @action(detail=True, methods=["post"])
    def step(self, request, pk=None):
        evaluation = self.get_object()
        data = api_input.validated(request, StepSerializer)
        from keyevals.lifecycle import run

        run(data["step"], evaluation, request.user, version=data["version"], reason=data.get("reason", ""))
        return Response(self._read(evaluation))

    def _read(self, evaluation):
        fresh = self.get_queryset().filter(pk=evaluation.pk).first() or evaluation
        return KeyEvaluationSerializer(fresh, context=self.get_serializer_context()).data


# ---------------------------------------------------------------------------------------------- plans


class IndicatorSerializer(GatedModelSerializer):
    class Meta:
        model = PlanIndicator
        fields = ["id", "order", "group", "level2", "name", "weight", "explanation", "standard"]
        read_only_fields = ["id", "order"]


class IndicatorRowSerializer(GatedSerializer):
    group = serializers.CharField(max_length=40)
    level2 = serializers.CharField(max_length=60, required=False, allow_blank=True)
    name = serializers.CharField(max_length=200)
    weight = serializers.DecimalField(max_digits=6, decimal_places=2, min_value=0)
    explanation = serializers.CharField(required=False, allow_blank=True)
    standard = serializers.CharField(required=False, allow_blank=True)

    class Meta:
        list_serializer_class = api_input.RowList


class WorkPlanSerializer(GatedModelSerializer):
    indicators = IndicatorSerializer(many=True, read_only=True)
    framework_name = serializers.CharField(source="framework.name", read_only=True)
    status_display = serializers.CharField(source="get_status_display", read_only=True)
    problems = serializers.SerializerMethodField(help_text="指标体系不符合框架规则之处（空表示可以提交）")

    class Meta:
        model = WorkPlan
        fields = [
            "id",
            "evaluation",
            "framework",
            "framework_name",
            *plan.PLAN_FIELDS,
            "status",
            "status_display",
            "current_step",
            "current_role",
            "version",
            "indicators",
            "problems",
        ]
        read_only_fields = fields

    def get_problems(self, obj) -> list[str]:
        return plan.check_plan(obj)


def _frameworks_scope(queryset, user):
    """Frameworks are rules (versioned data); which ones a plan may use is ``plan.create_plan``'s question (those
    in force for the organiser's region)."""
    return queryset if user is not None and user.is_authenticated else queryset.none()


class WorkPlanWriteSerializer(GatedSerializer):
    choice_scopes = {"framework": _frameworks_scope}

    evaluation = serializers.IntegerField(required=False, help_text="新建时必填：重点评价 id")
    framework = serializers.PrimaryKeyRelatedField(queryset=IndicatorFramework.objects.all(), required=False)
    purpose = serializers.CharField(required=False, allow_blank=True)
    basis = serializers.CharField(required=False, allow_blank=True)
    content = serializers.CharField(required=False, allow_blank=True)
    methods_note = serializers.CharField(required=False, allow_blank=True)
    schedule = serializers.CharField(required=False, allow_blank=True)
    sampling = serializers.CharField(required=False, allow_blank=True)
    indicators = IndicatorRowSerializer(many=True, required=False, help_text="给出时整体替换指标体系")
    version = serializers.IntegerField(required=False, help_text="修改时必填")


class TransitionSerializer(GatedSerializer):
    action = serializers.ChoiceField(choices=ReviewAction.choices)
    version = serializers.IntegerField()
    opinion = serializers.CharField(required=False, allow_blank=True, max_length=2000)
    target_step = serializers.IntegerField(required=False, allow_null=True)


class WorkPlanViewSet(mixins.CreateModelMixin, mixins.UpdateModelMixin, KeyevalsViewSet):
    api_description = (
        "评价工作方案：编制人（受托机构或组织单位）新建并修改（PATCH，indicators 给出时整体替换指标体系，带 version）；"
        "`…/transition/` 提交、审核通过或退回。不符合指标框架规则（分值合计、一级指标、评分标准、权重比例）的方案不能提交。"
    )
    queryset = WorkPlan.objects.select_related(
        "framework", "evaluation__organiser", "evaluation__agency"
    ).prefetch_related("indicators")
    serializer_class = WorkPlanSerializer
    http_method_names = ["get", "post", "patch", "head", "options"]

    def get_serializer_class(self):
        if self.action in ("create", "partial_update", "update"):
            return WorkPlanWriteSerializer
        return WorkPlanSerializer

    @extend_schema(request=WorkPlanWriteSerializer, responses=WorkPlanSerializer, summary="新建评价工作方案")
    @idempotency.idempotent
    def create(self, request, *args, **kwargs):
        data = api_input.validated(request, WorkPlanWriteSerializer)
        evaluation = self.evaluation_from_body(request)
        if data.get("framework") is None:
            raise exceptions.ValidationError({"framework": ["请选择指标框架"]})
        texts = {k: data[k] for k in plan.PLAN_FIELDS if k in data}
        work_plan = plan.create_plan(request.user, evaluation, data["framework"], texts)
        if data.get("indicators"):
            plan.replace_indicators(request.user, work_plan, data["indicators"])
        return Response(self._read(work_plan), status=status.HTTP_201_CREATED)

    @extend_schema(request=WorkPlanWriteSerializer, responses=WorkPlanSerializer, summary="修改评价工作方案")
    def partial_update(self, request, *args, **kwargs):
        work_plan = self.get_object()
        data = api_input.validated(request, WorkPlanWriteSerializer, partial=True)
        if "version" not in data:
            raise exceptions.ValidationError({"version": ["请提供读取时的版本号 version"]})
        texts = {k: data[k] for k in (*plan.PLAN_FIELDS, "framework") if k in data}
        work_plan = plan.save_plan(request.user, work_plan, data["version"], texts)
        if "indicators" in data:
            plan.replace_indicators(request.user, work_plan, data["indicators"])
        return Response(self._read(work_plan))

    def update(self, request, *args, **kwargs):
        if not kwargs.get("partial"):
            raise exceptions.MethodNotAllowed(request.method)
        return self.partial_update(request, *args, **kwargs)

    @extend_schema(request=TransitionSerializer, responses=WorkPlanSerializer, summary="提交、审核通过或退回工作方案")
    @action(detail=True, methods=["post"])
    def transition(self, request, pk=None):
        work_plan = self.get_object()
        data = api_input.validated(request, TransitionSerializer)
        plan.transition(
            request.user, work_plan, data["action"], data["version"], data.get("opinion", ""), data.get("target_step")
        )
        return Response(self._read(work_plan))

    def _read(self, work_plan):
        fresh = self.get_queryset().filter(pk=work_plan.pk).first() or work_plan
        return WorkPlanSerializer(fresh, context=self.get_serializer_context()).data


# ---------------------------------------------------------------------------------------------- notices


class NoticeSerializer(GatedModelSerializer):
    evaluation_title = serializers.CharField(source="evaluation.title", read_only=True)
    evaluated_name = serializers.CharField(source="evaluation.evaluated.name", read_only=True)

    class Meta:
        model = Notice
        fields = [
            "id",
            "evaluation",
            "evaluation_title",
            "evaluated_name",
            *plan.NOTICE_FIELDS,
            "sent_at",
            "read_at",
        ]
        read_only_fields = ["id", "evaluation", "evaluation_title", "evaluated_name", "sent_at", "read_at"]


class NoticeWriteSerializer(GatedSerializer):
    evaluation = serializers.IntegerField(help_text="重点评价 id")
    number = serializers.CharField(max_length=60, required=False, allow_blank=True)
    purpose = serializers.CharField(required=False, allow_blank=True)
    content = serializers.CharField(required=False, allow_blank=True)
    basis = serializers.CharField(required=False, allow_blank=True)
    evaluators = serializers.CharField(required=False, allow_blank=True)
    timing = serializers.CharField(required=False, allow_blank=True)
    requirements = serializers.CharField(required=False, allow_blank=True)


class EmptySerializer(GatedSerializer):
    pass


class NoticeViewSet(mixins.CreateModelMixin, KeyevalsViewSet):
    api_description = "评价通知书：工作方案审批通过后组织单位发出（未填的内容按工作方案预填）；被评价单位 `…/sign/` 签收，签收前在其待办中。"
    queryset = Notice.objects.select_related("evaluation__evaluated")
    serializer_class = NoticeSerializer

    def get_serializer_class(self):
        return NoticeWriteSerializer if self.action == "create" else NoticeSerializer

    @extend_schema(request=NoticeWriteSerializer, responses=NoticeSerializer, summary="发出评价通知书")
    @idempotency.idempotent
    def create(self, request, *args, **kwargs):
        data = api_input.validated(request, NoticeWriteSerializer)
        evaluation = self.evaluation_from_body(request)
        values = plan.notice_defaults(evaluation)
        values.update({k: v for k, v in data.items() if k in plan.NOTICE_FIELDS and v})
        notice = plan.issue_notice(request.user, evaluation, values)
        return Response(NoticeSerializer(notice, context=self.get_serializer_context()).data, status=201)

    @extend_schema(request=EmptySerializer, responses=NoticeSerializer, summary="签收评价通知书")
    @action(detail=True, methods=["post"])
    def sign(self, request, pk=None):
        notice = self.get_object()
        api_input.body_dict(request)
        plan.sign_notice(request.user, notice)
        return Response(NoticeSerializer(notice, context=self.get_serializer_context()).data)


# ---------------------------------------------------------------------------------------------- fieldwork


class DocumentRequestSerializer(GatedModelSerializer):
    status_display = serializers.CharField(source="get_status_display", read_only=True)
    late = serializers.SerializerMethodField()
    files = serializers.SerializerMethodField()

    class Meta:
        model = DocumentRequest
        fields = [
            "id",
            "evaluation",
            "title",
            "detail",
            "due_on",
            "status",
            "status_display",
            "answer",
            "answered_at",
            "late",
            "files",
        ]
        read_only_fields = fields

    def get_late(self, obj) -> bool:
        return fieldwork.is_late(obj)

    def get_files(self, obj) -> list[str]:
        return [f.filename for f in obj.files.all()]


class DocumentRequestWriteSerializer(GatedSerializer):
    evaluation = serializers.IntegerField(help_text="重点评价 id")
    title = serializers.CharField(max_length=200)
    detail = serializers.CharField(required=False, allow_blank=True)
    due_on = serializers.DateField()


class AnswerSerializer(GatedSerializer):
    answer = serializers.CharField(required=False, allow_blank=True, max_length=5000)
    files = serializers.ListField(child=serializers.FileField(), required=False)


class DocumentRequestViewSet(mixins.CreateModelMixin, KeyevalsViewSet):
    api_description = (
        "资料需求：组织单位或受托机构提出（带提供期限）；被评价单位 `…/answer/` 提供（multipart 上传 files 和说明 answer，"
        "逾期提供标记为逾期、不拒收）；`…/accept/` 确认。"
    )
    queryset = DocumentRequest.objects.select_related("evaluation__evaluated").prefetch_related("files")
    serializer_class = DocumentRequestSerializer

    def get_serializer_class(self):
        return DocumentRequestWriteSerializer if self.action == "create" else DocumentRequestSerializer

    @extend_schema(request=DocumentRequestWriteSerializer, responses=DocumentRequestSerializer, summary="提出资料需求")
    @idempotency.idempotent
    def create(self, request, *args, **kwargs):
        data = api_input.validated(request, DocumentRequestWriteSerializer)
        evaluation = self.evaluation_from_body(request)
        row = fieldwork.create_request(request.user, evaluation, data)
        return Response(self._read(row), status=201)

    @extend_schema(request=AnswerSerializer, responses=DocumentRequestSerializer, summary="提供资料")
    @action(detail=True, methods=["post"])
    def answer(self, request, pk=None):
        row = self.get_object()
        body = api_input.body_dict(request)
        files = request.FILES.getlist("files") if hasattr(request, "FILES") else []
        answer = body.get("answer", "")
        if not isinstance(answer, str):
            raise exceptions.ValidationError({"answer": [f"answer 应为文字，收到的是{api_input.kind_of(answer)}"]})
        fieldwork.answer_request(request.user, row, answer, files)
        return Response(self._read(row))

    @extend_schema(request=EmptySerializer, responses=DocumentRequestSerializer, summary="确认资料")
    @action(detail=True, methods=["post"])
    def accept(self, request, pk=None):
        row = self.get_object()
        api_input.body_dict(request)
        fieldwork.accept_request(request.user, row)
        return Response(self._read(row))

    def _read(self, row):
        fresh = self.get_queryset().filter(pk=row.pk).first() or row
        return DocumentRequestSerializer(fresh, context=self.get_serializer_context()).data


class SiteVisitSerializer(GatedModelSerializer):
    class Meta:
        model = SiteVisit
        fields = ["id", "evaluation", "visited_on", "place", "people", "findings", "recorded_at"]
        read_only_fields = ["id", "recorded_at"]
        extra_kwargs = {"evaluation": {"read_only": True}}


class SiteVisitWriteSerializer(GatedSerializer):
    evaluation = serializers.IntegerField(help_text="重点评价 id")
    visited_on = serializers.DateField()
    place = serializers.CharField(max_length=200)
    people = serializers.CharField(max_length=300)
    findings = serializers.CharField()


class SiteVisitViewSet(mixins.CreateModelMixin, KeyevalsViewSet):
    api_description = "现场勘查记录：组织单位、受托机构和指派的专家记录；照片在页面上传。"
    queryset = SiteVisit.objects.select_related("evaluation")
    serializer_class = SiteVisitSerializer

    def get_serializer_class(self):
        return SiteVisitWriteSerializer if self.action == "create" else SiteVisitSerializer

    @extend_schema(request=SiteVisitWriteSerializer, responses=SiteVisitSerializer, summary="记录现场勘查")
    @idempotency.idempotent
    def create(self, request, *args, **kwargs):
        data = api_input.validated(request, SiteVisitWriteSerializer)
        visit = fieldwork.record_visit(request.user, self.evaluation_from_body(request), data)
        return Response(SiteVisitSerializer(visit, context=self.get_serializer_context()).data, status=201)


class ConsultationSerializer(GatedModelSerializer):
    class Meta:
        model = ConsultationNote
        fields = ["id", "evaluation", "held_on", "experts", "topic", "opinion"]
        read_only_fields = ["id"]
        extra_kwargs = {"evaluation": {"read_only": True}}


class ConsultationWriteSerializer(GatedSerializer):
    evaluation = serializers.IntegerField(help_text="重点评价 id")
    held_on = serializers.DateField()
    experts = serializers.CharField(max_length=300)
    topic = serializers.CharField(max_length=200)
    opinion = serializers.CharField()


class ConsultationViewSet(mixins.CreateModelMixin, KeyevalsViewSet):
    api_description = "专家咨询记录：组织单位、受托机构和指派的专家记录。"
    queryset = ConsultationNote.objects.select_related("evaluation")
    serializer_class = ConsultationSerializer

    def get_serializer_class(self):
        return ConsultationWriteSerializer if self.action == "create" else ConsultationSerializer

    @extend_schema(request=ConsultationWriteSerializer, responses=ConsultationSerializer, summary="记录专家咨询")
    @idempotency.idempotent
    def create(self, request, *args, **kwargs):
        data = api_input.validated(request, ConsultationWriteSerializer)
        note = fieldwork.record_consultation(request.user, self.evaluation_from_body(request), data)
        return Response(ConsultationSerializer(note, context=self.get_serializer_context()).data, status=201)


def register(router) -> None:
    router.register("key-evaluations", KeyEvaluationViewSet, basename="key-evaluation")
    router.register("key-evaluation-plans", WorkPlanViewSet, basename="key-evaluation-plan")
    router.register("key-evaluation-notices", NoticeViewSet, basename="key-evaluation-notice")
    router.register("key-evaluation-requests", DocumentRequestViewSet, basename="key-evaluation-request")
    router.register("key-evaluation-visits", SiteVisitViewSet, basename="key-evaluation-visit")
    router.register("key-evaluation-consultations", ConsultationViewSet, basename="key-evaluation-consultation")

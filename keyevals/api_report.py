"""The API of a key evaluation's report stage and archive: reports (sections, review chain, the Word draft, the edited
Word), the problems found, feedback letters (the organiser sends, the evaluated organisation replies), filings,
archive files (list, upload, download, 归集, zip export) and finance's export authorisation of the agency. Behind the
same gate as the pages and calling the same actions (keyevals.report_actions, letters, archive, export_auth).
Refusals: out of reach 404; a visible record's refused action 403 (audited); bad input 400 naming the field; a stale
version 409. Every download or export asks the gate for Action.EXPORT (an agency only with finance's authorisation,
seed 004 三(九)2)."""

from __future__ import annotations

from urllib.parse import quote

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import HttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import exceptions, mixins, serializers, status
from rest_framework.decorators import action
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.response import Response

from accounts.roles import Action
from audit import trail
from audit.models import AuditAction
from core import access, api_input
from core.api import GatedModelSerializer, GatedReadOnlyViewSet, GatedSerializer
from keyevals import letters, report_actions, report_docx
from keyevals.models import (
    EvaluationReport,
    FeedbackLetter,
    FilingTo,
    KeyEvaluation,
    Problem,
    ProblemCategory,
    ReportFiling,
)
from workflow.actions import StaleDocument

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def _invalid(exc: DjangoValidationError) -> exceptions.ValidationError:
    if hasattr(exc, "error_dict"):
        return exceptions.ValidationError(
            {
                ("non_field_errors" if k == "__all__" else k): [m for e in v for m in e.messages]
                for k, v in exc.error_dict.items()
            }
        )
    return exceptions.ValidationError({"non_field_errors": exc.messages})


class ActionErrors:
    """Answers an action's refusal: 400 (ValidationError), 403 (PermissionDenied), 409 (a stale version)."""

    def handle_exception(self, exc):
        if isinstance(exc, StaleDocument):
            return Response({"detail": exc.message, "code": "stale"}, status=status.HTTP_409_CONFLICT)
        if isinstance(exc, DjangoValidationError):
            exc = _invalid(exc)
        if isinstance(exc, DjangoPermissionDenied):
            exc = exceptions.PermissionDenied(str(exc))
        return super().handle_exception(exc)

    def check_object_permissions(self, request, obj):
        return  # who may act is the action's question (refusals audited, then 403); reach is get_queryset's


def _evaluation(request, pk, action_name=Action.VIEW) -> KeyEvaluation:
    return access.get_object_or_404(
        KeyEvaluation.objects.select_related("organiser__region", "evaluated", "agency", "contract"),
        request.user,
        action_name,
        pk=pk,
    )


def _evaluation_param(request) -> KeyEvaluation:
    raw = request.query_params.get("evaluation", "")
    if not raw.isdecimal() or not raw.isascii() or len(raw) > 18:
        raise exceptions.ValidationError({"evaluation": ["请提供重点评价 id（整数）"]})
    return _evaluation(request, int(raw))


def _docx_response(content: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type=DOCX)
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(filename)}"
    return response


EVALUATION_FILTER = OpenApiParameter("evaluation", int, required=False, description="只列出该重点评价的记录")


class EvaluationFiltered:
    def filter_queryset(self, queryset):
        queryset = super().filter_queryset(queryset)
        if self.action == "list" and "evaluation" in self.request.query_params:
            raw = self.request.query_params["evaluation"]
            if not raw.isdecimal() or len(raw) > 18:
                raise exceptions.ValidationError({"evaluation": ["重点评价 id 应为整数"]})
            queryset = queryset.filter(evaluation_id=int(raw))
        return queryset


# ---------------------------------------------------------------------------------------------- reports


class ReportSerializer(GatedModelSerializer):
    evaluation_title = serializers.CharField(source="evaluation.title", read_only=True)
    status_display = serializers.CharField(source="get_status_display", read_only=True)
    step = serializers.CharField(source="current_step_name", read_only=True)
    current_document = serializers.SerializerMethodField(
        help_text="报告以何为准：edited 上传的修改稿；generated 系统初稿"
    )

    class Meta:
        model = EvaluationReport
        fields = [
            "id",
            "evaluation",
            "evaluation_title",
            "status",
            "status_display",
            "step",
            "version",
            *report_actions.SECTIONS,
            "current_document",
            "submitted_at",
            "updated_at",
        ]
        read_only_fields = fields

    def get_current_document(self, obj) -> str:
        return report_actions.current_document(obj)


class ReportCreateSerializer(GatedSerializer):
    evaluation = serializers.IntegerField(help_text="重点评价 id（须处于“报告”阶段）")


class SectionsSerializer(GatedSerializer):
    version = serializers.IntegerField(help_text="读取时的版本号（乐观锁；已变化时 409）")
    summary = serializers.CharField(required=False, allow_blank=True, max_length=20000)
    basic_facts = serializers.CharField(required=False, allow_blank=True, max_length=20000)
    work_done = serializers.CharField(required=False, allow_blank=True, max_length=20000)
    analysis = serializers.CharField(required=False, allow_blank=True, max_length=20000)
    conclusion = serializers.CharField(required=False, allow_blank=True, max_length=20000)
    suggestions = serializers.CharField(required=False, allow_blank=True, max_length=20000)
    annexes = serializers.CharField(required=False, allow_blank=True, max_length=20000)


class TransitionSerializer(GatedSerializer):
    action = serializers.ChoiceField(
        choices=["submit", "approve", "return"], help_text="submit 提交；approve 通过；return 退回"
    )
    version = serializers.IntegerField(help_text="读取时的版本号")
    opinion = serializers.CharField(required=False, allow_blank=True, max_length=1000, help_text="意见（退回时必填）")
    target_step = serializers.IntegerField(required=False, min_value=0, max_value=100, help_text="退回到的环节序号")


class EditedUploadSerializer(GatedSerializer):
    edited_file = serializers.FileField(help_text="修改后的报告（Word、WPS、PDF 或 OFD）")


class KeyEvaluationReportViewSet(ActionErrors, EvaluationFiltered, mixins.CreateModelMixin, GatedReadOnlyViewSet):
    api_description = (
        "重点评价报告（附件5）：评分结束后由报告撰写人（受托机构，或组织单位的评价工作组）创建（POST evaluation）；"
        "PATCH 保存各部分文字（带 version，草稿或退回时）；`…/transition/` 提交、审核通过或退回；`…/draft/` 下载按评价数据生成的"
        "Word 初稿；`…/edited/` 上传修改后的 Word（此后以其为准）。下载须有导出权限：受托机构须经财政部门授权。"
    )
    queryset = EvaluationReport.objects.select_related("evaluation", "chain").order_by("-evaluation_id", "pk")
    serializer_class = ReportSerializer
    http_method_names = ["get", "post", "patch", "head", "options"]

    @extend_schema(parameters=[EVALUATION_FILTER])
    def list(self, request, *args, **kwargs):
        return super().list(request, *args, **kwargs)

    @extend_schema(request=ReportCreateSerializer, summary="开始撰写评价报告")
    def create(self, request, *args, **kwargs):
        values = api_input.validated(request, ReportCreateSerializer)
        evaluation = _evaluation(request, values["evaluation"])
        report = report_actions.create_report(request.user, evaluation)
        return Response(self.get_serializer(report).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=SectionsSerializer, summary="保存报告各部分文字")
    def partial_update(self, request, *args, **kwargs):
        report = self.get_object()
        values = dict(api_input.validated(request, SectionsSerializer))
        version = values.pop("version")
        report = report_actions.save_sections(request.user, report, version, values)
        return Response(self.get_serializer(report).data)

    @extend_schema(request=TransitionSerializer, summary="提交、审核通过或退回评价报告")
    @action(detail=True, methods=["post"])
    def transition(self, request, pk=None):
        report = self.get_object()
        values = api_input.validated(request, TransitionSerializer)
        report = report_actions.transition(
            request.user,
            report,
            values["action"],
            values["version"],
            values.get("opinion", ""),
            values.get("target_step"),
        )
        return Response(self.get_serializer(report).data)

    @extend_schema(
        summary="下载评价报告初稿（Word，按评价数据生成）",
        responses={(200, DOCX): OpenApiResponse(OpenApiTypes.BINARY, description="Word 文件")},
    )
    @action(detail=True, methods=["get"])
    def draft(self, request, pk=None):
        report = self.get_object()
        evaluation = _evaluation(request, report.evaluation_id, Action.EXPORT)
        trail.record(AuditAction.EXPORT, report, actor=request.user, reason="生成评价报告初稿（Word）")
        return _docx_response(report_docx.report_document(evaluation, report), report_docx.report_filename(evaluation))

    @extend_schema(request={"multipart/form-data": EditedUploadSerializer}, summary="上传修改后的评价报告")
    @action(detail=True, methods=["post"], parser_classes=[MultiPartParser, FormParser])
    def edited(self, request, pk=None):
        report = self.get_object()
        values = api_input.validated(request, EditedUploadSerializer)
        report = report_actions.upload_edited(request.user, report, values["edited_file"])
        return Response(self.get_serializer(report).data)


# ---------------------------------------------------------------------------------------------- problems


class ProblemSerializer(GatedModelSerializer):
    category = serializers.ChoiceField(choices=ProblemCategory.choices)
    category_display = serializers.CharField(source="get_category_display", read_only=True)
    responsible = serializers.IntegerField(source="responsible_id", help_text="责任单位 id（被评价单位或其所属单位）")
    responsible_name = serializers.CharField(source="responsible.name", read_only=True)
    indicator = serializers.IntegerField(
        source="indicator_id", required=False, allow_null=True, help_text="评价指标 id"
    )
    amount = serializers.DecimalField(max_digits=14, decimal_places=2, required=False, allow_null=True, min_value=0)

    class Meta:
        model = Problem
        fields = [
            "id",
            "evaluation",
            "order",
            "category",
            "category_display",
            "description",
            "suggestion",
            "responsible",
            "responsible_name",
            "indicator",
            "amount",
        ]
        read_only_fields = ["order"]
        extra_kwargs = {"description": {"max_length": 5000}, "suggestion": {"max_length": 5000}}


def _problem_data(values: dict) -> dict:
    data = dict(values)
    if "responsible_id" in data:
        data["responsible"] = data.pop("responsible_id")
    if "indicator_id" in data:
        data["indicator"] = data.pop("indicator_id")
    data.pop("evaluation", None)
    return data


class KeyProblemViewSet(
    ActionErrors, EvaluationFiltered, mixins.CreateModelMixin, mixins.DestroyModelMixin, GatedReadOnlyViewSet
):
    api_description = (
        "评价发现的问题：结构化的问题清单（类别、描述、整改建议、责任单位、相关指标、涉及金额），写入评价报告的"
        "“评价发现的问题”，评价完成后作为整改事项。报告撰写人在报告草稿或退回时增删改；`?evaluation=<评价 id>` 只列出该评价的问题。"
    )
    queryset = Problem.objects.select_related("evaluation", "responsible", "indicator")
    serializer_class = ProblemSerializer
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]

    @extend_schema(parameters=[EVALUATION_FILTER])
    def list(self, request, *args, **kwargs):
        return super().list(request, *args, **kwargs)

    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=api_input.body_dict(request))
        serializer.is_valid(raise_exception=True)
        evaluation = _evaluation(request, serializer.validated_data["evaluation"].pk)
        problem = report_actions.add_problem(request.user, evaluation, _problem_data(serializer.validated_data))
        return Response(self.get_serializer(problem).data, status=status.HTTP_201_CREATED)

    def partial_update(self, request, *args, **kwargs):
        problem = self.get_object()
        serializer = self.get_serializer(problem, data=api_input.body_dict(request), partial=True)
        serializer.is_valid(raise_exception=True)
        problem = report_actions.update_problem(request.user, problem, _problem_data(serializer.validated_data))
        return Response(self.get_serializer(problem).data)

    def update(self, request, *args, **kwargs):
        if not kwargs.get("partial"):
            raise exceptions.MethodNotAllowed(request.method)
        return self.partial_update(request, *args, **kwargs)

    def perform_destroy(self, instance):
        report_actions.delete_problem(self.request.user, instance)


# ---------------------------------------------------------------------------------------------- feedback letters


class LetterSerializer(GatedModelSerializer):
    evaluation_title = serializers.CharField(source="evaluation.title", read_only=True)
    evaluated = serializers.CharField(source="evaluation.evaluated.name", read_only=True)
    status_display = serializers.CharField(source="get_status_display", read_only=True)
    deadline = serializers.SerializerMethodField(help_text="函件中的反馈期限句")
    reply_sections = serializers.SerializerMethodField(help_text="反馈意见：[{heading, text}]")

    class Meta:
        model = FeedbackLetter
        fields = [
            "id",
            "evaluation",
            "evaluation_title",
            "evaluated",
            "number",
            "body",
            "deadline",
            "reply_due",
            "status",
            "status_display",
            "objection",
            "reply_sections",
            "replied_at",
            "deemed_at",
            "sent_at",
        ]
        read_only_fields = fields

    def get_deadline(self, obj) -> str:
        return letters.deadline_sentence(obj)

    def get_reply_sections(self, obj) -> list[dict]:
        return [{"heading": h, "text": t} for h, t in letters.parse_reply(obj.reply)]


class LetterCreateSerializer(GatedSerializer):
    evaluation = serializers.IntegerField(help_text="重点评价 id")
    body = serializers.CharField(
        required=False, allow_blank=True, max_length=5000, help_text="正文；不填用附件6 的格式文字"
    )
    reply_due = serializers.DateField(required=False, help_text="反馈截止日期；不填为发函后 JIXIAO_FEEDBACK_DAYS 天")
    number = serializers.CharField(required=False, allow_blank=True, max_length=60, help_text="文号")


class ReplySerializer(GatedSerializer):
    objection = serializers.BooleanField(help_text="是否有异议")
    on_conclusion = serializers.CharField(
        required=False, allow_blank=True, max_length=5000, help_text="对评价结论的意见"
    )
    on_suggestions = serializers.CharField(required=False, allow_blank=True, max_length=5000, help_text="对建议的意见")
    other = serializers.CharField(required=False, allow_blank=True, max_length=5000, help_text="其它意见或建议")


class FeedbackLetterViewSet(ActionErrors, EvaluationFiltered, mixins.CreateModelMixin, GatedReadOnlyViewSet):
    api_description = (
        "评价结果反馈意见函（附件6）：组织单位在报告初稿形成后、审核通过前发给被评价单位（POST），反馈截止日期默认为发函后 10 天；"
        "被评价单位 `…/reply/` 反馈（有无异议及对评价结论、建议的意见和其它意见）。截止日期当日仍可反馈，次日起逾期未复视为无异议"
        "（每日后台任务处理，读取时也即时处理），此后不能再反馈。`…/docx/` 下载函件 Word。"
    )
    queryset = FeedbackLetter.objects.select_related("evaluation__evaluated")
    serializer_class = LetterSerializer
    http_method_names = ["get", "post", "head", "options"]

    @extend_schema(parameters=[EVALUATION_FILTER])
    def list(self, request, *args, **kwargs):
        return super().list(request, *args, **kwargs)

    def get_object(self):
        letter = super().get_object()
        letters.deem_overdue(letter=letter)
        return letter

    @extend_schema(request=LetterCreateSerializer, summary="发送反馈意见函（组织单位）")
    def create(self, request, *args, **kwargs):
        values = dict(api_input.validated(request, LetterCreateSerializer))
        evaluation = _evaluation(request, values.pop("evaluation"))
        letter = letters.send_letter(request.user, evaluation, **values)
        return Response(self.get_serializer(letter).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=ReplySerializer, summary="反馈意见（被评价单位）")
    @action(detail=True, methods=["post"])
    def reply(self, request, pk=None):
        letter = self.get_object()
        values = dict(api_input.validated(request, ReplySerializer))
        objection = values.pop("objection")
        letter = letters.reply(request.user, letter, objection=objection, sections=values)
        return Response(self.get_serializer(letter).data)

    @extend_schema(
        summary="下载反馈意见函（Word）",
        responses={(200, DOCX): OpenApiResponse(OpenApiTypes.BINARY, description="Word 文件")},
    )
    @action(detail=True, methods=["get"])
    def docx(self, request, pk=None):
        letter = self.get_object()
        if not access.can(request.user, Action.EXPORT, letter):
            raise exceptions.NotFound("记录不存在或无权访问")
        trail.record(AuditAction.EXPORT, letter, actor=request.user, reason="下载评价结果反馈意见函（Word）")
        return _docx_response(report_docx.letter_document(letter), report_docx.letter_filename(letter))


# ---------------------------------------------------------------------------------------------- filings


class FilingSerializer(GatedModelSerializer):
    filed_with_display = serializers.CharField(source="get_filed_with_display", read_only=True)
    filed_by_name = serializers.CharField(source="filed_by.name", read_only=True, default="")

    class Meta:
        model = ReportFiling
        fields = [
            "id",
            "evaluation",
            "filed_with",
            "filed_with_display",
            "filed_on",
            "document_number",
            "filed_by_name",
        ]
        read_only_fields = fields


class FilingCreateSerializer(GatedSerializer):
    evaluation = serializers.IntegerField(help_text="重点评价 id")
    filed_with = serializers.ChoiceField(choices=FilingTo.choices, help_text="报送对象")
    filed_on = serializers.DateField(required=False, help_text="报送日期（默认今天）")
    document_number = serializers.CharField(required=False, allow_blank=True, max_length=60, help_text="报送文号")


class ReportFilingViewSet(ActionErrors, EvaluationFiltered, mixins.CreateModelMixin, GatedReadOnlyViewSet):
    api_description = (
        "评价报告报送：重大项目（政策）的评价报告审核通过后报送人民政府，合同约定的同时报送党委、人大（seed 004 三(七)）。"
        "组织单位登记报送（POST），同一对象只登记一次。"
    )
    queryset = ReportFiling.objects.select_related("evaluation", "filed_by").order_by(
        "-evaluation_id", "filed_on", "pk"
    )
    serializer_class = FilingSerializer
    http_method_names = ["get", "post", "head", "options"]

    @extend_schema(parameters=[EVALUATION_FILTER])
    def list(self, request, *args, **kwargs):
        return super().list(request, *args, **kwargs)

    @extend_schema(request=FilingCreateSerializer, summary="登记报送")
    def create(self, request, *args, **kwargs):
        values = dict(api_input.validated(request, FilingCreateSerializer))
        evaluation = _evaluation(request, values.pop("evaluation"))
        filing = report_actions.record_filing(request.user, evaluation, **values)
        return Response(self.get_serializer(filing).data, status=status.HTTP_201_CREATED)


def register(router) -> None:
    from keyevals import api_archive  # the archive's viewsets build on this module's pieces

    router.register("key-evaluation-reports", KeyEvaluationReportViewSet)
    router.register("key-evaluation-problems", KeyProblemViewSet)
    router.register("feedback-letters", FeedbackLetterViewSet)
    router.register("report-filings", ReportFilingViewSet)
    api_archive.register(router)

"""The API of a key evaluation's archive (seed 003 第四十一条; seed 004 三(九)2) and of finance's export authorisation
of the agency: archive files (list, upload, delete, download, 归集, zip export) and the agencies' assignments
(``may_export``). Behind the gate and calling keyevals.archive and keyevals.export_auth; errors as in
keyevals/api_report.py."""

from __future__ import annotations

from urllib.parse import quote

from django.contrib.contenttypes.models import ContentType
from django.http import FileResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import exceptions, mixins, serializers, status
from rest_framework.decorators import action
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.response import Response

from core import api_input
from core.access import NOTHING
from core.api import GatedModelSerializer, GatedReadOnlyViewSet, GatedSerializer
from core.models import Assignment
from keyevals import archive, export_auth
from keyevals.api_report import EVALUATION_FILTER, ActionErrors, EvaluationFiltered, _evaluation, _evaluation_param
from keyevals.lifecycle import ORGANISER_ROLES
from keyevals.models import ArchiveCategory, ArchiveFile, KeyEvaluation
from organisations.choices import OrgKind
from workflow.guards import _assignment_q

# ---------------------------------------------------------------------------------------------- archive


class ArchiveFileSerializer(GatedModelSerializer):
    category_display = serializers.CharField(source="get_category_display", read_only=True)
    added_by_name = serializers.CharField(source="added_by.name", read_only=True, default="")

    class Meta:
        model = ArchiveFile
        fields = [
            "id",
            "evaluation",
            "category",
            "category_display",
            "title",
            "size",
            "sha256",
            "retention_years",
            "retain_until",
            "generated",
            "added_by_name",
            "added_at",
        ]
        read_only_fields = fields


class ArchiveUploadSerializer(GatedSerializer):
    evaluation = serializers.IntegerField(help_text="重点评价 id")
    category = serializers.ChoiceField(choices=ArchiveCategory.choices, help_text="档案类别")
    title = serializers.CharField(required=False, allow_blank=True, max_length=200, help_text="名称（默认文件名）")
    file = serializers.FileField(help_text="文件")


class EvaluationBodySerializer(GatedSerializer):
    evaluation = serializers.IntegerField(help_text="重点评价 id")


class ArchiveFileViewSet(
    ActionErrors, EvaluationFiltered, mixins.CreateModelMixin, mixins.DestroyModelMixin, GatedReadOnlyViewSet
):
    api_description = (
        "评价档案：每份文件带 SHA-256 校验值、保存期限（基础数据资料和评价报告 10 年，其他 5 年，seed 004 三(九)2）。"
        "组织单位或受托机构上传（multipart POST）、删除（归档前）；`collect/` 归集系统生成的材料；`…/download/` 下载单个文件、"
        "`export/?evaluation=<评价 id>` 导出整个档案（ZIP，含 manifest.csv 和 manifest.json），均先核验校验值并记入访问记录；"
        "下载和导出须有导出权限，受托机构须经财政部门授权。"
    )
    queryset = ArchiveFile.objects.select_related("evaluation", "added_by")
    serializer_class = ArchiveFileSerializer
    http_method_names = ["get", "post", "delete", "head", "options"]
    parser_classes = [JSONParser, MultiPartParser, FormParser]

    @extend_schema(parameters=[EVALUATION_FILTER])
    def list(self, request, *args, **kwargs):
        return super().list(request, *args, **kwargs)

    @extend_schema(request={"multipart/form-data": ArchiveUploadSerializer}, summary="上传归档文件")
    def create(self, request, *args, **kwargs):
        values = api_input.validated(request, ArchiveUploadSerializer)
        evaluation = _evaluation(request, values["evaluation"])
        item = archive.upload(
            request.user, evaluation, category=values["category"], title=values.get("title", ""), upload=values["file"]
        )
        return Response(self.get_serializer(item).data, status=status.HTTP_201_CREATED)

    def perform_destroy(self, instance):
        archive.remove(self.request.user, instance)

    @extend_schema(
        summary="下载档案文件（核验校验值，记入访问记录）",
        responses={(200, "application/octet-stream"): OpenApiResponse(OpenApiTypes.BINARY, description="文件")},
    )
    @action(detail=True, methods=["get"])
    def download(self, request, pk=None):
        item = self.get_object()
        if not archive.may_export(request.user, item.evaluation):
            raise exceptions.NotFound(archive.NO_EXPORT)
        return archive.download(request.user, item)

    @extend_schema(request=EvaluationBodySerializer, summary="归集档案（按评价数据生成材料）")
    @action(detail=False, methods=["post"])
    def collect(self, request):
        values = api_input.validated(request, EvaluationBodySerializer)
        evaluation = _evaluation(request, values["evaluation"])
        result = archive.collect(request.user, evaluation)
        return Response(
            {
                "detail": result.message,
                "added": [f.pk for f in result.added],
                "replaced": [f.pk for f in result.replaced],
                "missing": result.missing,
            }
        )

    @extend_schema(
        summary="导出档案（ZIP，含清单）",
        parameters=[OpenApiParameter("evaluation", int, required=True, description="重点评价 id")],
        responses={(200, "application/zip"): OpenApiResponse(OpenApiTypes.BINARY, description="ZIP 文件")},
    )
    @action(detail=False, methods=["get"])
    def export(self, request):
        evaluation = _evaluation_param(request)
        if not archive.may_export(request.user, evaluation):
            raise exceptions.NotFound(archive.NO_EXPORT)
        out, filename = archive.export_zip(request.user, evaluation)
        response = FileResponse(out, content_type="application/zip")
        response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(filename)}"
        return response


# ---------------------------------------------------------------------------------------------- export authorisation


def organised(user):
    result = NOTHING
    for assignment in user.role_assignments():
        if assignment.role in ORGANISER_ROLES:
            q = _assignment_q(KeyEvaluation, assignment, user)
            if q is not NOTHING:
                result |= q
    return KeyEvaluation.objects.none() if result is NOTHING else KeyEvaluation.objects.filter(result)


class ExportAuthorisationSerializer(GatedSerializer):
    id = serializers.IntegerField(read_only=True)
    evaluation = serializers.IntegerField(source="object_id", read_only=True, help_text="重点评价 id")
    agency = serializers.CharField(source="organisation.name", read_only=True, help_text="受托机构")
    may_export = serializers.BooleanField(read_only=True, help_text="是否已授权导出")


class ExportChangeSerializer(GatedSerializer):
    may_export = serializers.BooleanField(help_text="true 授权；false 撤销授权")
    reason = serializers.CharField(max_length=500, help_text="理由（必填）")


class ExportAuthorisationViewSet(ActionErrors, GatedReadOnlyViewSet):
    api_description = (
        "受托机构导出授权（seed 004 三(九)2：未经财政部门同意或授权，受托机构不得导出、公布评价数据）：组织单位列出受托本单位"
        "所组织评价的机构，PATCH 授权或撤销（may_export、理由必填），每次变更记入审计日志。"
    )
    queryset = Assignment.objects.select_related("organisation")
    serializer_class = ExportAuthorisationSerializer
    http_method_names = ["get", "patch", "head", "options"]

    def get_queryset(self):
        user = self.request.user
        return (
            Assignment.objects.filter(
                content_type=ContentType.objects.get_for_model(KeyEvaluation),
                object_id__in=organised(user).values("pk"),
                organisation__kind=OrgKind.AGENCY,
            )
            .select_related("organisation")
            .order_by("object_id", "pk")
        )

    @extend_schema(request=ExportChangeSerializer, summary="授权或撤销受托机构导出")
    def partial_update(self, request, *args, **kwargs):
        assignment = self.get_object()
        values = api_input.validated(request, ExportChangeSerializer)
        evaluation = _evaluation(request, assignment.object_id)
        assignment = export_auth.set_export(
            request.user, evaluation, assignment, values["may_export"], values["reason"]
        )
        return Response(self.get_serializer(assignment).data)


def register(router) -> None:
    router.register("archive-files", ArchiveFileViewSet)
    router.register("key-evaluation-export-authorisations", ExportAuthorisationViewSet, basename="keyeval-export-auth")

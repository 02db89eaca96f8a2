"""API: upload a file to import (multipart ``kind`` + ``file``) and poll the job it starts."""

from django.core.exceptions import PermissionDenied
from django.http import Http404
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.response import Response

from audit.context import client_ip
from core import api_input, idempotency
from core.api import ID_REGEX, GatedModelSerializer, GatedSerializer
from imports import liveness
from imports.actions import start_import
from imports.framework import ImportFileError, get_importer, importer_choices
from imports.models import ImportJob


class ImportJobSerializer(GatedModelSerializer):
    kind_title = serializers.CharField(source="importer_title", read_only=True)
    status_display = serializers.CharField(source="get_status_display", read_only=True)
    phase_display = serializers.CharField(source="get_phase_display", read_only=True)
    percent = serializers.IntegerField(read_only=True)

    class Meta:
        model = ImportJob
        fields = [
            "id",
            "kind",
            "kind_title",
            "original_name",
            "file_size",
            "status",
            "status_display",
            "phase",
            "phase_display",
            "total_rows",
            "processed_rows",
            "percent",
            "error_count",
            "errors",
            "summary",
            "created_at",
            "started_at",
            "finished_at",
        ]
        read_only_fields = fields


class ImportUploadSerializer(GatedSerializer):
    kind = serializers.ChoiceField(choices=[], help_text="导入类型：organisations（机构）、users（用户）")
    file = serializers.FileField(help_text=".xlsx 文件，格式同页面上的导入模板")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = importer_choices()


class ImportJobViewSet(
    mixins.CreateModelMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    """Your import jobs. POST starts one in the background; GET /api/imports/{id}/ until it is done."""

    api_description = "您发起的导入任务。POST 上传文件（`kind`、`file`）后在后台检查和写入，用 GET 查询进度和结果；有任何错误则不写入任何数据，并给出逐行错误清单。"

    queryset = ImportJob.objects.all()
    serializer_class = ImportJobSerializer
    lookup_value_regex = ID_REGEX
    parser_classes = [MultiPartParser, FormParser]

    def get_queryset(self):
        return ImportJob.objects.of(self.request.user).exclude(kind="export")  # exports have their own pages

    def get_serializer_class(self):
        return ImportUploadSerializer if self.action == "create" else ImportJobSerializer

    def get_object(self):
        return liveness.check(super().get_object())  # polling a job whose worker died fails it

    @extend_schema(request=ImportUploadSerializer, responses={201: ImportJobSerializer})
    @idempotency.idempotent
    def create(self, request, *args, **kwargs):
        values = api_input.validated(request, ImportUploadSerializer)
        try:
            job = start_import(
                request.user,
                get_importer(values["kind"]),
                values["file"],
                ip=client_ip(request),
            )
        except PermissionDenied:
            raise Http404 from None
        except ImportFileError as exc:
            raise serializers.ValidationError({"file": [str(exc)]}) from None
        return Response(
            ImportJobSerializer(job).data,
            status=status.HTTP_201_CREATED,
            headers={"Location": f"/api/imports/{job.pk}/"},
        )

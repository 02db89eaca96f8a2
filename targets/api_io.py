"""API for target sheets as documents and for 指标推荐 (docs/decisions/0013), behind the same gate and
calling the same functions as the pages (targets/views_io.py):

- ``GET  /api/target-sheet-documents/{id}/xlsx/``: one sheet in the 附件1 layout (export; audited)
- ``GET  /api/target-sheet-documents/xlsx/?status=&fiscal_year=&department=&q=``: the filtered list
- ``POST /api/target-sheet-documents/upload/`` (multipart ``file``): create or update draft sheets,
  all-or-nothing; 400 with ``issues`` (each cell-precise) on any problem, 404 for a subject out of reach
- ``GET  /api/target-sheet-documents/{id}/docx/``: the Word print with the review opinions (view; audited)
- ``GET  /api/target-sheet-documents/{id}/recommendations/``: suggestions for the sheet
- ``POST /api/target-sheet-documents/{id}/recommendations/``: add one (``horizon``, ``level1``, ``level2``,
  ``name``, ``unit``; ``version`` or the ``If-Match`` header for the optimistic lock)
"""

from __future__ import annotations

from django.http import Http404, HttpResponse
from django.utils.encoding import escape_uri_path
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.response import Response

from accounts.roles import Action
from audit import trail
from audit.models import AuditAction
from core import access, api_input, idempotency
from core.api import ID_REGEX, GatedSerializer
from core.xlsx import XLSX_MIME, bytes_response
from imports.framework import ImportFileError
from targets import recommend
from targets.documents import upload as sheet_upload
from targets.documents import word, xlsx_write
from targets.models import TargetSheet
from targets.views_io import DOCX_MIME, MAX_EXPORT_SHEETS, ExportFilterSet
from workflow import guards
from workflow.actions import StaleDocument


class UploadSerializer(GatedSerializer):
    file = serializers.FileField(help_text="填好的申报表（.xlsx，附件1 格式）")
    reason = serializers.CharField(required=False, allow_blank=True, max_length=500)


class AddSerializer(GatedSerializer):
    horizon = serializers.CharField()
    level1 = serializers.CharField()
    level2 = serializers.CharField()
    name = serializers.CharField()
    unit = serializers.CharField(required=False, allow_blank=True, default="")
    version = serializers.IntegerField(required=False)


class TargetSheetDocumentViewSet(viewsets.GenericViewSet):
    """Excel and Word documents of target sheets, their upload, and indicator recommendations."""

    api_description = (
        "绩效目标申报表的文件：按附件1 表样下载和上传 Excel、下载 Word 打印件，以及按往年同类项目推荐指标。"
    )

    queryset = TargetSheet.objects.select_related("subject__organisation", "subject__department", "chain")
    serializer_class = UploadSerializer
    parser_classes = [JSONParser, FormParser, MultiPartParser]
    pagination_class = None
    filter_backends = []
    lookup_value_regex = ID_REGEX

    def _sheet(self, action_name=Action.VIEW):
        return access.get_object_or_404(
            self.get_queryset().prefetch_related("indicators", "stages", "subject__year_amounts"),
            self.request.user,
            action_name,
            pk=self.kwargs["pk"],
        )

    @extend_schema(responses={(200, XLSX_MIME): OpenApiTypes.BINARY}, summary="下载申报表（Excel，附件1 格式）")
    @action(detail=True, methods=["get"], url_path="xlsx")
    def xlsx(self, request, pk=None):
        sheet = self._sheet(Action.EXPORT)
        trail.record(AuditAction.EXPORT, sheet, reason="下载绩效目标申报表（Excel，附件1 格式，API）")
        return bytes_response(xlsx_write.filename([sheet]), xlsx_write.workbook_bytes([sheet]))

    @extend_schema(responses={(200, XLSX_MIME): OpenApiTypes.BINARY}, summary="按筛选条件下载申报表（每份一个工作表）")
    @action(detail=False, methods=["get"], url_path="xlsx", url_name="list-xlsx")
    def list_xlsx(self, request):
        filterset = ExportFilterSet(
            request.query_params or None, queryset=xlsx_write.export_queryset(request.user), request=request
        )
        if filterset.is_bound and not filterset.is_valid():
            return Response(filterset.errors, status=status.HTTP_400_BAD_REQUEST)
        sheets = list(filterset.qs.order_by("subject__code", "-fiscal_year", "revision")[: MAX_EXPORT_SHEETS + 1])
        if not sheets:
            return Response({"detail": "没有符合条件、可导出的绩效目标申报表"}, status=status.HTTP_404_NOT_FOUND)
        if len(sheets) > MAX_EXPORT_SHEETS:
            return Response(
                {"detail": f"符合条件的申报表超过 {MAX_EXPORT_SHEETS} 份，请缩小筛选范围"},
                status=status.HTTP_400_BAD_REQUEST,
            )
        trail.record(
            AuditAction.EXPORT,
            object_type="targets.targetsheet",
            object_repr=f"导出绩效目标申报表（附件1 格式，{len(sheets)} 份，API）",
            changes={"筛选条件": request.query_params.urlencode()},
        )
        return bytes_response(xlsx_write.filename(sheets), xlsx_write.workbook_bytes(sheets))

    @extend_schema(
        request={"multipart/form-data": UploadSerializer}, summary="上传填好的申报表（全部成功或全部不写入）"
    )
    @action(detail=False, methods=["post"])
    @idempotency.idempotent
    def upload(self, request):
        values = api_input.validated(request, UploadSerializer)
        try:
            saved = sheet_upload.upload(request.user, values["file"], reason=values.get("reason", ""))
        except ImportFileError as exc:
            return Response({"detail": str(exc), "issues": [str(exc)]}, status=status.HTTP_400_BAD_REQUEST)
        except sheet_upload.UploadError as exc:
            return Response(
                {"detail": "文件有误，没有写入任何内容", "issues": exc.messages}, status=status.HTTP_400_BAD_REQUEST
            )
        return Response(
            {
                "sheets": [
                    {
                        "id": s.pk,
                        "title": str(s),
                        "blocking_count": s.blocking_count,
                        "warning_count": s.warning_count,
                        "version": s.version,
                    }
                    for s in saved
                ]
            },
            status=status.HTTP_200_OK,
        )

    @extend_schema(responses={(200, DOCX_MIME): OpenApiTypes.BINARY}, summary="打印申报表（Word，含审核意见）")
    @action(detail=True, methods=["get"])
    def docx(self, request, pk=None):
        sheet = self._sheet(Action.VIEW)
        content = word.build(sheet)
        trail.record(AuditAction.EXPORT, sheet, reason="打印绩效目标申报表（Word，附件1 格式，API）")
        response = HttpResponse(content, content_type=DOCX_MIME)
        response["Content-Disposition"] = f"attachment; filename*=UTF-8''{escape_uri_path(word.filename(sheet))}"
        return response

    @extend_schema(request=AddSerializer, summary="指标推荐（GET 列出；POST 采纳一条）")
    @action(detail=True, methods=["get", "post"])
    def recommendations(self, request, pk=None):
        sheet = self._sheet(Action.VIEW)
        if request.method == "GET":
            return Response({"sheet": sheet.pk, "suggestions": [s.as_dict() for s in recommend.suggest(sheet)]})
        if not guards.can_edit(request.user, sheet):
            trail.record(AuditAction.PERMISSION_DENIED, sheet, reason="采纳指标推荐：申报表不在可修改状态或无编辑权限")
            return Response({"detail": "申报表不在可修改状态或无编辑权限"}, status=status.HTTP_403_FORBIDDEN)
        values = api_input.validated(request, AddSerializer)
        suggestion = recommend.find(
            sheet, values["horizon"], values["level1"], values["level2"], values["name"], values["unit"]
        )
        if suggestion is None:
            raise Http404("没有这条推荐")
        version = values.get("version") or _if_match(request) or sheet.version
        try:
            sheet = recommend.add(sheet, request.user, version, suggestion)
        except StaleDocument as exc:
            return Response({"detail": exc.message}, status=status.HTTP_409_CONFLICT)
        return Response(
            {
                "sheet": sheet.pk,
                "version": sheet.version,
                "added": suggestion.as_dict(),
                "blocking_count": sheet.blocking_count,
            },
            status=status.HTTP_201_CREATED,
        )


def _if_match(request) -> int | None:
    value = request.headers.get("If-Match", "").strip('"')
    return int(value) if value.isdecimal() else None

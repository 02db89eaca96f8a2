from django.urls import reverse
from rest_framework import serializers

from core.api import GatedModelViewSet
from reports.filtersets import WorkReportFilterSet
from reports.models import WorkReport
from workflow.api import WORKFLOW_FIELDS, ReviewableSerializer, ReviewableViewSetMixin


class WorkReportSerializer(ReviewableSerializer):
    organisation_name = serializers.CharField(source="organisation.name", read_only=True)
    kind_display = serializers.CharField(source="get_kind_display", read_only=True)
    attachment = serializers.FileField(required=False, allow_null=True, write_only=True)
    attachment_url = serializers.SerializerMethodField(help_text="附件下载地址（经访问控制）")

    class Meta:
        model = WorkReport
        fields = [
            "id",
            "title",
            "fiscal_year",
            "organisation",
            "organisation_name",
            "kind",
            "kind_display",
            "content",
            "attachment",
            "attachment_url",
            *WORKFLOW_FIELDS,
            "created_at",
            "updated_at",
        ]

    def get_attachment_url(self, obj) -> str | None:
        return reverse("reports:attachment", args=[obj.pk]) if obj.attachment else None


class WorkReportViewSet(ReviewableViewSetMixin, GatedModelViewSet):
    api_description = (
        "工作报告：单位填报，按审核流程提交、审核通过或退回。修改时请带上 `version`，他人已修改时返回 409。"
    )
    queryset = WorkReport.objects.select_related("organisation", "chain").prefetch_related("chain__steps")
    serializer_class = WorkReportSerializer
    filterset_class = WorkReportFilterSet

from rest_framework import serializers

from core.api import CleanModelSerializer, GatedModelViewSet, GatedReadOnlyViewSet
from indicators.filtersets import IndicatorFilterSet, IndicatorProposalFilterSet
from indicators.models import Indicator, IndicatorProposal
from workflow.api import WORKFLOW_FIELDS, ReviewableSerializer, ReviewableViewSetMixin


class IndicatorSerializer(CleanModelSerializer):
    kind_display = serializers.CharField(source="get_kind_display", read_only=True)
    sector_display = serializers.CharField(source="get_sector_display", read_only=True)
    direction_display = serializers.CharField(source="get_direction_display", read_only=True)

    class Meta:
        model = Indicator
        fields = [
            "id",
            "code",
            "name",
            "kind",
            "kind_display",
            "level1",
            "level2",
            "group",
            "sector",
            "sector_display",
            "definition",
            "formula",
            "unit",
            "direction",
            "direction_display",
            "weight",
            "subject_kinds",
            "reference_values",
            "source",
            "is_active",
            "created_at",
            "updated_at",
        ]


class IndicatorViewSet(GatedReadOnlyViewSet):
    """指标库 (read-only reference data for every signed-in user; ?q= searches in Chinese)."""

    api_description = "指标库（只读）：共性指标与行业个性指标，含计算公式；`?q=` 按中文检索。"

    queryset = Indicator.objects.all()
    serializer_class = IndicatorSerializer
    filterset_class = IndicatorFilterSet


class IndicatorProposalSerializer(ReviewableSerializer):
    organisation_name = serializers.CharField(source="organisation.name", read_only=True)
    indicator = serializers.PrimaryKeyRelatedField(read_only=True)

    class Meta:
        model = IndicatorProposal
        fields = [
            "id",
            "organisation",
            "organisation_name",
            "name",
            "kind",
            "level1",
            "level2",
            "group",
            "sector",
            "definition",
            "formula",
            "unit",
            "direction",
            "weight",
            "subject_kinds",
            "reference_values",
            "reason",
            "indicator",
            *WORKFLOW_FIELDS,
            "created_at",
            "updated_at",
        ]


class IndicatorProposalViewSet(ReviewableViewSetMixin, GatedModelViewSet):
    api_description = "新指标提议：部门提议指标，经预算绩效管理科审核通过后入库。"
    queryset = IndicatorProposal.objects.select_related("organisation", "chain").prefetch_related("chain__steps")
    serializer_class = IndicatorProposalSerializer
    filterset_class = IndicatorProposalFilterSet

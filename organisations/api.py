from rest_framework import serializers

from core import access
from core.api import CleanModelSerializer, GatedModelViewSet
from organisations.filtersets import OrganisationFilterSet, RegionFilterSet
from organisations.forms import reachable_regions
from organisations.models import Organisation, Region


class RegionSerializer(CleanModelSerializer):
    class Meta:
        model = Region
        fields = ["id", "code", "name", "level", "parent"]


class OrganisationSerializer(CleanModelSerializer):
    kind_display = serializers.CharField(source="get_kind_display", read_only=True)
    region_code = serializers.CharField(source="region.code", read_only=True)

    class Meta:
        model = Organisation
        fields = [
            "id",
            "name",
            "short_name",
            "kind",
            "kind_display",
            "section_kind",
            "region",
            "region_code",
            "parent",
            "department",
            "budget_code",
            "credit_code",
            "contact",
            "phone",
            "is_active",
        ]
        read_only_fields = ["department"]


class RegionViewSet(GatedModelViewSet):
    api_description = "行政区划（省、市、县区、乡镇街道，6 位代码），所有已登录用户可读。"
    queryset = Region.objects.select_related("parent")
    serializer_class = RegionSerializer
    filterset_class = RegionFilterSet
    write_action = "manage"

    def creation_allowed(self, data):
        parent = data.get("parent")
        return (
            bool(parent)
            and reachable_regions(self.request.user).filter(pk=parent.pk).exists()
            and (access.has_capability(self.request.user, "manage_config"))
        )


class OrganisationViewSet(GatedModelViewSet):
    api_description = "机构：财政局及其科室、主管部门、预算单位、审计部门、第三方机构、承接主体。只列出您权限范围内的机构；系统管理员可新增和修改。"
    queryset = Organisation.objects.select_related("region")
    serializer_class = OrganisationSerializer
    filterset_class = OrganisationFilterSet
    write_action = "manage"

    def creation_allowed(self, data):
        if data.get("parent"):
            return access.can(self.request.user, "manage", data["parent"])
        return (
            access.has_capability(self.request.user, "manage_accounts")
            and reachable_regions(self.request.user).filter(pk=data["region"].pk).exists()
        )

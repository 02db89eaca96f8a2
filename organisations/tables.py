import django_tables2 as tables

from organisations.models import Organisation, Region


class OrganisationTable(tables.Table):
    name = tables.Column(linkify=True, verbose_name="名称")
    parent = tables.Column(verbose_name="上级机构", accessor="parent__name", order_by="parent__name")
    region = tables.Column(verbose_name="行政区划", accessor="region__name", order_by="region__code")

    class Meta:
        model = Organisation
        fields = ["name", "kind", "budget_code", "region", "parent", "is_active"]
        order_by = ("region", "budget_code")
        attrs = {"class": "table table-vcenter card-table table-striped"}


class RegionTable(tables.Table):
    name = tables.Column(linkify=True, verbose_name="名称")
    parent = tables.Column(verbose_name="上级区划", accessor="parent__name")

    class Meta:
        model = Region
        fields = ["code", "name", "level", "parent"]
        order_by = ("code",)
        attrs = {"class": "table table-vcenter card-table table-striped"}

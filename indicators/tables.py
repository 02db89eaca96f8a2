import django_tables2 as tables

from indicators.models import Indicator, IndicatorProposal
from workflow.tables import ReviewableTable


class IndicatorTable(tables.Table):
    code = tables.Column(linkify=True, verbose_name="指标代码")
    name = tables.Column(linkify=True, verbose_name="指标名称")

    class Meta:
        model = Indicator
        fields = [
            "code",
            "name",
            "kind",
            "sector",
            "level1",
            "level2",
            "formula",
            "unit",
            "direction",
            "weight",
            "source",
        ]
        order_by = ("code",)
        attrs = {"class": "table table-vcenter card-table table-striped"}


class IndicatorProposalTable(ReviewableTable):
    name = tables.Column(linkify=True, verbose_name="指标名称")
    organisation = tables.Column(accessor="organisation__name", verbose_name="提议部门", order_by="organisation__path")

    class Meta:
        model = IndicatorProposal
        fields = [
            "name",
            "organisation",
            "sector",
            "level1",
            "level2",
            "status",
            "current_step",
            "step_due_at",
            "updated_at",
        ]
        order_by = ("-updated_at",)
        attrs = {"class": "table table-vcenter card-table table-striped"}

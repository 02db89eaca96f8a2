"""List tables of the registers (the pages and their Excel exports share them)."""

from __future__ import annotations

import django_tables2 as tables

from agencies.models import AgencyContract, AgencyProfile, Expert, ExpertDraw, TeamProposal
from agencies.standing import effective_status
from core.links import detail_url
from core.tables import DateColumn, DateTimeColumn

STATUS_LABELS = {"active": "正常", "warned": "警告", "suspended": "暂停", "removed": "清退出库"}


def _average(record):
    value = getattr(record, "rating_average", None)
    return "—" if value is None else f"{value:.1f}"


class AgencyProfileTable(tables.Table):
    name = tables.Column(
        accessor="organisation__name",
        verbose_name="机构名称",
        linkify=lambda record: detail_url("agencies:detail", record.pk),
        order_by="organisation__name",
    )
    agency_type = tables.Column(verbose_name="机构类型")
    fields = tables.Column(verbose_name="擅长领域", default="—")
    staff_count = tables.Column(
        accessor="staff_count", verbose_name="人员", orderable=False, attrs={"td": {"class": "text-end"}}
    )
    rating = tables.Column(
        accessor="pk", verbose_name="平均评价得分", orderable=False, attrs={"td": {"class": "text-end"}}
    )
    rating_count = tables.Column(
        accessor="rating_count", verbose_name="评价次数", orderable=False, attrs={"td": {"class": "text-end"}}
    )
    status = tables.Column(verbose_name="在库状态")
    registered_on = DateColumn(verbose_name="入库日期")

    class Meta:
        model = AgencyProfile
        fields = []
        sequence = ["name", "agency_type", "fields", "staff_count", "rating", "rating_count", "status", "registered_on"]
        attrs = {"class": "table table-vcenter card-table table-striped", "id": "agency-table"}

    def render_rating(self, record):
        return _average(record)

    def value_rating(self, record):
        return _average(record)

    def render_status(self, record):
        return STATUS_LABELS.get(effective_status(record), record.get_status_display())

    def value_status(self, record):
        return self.render_status(record)


class ContractTable(tables.Table):
    number = tables.Column(
        verbose_name="合同编号", linkify=lambda record: detail_url("agencies:contract_detail", record.pk)
    )
    title = tables.Column(verbose_name="委托事项")
    agency_name = tables.Column(accessor="agency__organisation__name", verbose_name="受托机构")
    commissioner_name = tables.Column(accessor="commissioner__name", verbose_name="委托方")
    amount = tables.Column(verbose_name="合同金额（元）", attrs={"td": {"class": "text-end"}})
    signed_on = DateColumn(verbose_name="签订日期")
    ends_on = DateColumn(verbose_name="到期日期", default="—")
    status = tables.Column(verbose_name="状态")

    class Meta:
        model = AgencyContract
        fields = []
        sequence = ["number", "title", "agency_name", "commissioner_name", "amount", "signed_on", "ends_on", "status"]
        attrs = {"class": "table table-vcenter card-table table-striped", "id": "contract-table"}

    def render_amount(self, value):
        return f"{value:,.2f}"

    def value_amount(self, value):
        return value


class TeamProposalTable(tables.Table):
    contract_title = tables.Column(
        accessor="contract__title",
        verbose_name="委托事项",
        linkify=lambda record: detail_url("agencies:team_detail", record.pk),
    )
    agency_name = tables.Column(accessor="contract__agency__organisation__name", verbose_name="受托机构")
    created_at = DateColumn(verbose_name="提出日期")
    replaces = tables.Column(accessor="replaces_id", verbose_name="类型", orderable=False)
    status = tables.Column(verbose_name="状态")
    in_force = tables.BooleanColumn(verbose_name="现行团队", yesno="是,—")

    class Meta:
        model = TeamProposal
        fields = []
        sequence = ["contract_title", "agency_name", "created_at", "replaces", "status", "in_force"]
        attrs = {"class": "table table-vcenter card-table table-striped", "id": "team-table"}

    def render_replaces(self, value):
        return "人员调整" if value else "首次组建"

    def value_replaces(self, value):
        return self.render_replaces(value)


class ExpertTable(tables.Table):
    name = tables.Column(verbose_name="姓名", linkify=lambda record: detail_url("agencies:expert_detail", record.pk))
    title = tables.Column(verbose_name="职称", default="—")
    employer_name = tables.Column(verbose_name="工作单位")
    field_names = tables.Column(accessor="pk", verbose_name="专业领域", orderable=False)
    available = tables.BooleanColumn(verbose_name="可抽取", yesno="是,否")
    rating = tables.Column(
        accessor="pk", verbose_name="平均评价得分", orderable=False, attrs={"td": {"class": "text-end"}}
    )
    status = tables.Column(verbose_name="在库状态")

    class Meta:
        model = Expert
        fields = []
        sequence = ["name", "title", "employer_name", "field_names", "available", "rating", "status"]
        attrs = {"class": "table table-vcenter card-table table-striped", "id": "expert-table"}

    def render_field_names(self, record):
        return "、".join(f.name for f in record.fields.all()) or "—"

    def value_field_names(self, record):
        return self.render_field_names(record)

    def render_rating(self, record):
        return _average(record)

    def value_rating(self, record):
        return _average(record)

    def render_status(self, record):
        return {"active": "在库", "suspended": "暂停", "removed": "清退出库"}.get(
            effective_status(record), record.get_status_display()
        )

    def value_status(self, record):
        return self.render_status(record)


class ExpertDrawTable(tables.Table):
    drawn_at = DateTimeColumn(
        verbose_name="抽取时间",
        linkify=lambda record: detail_url("agencies:draw_detail", record.pk),
    )
    evaluated_name = tables.Column(accessor="evaluated__name", verbose_name="被评价单位")
    field_name = tables.Column(accessor="field__name", verbose_name="专业领域")
    count = tables.Column(verbose_name="抽取人数", attrs={"td": {"class": "text-end"}})
    purpose = tables.Column(verbose_name="用途", default="—")
    seed = tables.Column(verbose_name="随机种子")
    drawn_by_name = tables.Column(accessor="drawn_by__name", verbose_name="抽取人", default="—")

    class Meta:
        model = ExpertDraw
        fields = []
        sequence = ["drawn_at", "evaluated_name", "field_name", "count", "purpose", "seed", "drawn_by_name"]
        attrs = {"class": "table table-vcenter card-table table-striped", "id": "draw-table"}

    def value_seed(self, value):
        return str(value)  # beyond Excel's 15 digits: kept as text

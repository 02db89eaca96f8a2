import django_tables2 as tables
from django.utils.html import format_html

from core.tables import DateTimeColumn
from monitoring.choices import Light
from monitoring.models import DisbursementHold, MonitoringRound, MonitoringTable, PerformanceWarning
from workflow.tables import ReviewableTable

LIGHT_BADGE = {
    Light.GREEN: "bg-green text-white",
    Light.BLUE: "bg-blue text-white",
    Light.YELLOW: "bg-yellow text-white",
    Light.RED: "bg-red text-white",
    Light.NONE: "bg-secondary-lt",
}


def light_badge(light: str):
    return format_html('<span class="badge {}">{}</span>', LIGHT_BADGE.get(light, ""), Light(light).label)


def percent(value) -> str:
    return "—" if value is None else f"{value * 100:.1f}%"


class MonitoringRoundTable(tables.Table):
    name = tables.Column(linkify=True, verbose_name="名称")
    organisation = tables.Column(accessor="organisation__name", verbose_name="组织单位")

    class Meta:
        model = MonitoringRound
        fields = ["name", "organisation", "kind", "fiscal_year", "data_as_of", "due_date", "scope", "status"]
        attrs = {"class": "table table-vcenter card-table table-striped"}


class MonitoringTableTable(ReviewableTable):
    subject = tables.Column(
        accessor="subject__name",
        verbose_name="项目",
        linkify=lambda record: record.get_absolute_url(),
        order_by="subject__name",
    )
    organisation = tables.Column(
        accessor="subject__organisation__name", verbose_name="实施单位", order_by="subject__organisation__path"
    )
    round = tables.Column(accessor="round__name", verbose_name="监控轮次")
    execution_rate = tables.Column(verbose_name="预算执行率")
    execution_light = tables.Column(verbose_name="执行灯")
    target_light = tables.Column(verbose_name="目标灯")
    step_due_at = tables.Column(verbose_name="期限")

    class Meta:
        model = MonitoringTable
        fields = [
            "subject",
            "organisation",
            "round",
            "execution_rate",
            "execution_light",
            "target_light",
            "status",
            "current_step",
            "step_due_at",
        ]
        attrs = {"class": "table table-vcenter card-table table-striped"}

    def render_execution_rate(self, value):
        return percent(value)

    def render_execution_light(self, value, record):
        return light_badge(record.execution_light)

    def value_execution_light(self, record):
        return record.get_execution_light_display()

    def render_target_light(self, value, record):
        return light_badge(record.target_light)

    def value_target_light(self, record):
        return record.get_target_light_display()

    def render_step_due_at(self, record):
        late = record.is_late
        text = (
            f"{record.round.due_date:%Y-%m-%d}"
            if record.current_step == 0 and record.status != "approved"
            else super().render_step_due_at(record)
        )
        if late and record.submitted_at is None:
            return format_html('{} <span class="badge bg-red text-white">逾期未报</span>', text)
        if late:
            return format_html('{} <span class="badge bg-orange-lt">逾期报送</span>', text)
        return text


class PerformanceWarningTable(tables.Table):
    raised_at = DateTimeColumn(format="Y-m-d H:i", verbose_name="预警时间")
    subject = tables.Column(accessor="subject__name", verbose_name="项目", order_by="subject__name")
    organisation = tables.Column(accessor="subject__organisation__name", verbose_name="实施单位")
    rule = tables.Column(accessor="rule__name", verbose_name="预警规则")
    light = tables.Column(verbose_name="灯色")
    message = tables.Column(verbose_name="预警内容", linkify=lambda record: record.get_absolute_url())

    class Meta:
        model = PerformanceWarning
        fields = ["raised_at", "subject", "organisation", "rule", "light", "as_of", "status", "message"]
        attrs = {"class": "table table-vcenter card-table table-striped"}

    def render_light(self, record):
        return light_badge(record.light)

    def value_light(self, record):
        return record.get_light_display()

    def render_message(self, value):
        return value if len(value) <= 60 else value[:60] + "…"


class DisbursementHoldTable(tables.Table):
    subject = tables.Column(
        accessor="subject__name",
        verbose_name="项目",
        linkify=lambda record: record.subject.get_absolute_url(),
        order_by="subject__name",
    )
    organisation = tables.Column(accessor="subject__organisation__name", verbose_name="实施单位")
    kind = tables.Column(verbose_name="类型")
    decided = tables.Column(accessor="department__name", verbose_name="决定机关", default="财政部门（预警处置）")
    reason = tables.Column(verbose_name="理由")
    since = DateTimeColumn(format="Y-m-d H:i", verbose_name="生效时间")
    applied_at = DateTimeColumn(format="Y-m-d H:i", verbose_name="国库执行", default="待国库科确认")
    lifted_at = DateTimeColumn(format="Y-m-d H:i", verbose_name="解除时间")

    class Meta:
        model = DisbursementHold
        fields = [
            "subject",
            "organisation",
            "kind",
            "decided",
            "reason",
            "since",
            "applied_at",
            "lifted_at",
            "lift_reason",
        ]
        attrs = {"class": "table table-vcenter card-table table-striped"}

    def render_kind(self, record):
        css = "bg-red text-white" if record.kind == "stopped" else "bg-orange text-white"
        return format_html('<span class="badge {}">{}</span>', css, record.get_kind_display())

    def value_kind(self, record):
        return record.get_kind_display()

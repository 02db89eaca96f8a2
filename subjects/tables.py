import django_tables2 as tables
from django.utils.html import format_html

from subjects.models import Subject
from workflow.tables import ReviewableTable

STAGE_BADGE = {
    "pending": "bg-secondary-lt",
    "admitted": "bg-azure-lt",
    "funded": "bg-green-lt",
    "executing": "bg-teal-lt",
    "completed": "bg-lime-lt",
    "terminated": "bg-red-lt",
}


def yuan(value) -> str:
    return "—" if value is None else f"{value:,.2f}"


class SubjectTable(ReviewableTable):
    code = tables.Column(linkify=True, verbose_name="项目编码")
    name = tables.Column(linkify=True, verbose_name="项目名称")
    organisation = tables.Column(accessor="organisation__name", verbose_name="实施单位", order_by="organisation__path")
    department = tables.Column(accessor="department__name", verbose_name="主管部门", order_by="department__path")
    requested = tables.Column(verbose_name="本年度申请（元）", attrs={"td": {"class": "text-end"}})
    arranged = tables.Column(verbose_name="财政安排（元）", attrs={"td": {"class": "text-end"}})
    stage = tables.Column(verbose_name="库内阶段")

    class Meta:
        model = Subject
        fields = [
            "code",
            "name",
            "kind",
            "category",
            "organisation",
            "department",
            "fiscal_year",
            "requested",
            "arranged",
            "status",
            "current_step",
            "stage",
            "updated_at",
        ]
        order_by = ("-fiscal_year", "code")
        attrs = {"class": "table table-vcenter card-table table-striped"}

    def render_requested(self, value):
        return yuan(value)

    def render_arranged(self, value):
        return yuan(value)

    def value_requested(self, value):
        return value  # the export writes a number (core.xlsx)

    def value_arranged(self, value):
        return value

    def render_stage(self, record):
        return format_html(
            '<span class="badge {}">{}</span>', STAGE_BADGE.get(record.stage, ""), record.get_stage_display()
        )

    def value_stage(self, record):
        return record.get_stage_display()

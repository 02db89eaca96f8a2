"""Tables of the self-evaluation lists: rounds, and forms (the page and its xlsx export share the columns)."""

import django_tables2 as tables
from django.utils.html import format_html

from evaluations.models import SelfEvaluation, SelfEvaluationRound
from workflow.tables import ReviewableTable

GRADE_BADGE = {"优": "bg-green-lt", "良": "bg-blue-lt", "中": "bg-yellow-lt", "差": "bg-red-lt"}


def yuan(value) -> str:
    return "—" if value is None else f"{value:,.2f}"


def percent(value) -> str:
    return "—" if value is None else f"{value * 100:.2f}%"


class SelfEvaluationRoundTable(tables.Table):
    name = tables.Column(linkify=True, verbose_name="名称")
    organisation = tables.Column(accessor="organisation__name", verbose_name="组织单位")
    progress = tables.Column(accessor="forms_created", verbose_name="自评表", orderable=False)

    class Meta:
        model = SelfEvaluationRound
        fields = ["name", "organisation", "fiscal_year", "due_date", "progress", "status"]
        attrs = {"class": "table table-vcenter card-table table-striped"}

    def render_progress(self, record):
        if record.status == "opening":
            return f"生成中 {record.forms_created:,} / {record.forms_expected:,}"
        return f"{record.forms_created:,} 份"

    def value_progress(self, record):
        return record.forms_created


class SelfEvaluationTable(ReviewableTable):
    subject = tables.Column(
        accessor="subject__name",
        verbose_name="评价对象",
        linkify=lambda record: record.get_absolute_url(),
        order_by="subject__name",
    )
    organisation = tables.Column(accessor="organisation__name", verbose_name="自评单位", order_by="organisation__path")
    department = tables.Column(accessor="department__name", verbose_name="主管部门", order_by="department__path")
    budget = tables.Column(verbose_name="全年预算数（元）", attrs={"td": {"class": "text-end"}})
    paid = tables.Column(verbose_name="全年执行数（元）", attrs={"td": {"class": "text-end"}})
    execution_rate = tables.Column(verbose_name="执行率", attrs={"td": {"class": "text-end"}})
    total_score = tables.Column(verbose_name="自评得分", attrs={"td": {"class": "text-end"}})
    grade = tables.Column(verbose_name="等级")
    late = tables.Column(accessor="pk", verbose_name="逾期", orderable=False)

    class Meta:
        model = SelfEvaluation
        fields = [
            "subject",
            "organisation",
            "department",
            "fiscal_year",
            "stage",
            "kind",
            "budget",
            "paid",
            "execution_rate",
            "total_score",
            "grade",
            "status",
            "current_step",
            "late",
        ]
        exclude = ["step_due_at"]
        attrs = {"class": "table table-vcenter card-table table-striped"}

    def render_budget(self, value):
        return yuan(value)

    def value_budget(self, value):
        return value

    def render_paid(self, value):
        return yuan(value)

    def value_paid(self, value):
        return value

    def render_execution_rate(self, value):
        return percent(value)

    def value_execution_rate(self, value):
        return percent(value)

    def render_total_score(self, value):
        return f"{value:.2f}"

    def render_grade(self, value):
        return format_html('<span class="badge {}">{}</span>', GRADE_BADGE.get(value, "bg-secondary-lt"), value)

    def render_late(self, record):
        if not record.is_late:
            return ""
        label = "逾期报送" if record.submitted_at else "逾期未报"
        css = "bg-orange-lt" if record.submitted_at else "bg-red text-white"
        return format_html('<span class="badge {}">{}</span>', css, label)

    def value_late(self, record):
        if not record.is_late:
            return ""
        return "逾期报送" if record.submitted_at else "逾期未报"

import django_tables2 as tables
from django.utils.html import format_html

from assessments.models import Assessment, AssessmentTemplate
from workflow.tables import ReviewableTable


class AssessmentTable(ReviewableTable):
    subject = tables.Column(
        accessor="subject__name",
        verbose_name="评估对象",
        linkify=lambda record: record.get_absolute_url(),
        order_by="subject__name",
    )
    subject_code = tables.Column(accessor="subject__code", verbose_name="项目编码")
    organisation = tables.Column(
        accessor="subject__organisation__name", verbose_name="实施单位", order_by="subject__organisation__path"
    )
    kind = tables.Column(verbose_name="评估方式")
    agency = tables.Column(accessor="agency__name", verbose_name="受托机构", default="—")
    total_score = tables.Column(verbose_name="总分", default="—")
    conclusion = tables.Column(verbose_name="评估结论", default="—")

    class Meta:
        model = Assessment
        fields = [
            "subject",
            "subject_code",
            "organisation",
            "kind",
            "agency",
            "total_score",
            "conclusion",
            "status",
            "current_step",
            "step_due_at",
            "updated_at",
        ]
        order_by = ("-updated_at",)
        attrs = {"class": "table table-vcenter card-table table-striped"}

    def render_conclusion(self, record):
        if not record.conclusion:
            return "—"
        return format_html('<span class="badge {}">{}</span>', record.conclusion_badge, record.get_conclusion_display())

    def value_conclusion(self, record):
        return record.get_conclusion_display()


class AssessmentTemplateTable(tables.Table):
    name = tables.Column(linkify=True, verbose_name="模板名称")

    class Meta:
        model = AssessmentTemplate
        fields = ["name", "code", "applies_to", "version", "is_active", "effective_from", "support_min", "improve_min"]
        attrs = {"class": "table table-vcenter card-table table-striped"}

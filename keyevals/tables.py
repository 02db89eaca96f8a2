"""The list of key evaluations in reach (the page and its Excel export share it)."""

from __future__ import annotations

import django_tables2 as tables

from keyevals.models import KeyEvaluation


class KeyEvaluationTable(tables.Table):
    title = tables.Column(verbose_name="评价名称", linkify=lambda record: record.get_absolute_url())
    year = tables.Column(verbose_name="评价年度")
    stage = tables.Column(verbose_name="评价阶段")
    evaluated = tables.Column(accessor="evaluated__name", verbose_name="被评价单位", order_by="evaluated__name")
    organiser = tables.Column(accessor="organiser__name", verbose_name="组织单位", order_by="organiser__name")
    agency = tables.Column(accessor="agency__name", verbose_name="受托第三方机构", default="自行组织")
    object_amount = tables.Column(verbose_name="涉及资金（元）", attrs={"td": {"class": "text-end"}})
    status = tables.Column(verbose_name="状态")
    total_score = tables.Column(verbose_name="评价得分", default="—", attrs={"td": {"class": "text-end"}})
    grade = tables.Column(verbose_name="等级", default="—")

    class Meta:
        model = KeyEvaluation
        fields = []
        sequence = [
            "title",
            "year",
            "stage",
            "evaluated",
            "organiser",
            "agency",
            "object_amount",
            "status",
            "total_score",
            "grade",
        ]
        attrs = {"class": "table table-vcenter card-table table-striped", "id": "keyevaluation-table"}

    def render_object_amount(self, value):
        return f"{value:,.2f}"

    def value_object_amount(self, value):
        return value

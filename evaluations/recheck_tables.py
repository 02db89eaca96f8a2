"""Tables of the spot re-check (抽查复核): the re-checks of a sample and the list of every re-check in reach. The
unit's score is blind until the re-check is submitted (``recheck_actions.shows_self_score``), on the page and in the
export alike."""

from __future__ import annotations

import django_tables2 as tables

from evaluations import recheck_actions
from evaluations.models import RecheckItem


def reason_label(reason: str) -> str:
    """Why a form was drawn, in Chinese: largest → 金额最大, stratum N → 第 N 层, risk → 风险导向."""
    reason = reason or ""
    if reason == "largest":
        return "金额最大"
    if reason == "risk":
        return "风险导向"
    if reason.startswith("stratum"):
        return f"第 {reason.removeprefix('stratum').strip()} 层"
    return reason or "—"


def points(value) -> str:
    return "—" if value is None else f"{value:,.2f}"


def who(item) -> str:
    """The re-checker by name and office, or the agency; 未指派 when nobody is."""
    if item.agency_id:
        return f"{item.agency.name}（受托第三方机构）"
    if item.rechecker_id:
        person = item.rechecker
        office = person.organisation.name if person.organisation_id else ""
        return f"{person.name or person.username}（{office}）" if office else (person.name or person.username)
    return "未指派（预算绩效管理科）"


class RecheckItemTable(tables.Table):
    subject = tables.Column(
        accessor="evaluation__subject__name",
        verbose_name="评价对象",
        linkify=lambda record: record.get_absolute_url(),
        order_by="evaluation__subject__name",
    )
    unit = tables.Column(accessor="evaluation__organisation__name", verbose_name="自评单位")
    department_name = tables.Column(accessor="department__name", verbose_name="主管部门", default="—")
    year = tables.Column(accessor="sample__round__fiscal_year", verbose_name="评价年度")
    reason = tables.Column(verbose_name="抽中原因")
    rechecker = tables.Column(accessor="pk", verbose_name="复核人员或机构", orderable=False)
    status = tables.Column(verbose_name="状态")
    self_score = tables.Column(verbose_name="自评得分", attrs={"td": {"class": "text-end"}})
    total_score = tables.Column(verbose_name="复核得分", attrs={"td": {"class": "text-end"}})
    difference = tables.Column(
        accessor="pk", verbose_name="差异（自评−复核）", orderable=False, attrs={"td": {"class": "text-end"}}
    )

    class Meta:
        model = RecheckItem
        fields = []
        sequence = [
            "subject",
            "unit",
            "department_name",
            "year",
            "reason",
            "rechecker",
            "status",
            "self_score",
            "total_score",
            "difference",
        ]
        attrs = {"class": "table table-vcenter card-table table-striped", "id": "recheck-table"}

    def render_reason(self, value):
        return reason_label(value)

    def value_reason(self, value):
        return reason_label(value)

    def render_rechecker(self, record):
        return who(record)

    def value_rechecker(self, record):
        return who(record)

    def _self(self, record):
        return record.self_score if recheck_actions.shows_self_score(None, record) else None

    def render_self_score(self, record):
        return points(self._self(record)) if recheck_actions.shows_self_score(None, record) else "复核提交后显示"

    def value_self_score(self, record):
        return points(self._self(record)) if recheck_actions.shows_self_score(None, record) else "复核提交后显示"

    def render_total_score(self, record):
        return points(record.total_score) if record.status == "submitted" else "—"

    def value_total_score(self, record):
        return self.render_total_score(record)

    def render_difference(self, record):
        if not recheck_actions.shows_self_score(None, record):
            return "—"
        return points(record.difference)

    def value_difference(self, record):
        return self.render_difference(record)

"""Who a round of "全部已安排预算的项目" leaves out, and why (issue 12 §4 "Round scope").

A round of all funded subjects covers the funded or executing subjects of the round's own region that have an
approved target sheet for the year (``rounds.scope_subjects``). The year's other funded subjects the bureau can see
— its region and the regions below — are listed on the round with the reason, found when the round is opened and
kept on it (``MonitoringRound.left_out``), so that "2 tables while 29 subjects are funded" explains itself:

* a subject of a region below is monitored by that region's own bureau (seed 003 第十九条（二）: 财政部门重点监控 is
  each bureau's of its own budget; docs/decisions/0034-rounds-and-disposal-in-own-region.md);
* a subject without an approved target sheet has nothing to monitor against (seed 003 第十八条（一）; 第十一条（一）
  没有绩效目标的预算申请不予安排预算) — not yet drawn up, or still in review (its status and step are named);
* a subject included whose approved sheet has no annual indicator is listed too: its table monitors the budget
  execution only.

The page and the API show the list through the gate: a user sees the entries of the subjects he or she may read.
"""

from __future__ import annotations

from dataclasses import dataclass

from accounts.roles import Role
from core import access
from monitoring.choices import LeftOutReason, RoundScope
from workflow.models import ReviewStatus


def funded_subjects(organisation, fiscal_year: int):
    """The year's funded or executing subjects of the bureau's region and below: what a user means by "全部已安排预算
    的项目"."""
    from monitoring.actions.rounds import MONITORED_STAGES
    from subjects.models import Subject

    return Subject.objects.filter(
        stage__in=MONITORED_STAGES,
        fiscal_year=fiscal_year,
        organisation__region__path__startswith=organisation.region.path,
    )


def find_left_out(monitoring_round, included_ids) -> list[dict]:
    """The entries of ``MonitoringRound.left_out`` for a round of all funded subjects (none for a key-subject round,
    whose subjects were each chosen): every funded subject of the year without a table, with its reason."""
    from targets.models import TargetSheet

    if monitoring_round.scope != RoundScope.ALL_FUNDED:
        return []
    organisation, year = monitoring_round.organisation, monitoring_round.fiscal_year
    included = set(included_ids)
    missing = list(
        funded_subjects(organisation, year)
        .exclude(pk__in=included)
        .select_related("organisation__region")
        .order_by("organisation__region__path", "code")
    )
    sheets = {
        s.subject_id: s
        for s in TargetSheet.objects.filter(subject__in=missing, fiscal_year=year, is_current=True).order_by("pk")
    }
    result = []
    for subject in missing:
        region = subject.organisation.region
        if region.pk != organisation.region_id:
            result.append({"subject": subject.pk, "reason": LeftOutReason.OTHER_REGION, "detail": region.name})
            continue
        sheet = sheets.get(subject.pk)
        if sheet is None:
            result.append({"subject": subject.pk, "reason": LeftOutReason.NO_TARGETS, "detail": ""})
            continue
        detail = ReviewStatus(sheet.status).label
        if sheet.status == ReviewStatus.IN_REVIEW and sheet.current_role:
            detail += f"（待{Role(sheet.current_role).label}）"
        result.append({"subject": subject.pk, "reason": LeftOutReason.TARGETS_PENDING, "detail": detail})
    return result


def entries_left_out(left_out: list[dict]) -> list[dict]:
    """The entries of subjects without a table (not those included without indicators)."""
    return [e for e in left_out if e["reason"] != LeftOutReason.NO_INDICATORS]


def without_indicators(monitoring_round) -> list[dict]:
    """Included subjects whose table has no indicator row (their approved sheet has no annual indicator)."""
    from monitoring.models import MonitoringTable

    tables = MonitoringTable.objects.filter(round=monitoring_round, indicators__isnull=True)
    return [
        {"subject": pk, "reason": LeftOutReason.NO_INDICATORS, "detail": ""}
        for pk in tables.order_by("subject__code").values_list("subject_id", flat=True)
    ]


@dataclass(frozen=True)
class Entry:
    subject_id: int
    code: str
    name: str
    organisation: str
    reason: str
    detail: str

    @property
    def included(self) -> bool:
        return self.reason == LeftOutReason.NO_INDICATORS

    @property
    def reason_display(self) -> str:
        label = LeftOutReason(self.reason).label
        if self.reason == LeftOutReason.OTHER_REGION:
            return f"属下级区划（{self.detail}），由该区划财政部门监控"
        return f"{label}（{self.detail}）" if self.detail else label


def entries(monitoring_round, user) -> list[Entry]:
    """The round's list in words — subject and unit names, the reason — for the subjects ``user`` may read."""
    from subjects.models import Subject

    stored = monitoring_round.left_out or []
    ids = [e["subject"] for e in stored]
    subjects = {
        s.pk: s for s in access.restrict(Subject.objects.filter(pk__in=ids), user).select_related("organisation")
    }
    return [
        Entry(s.pk, s.code, s.name, s.organisation.name, e["reason"], e.get("detail", ""))
        for e in stored
        if (s := subjects.get(e["subject"])) is not None
    ]

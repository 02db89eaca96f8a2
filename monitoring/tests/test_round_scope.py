"""A round's scope, explained (issue 12 §4): a round of "全部已安排预算的项目" lists the year's funded subjects it left
out and why — in Chinese, by name — on its page and in the API, through the gate; and a bureau's rounds and its
disposal of warnings reach the same subjects: its own level (seed 003 第十九条（二）财政部门重点监控; seed 000
第二十一条 暂缓或停止预算拨款; docs/decisions/0034-rounds-and-disposal-in-own-region.md)."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from core import fiscal
from monitoring import actions
from monitoring.actions import scope
from monitoring.choices import LeftOutReason, RoundScope
from monitoring.models import PerformanceWarning, WarningRule
from monitoring.tests.helpers import open_round
from subjects.choices import LibraryStage
from subjects.models import Subject
from targets.models import TargetSheet
from workflow.models import ReviewStatus

pytestmark = pytest.mark.django_db
YEAR = fiscal.default_year()
COUNTY = "示范市中区"


def city_subject_without_approved_targets(perf) -> Subject:
    """A city subject of the year, admitted, whose targets are not approved: funded here (as if arranged before the
    rule), so that the round must say why it left it out."""
    region = actions.round_organisation(perf).region
    approved = TargetSheet.objects.filter(fiscal_year=YEAR, is_current=True, status=ReviewStatus.APPROVED)
    subject = (
        Subject.objects.filter(stage=LibraryStage.ADMITTED, fiscal_year=YEAR, organisation__region=region)
        .exclude(pk__in=approved.values("subject_id"))
        .order_by("code")
        .first()
    )
    Subject.objects.filter(pk=subject.pk).update(stage=LibraryStage.FUNDED)
    return subject


def test_a_round_of_all_funded_subjects_lists_who_it_left_out_and_why(persona, client_as):
    perf = persona("perf")
    # Given the year's funded subjects: the city's, the county's, and a city subject without approved targets.
    pending = city_subject_without_approved_targets(perf)
    funded = scope.funded_subjects(actions.round_organisation(perf), YEAR)
    county = funded.filter(organisation__region__name=COUNTY)
    assert county.exists()
    # When the city's performance section opens a round of all funded subjects,
    monitoring_round = open_round(perf, scope=RoundScope.ALL_FUNDED)
    tables = set(monitoring_round.tables.values_list("subject_id", flat=True))
    # then every funded subject has a table or an entry with its reason, never both.
    entries = {e.subject_id: e for e in scope.entries(monitoring_round, perf)}
    left_out = {pk for pk, e in entries.items() if not e.included}
    assert left_out | tables == set(funded.values_list("pk", flat=True))
    assert not left_out & tables
    for subject in county:
        entry = entries[subject.pk]
        assert entry.reason == LeftOutReason.OTHER_REGION
        assert entry.reason_display == f"属下级区划（{COUNTY}），由该区划财政部门监控"
    entry = entries[pending.pk]
    assert entry.reason in (LeftOutReason.NO_TARGETS, LeftOutReason.TARGETS_PENDING)
    assert entry.reason_display.startswith(("未编制本年度绩效目标", "绩效目标尚未批复"))
    # The page lists them by name and unit, with the reason in Chinese.
    page = client_as("perf").get(reverse("monitoring:round", args=[monitoring_round.pk])).content.decode()
    assert f"未纳入本轮的项目（{len(left_out)} 个）" in page
    for subject in [pending, *county]:
        assert subject.name in page and subject.organisation.name in page
    assert "由该区划财政部门监控" in page and LeftOutReason(entry.reason).label in page
    # The API gives the same list.
    body = client_as("perf").get(f"/api/monitoring-rounds/{monitoring_round.pk}/").json()
    api = {e["subject"]: e for e in body["left_out"]}
    assert {pk for pk, e in api.items() if e["reason"] != LeftOutReason.NO_INDICATORS} == left_out
    assert api[pending.pk]["name"] == pending.name and api[pending.pk]["reason_display"] == entry.reason_display
    assert body["table_count"] == len(tables)
    # Through the gate: the county's own finance sees the round not at all, a department only its own entries.
    assert client_as("county_perf").get(f"/api/monitoring-rounds/{monitoring_round.pk}/").status_code == 404
    reviewer = persona("edu_reviewer")
    assert all(
        e.subject_id in {s.pk for s in Subject.objects.filter(department=reviewer.organisation)}
        for e in scope.entries(monitoring_round, reviewer)
    )


def test_a_key_subject_round_lists_nobody_left_out(persona):
    perf = persona("perf")
    subject = actions.key_subject_choices(perf).filter(fiscal_year=YEAR).first()
    monitoring_round = open_round(perf, scope=RoundScope.KEY, key=[subject], name="重点")
    assert [e for e in monitoring_round.left_out if e["reason"] != LeftOutReason.NO_INDICATORS] == []


def _warning(subject) -> PerformanceWarning:
    return PerformanceWarning.objects.create(
        rule=WarningRule.objects.filter(is_current=True).order_by("code").first(),
        subject=subject,
        fiscal_year=YEAR,
        as_of=datetime.date(YEAR, 6, 1),  # a date no demo warning has
        light="red",
        message="测试预警",
    )


def test_the_round_picker_and_the_disposal_reach_the_same_subjects(persona):
    """seed 003 第十九条（二）, seed 000 第二十一条: a bureau monitors and disposes of its own level's subjects; a
    district's are its own bureau's (docs/decisions/0034)."""
    perf, county_perf = persona("perf"), persona("county_perf")
    funded = Subject.objects.filter(stage__in=actions.MONITORED_STAGES, fiscal_year=YEAR).select_related(
        "organisation__region"
    )
    warnings = {s.pk: _warning(s) for s in funded}
    checked = {"perf": 0, "county_perf": 0}
    for user in (perf, county_perf):
        choices = set(actions.key_subject_choices(user).values_list("pk", flat=True))
        for subject in funded:
            may_pick = subject.pk in choices
            assert may_pick == actions.can_dispose(user, warnings[subject.pk]), (user.username, subject.name)
            checked[user.username] += may_pick
    assert checked["perf"] and checked["county_perf"]
    county_subject = next(s for s in funded if s.organisation.region.name == COUNTY)
    assert not actions.can_dispose(perf, warnings[county_subject.pk])
    assert actions.can_dispose(county_perf, warnings[county_subject.pk])
    # Naming a district's subject in a city round is refused, in Chinese.
    with pytest.raises(ValidationError) as refused:
        open_round(perf, scope=RoundScope.KEY, key=[county_subject], name="越级")
    assert "下级区划的项目由该区划财政部门监控" in str(refused.value)
    # The county's own round takes it.
    assert open_round(county_perf, scope=RoundScope.KEY, key=[county_subject], name="中区重点").tables.count() == 1

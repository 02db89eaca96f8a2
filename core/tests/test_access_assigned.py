"""The gate's assigned reach through a parent (``access_assigned_via``) and finance's export authorisation on an
assignment (``Assignment.may_export``, seed 004 三(九)2)."""

from __future__ import annotations

import pytest
from django.contrib.contenttypes.models import ContentType

from accounts.roles import Action
from core import access
from core.models import Assignment
from keyevals.models import KeyEvaluation, ObjectKind, SiteVisit
from organisations.models import Organisation

pytestmark = pytest.mark.django_db


def _evaluation(title: str) -> KeyEvaluation:
    organiser = Organisation.objects.get(name="示范市财政局预算绩效管理科")
    evaluated = Organisation.objects.get(name="示范市教育局")
    return KeyEvaluation.objects.create(
        title=title, year=2025, organiser=organiser, evaluated=evaluated, object_kind=ObjectKind.PROJECT
    )


def _assign(evaluation, *, organisation=None, user=None, may_export=False) -> Assignment:
    return Assignment.objects.create(
        content_type=ContentType.objects.get_for_model(KeyEvaluation),
        object_id=evaluation.pk,
        organisation=organisation,
        user=user,
        may_export=may_export,
    )


def test_an_agency_reaches_the_children_of_an_evaluation_assigned_to_it_and_no_other(persona):
    agency = persona("agency")
    mine, other = _evaluation("受托的评价"), _evaluation("未受托的评价")
    _assign(mine, organisation=agency.organisation)
    visit = SiteVisit.objects.create(evaluation=mine, visited_on="2026-05-01", place="甲", people="乙", findings="丙")
    hidden = SiteVisit.objects.create(evaluation=other, visited_on="2026-05-01", place="甲", people="乙", findings="丙")

    ours = KeyEvaluation.objects.filter(pk__in=[mine.pk, other.pk])
    assert list(access.restrict(ours, agency)) == [mine]
    visits = SiteVisit.objects.filter(pk__in=[visit.pk, hidden.pk])
    assert list(access.restrict(visits, agency)) == [visit]
    assert not access.can(agency, Action.VIEW, hidden)


def test_an_expert_reaches_only_what_is_assigned_to_him_personally(persona):
    expert = persona("expert")
    evaluation = _evaluation("专家参与的评价")
    _assign(evaluation, organisation=expert.organisation)  # assigned to his employer, not to him
    assert not access.can(expert, Action.VIEW, evaluation)
    _assign(evaluation, user=expert)
    assert access.can(expert, Action.VIEW, evaluation)


def test_seed_004_3_9_2_an_agency_exports_only_with_finances_authorisation(persona):
    """seed 004 三(九)2: 未经财政部门同意，第三方机构不得对外提供或公开评价数据."""
    agency = persona("agency")
    evaluation = _evaluation("导出授权")
    assignment = _assign(evaluation, organisation=agency.organisation)
    assert access.can(agency, Action.VIEW, evaluation)
    assert not access.can(agency, Action.EXPORT, evaluation)
    assignment.may_export = True
    assignment.save()
    assert access.can(agency, Action.EXPORT, evaluation)
    visit = SiteVisit.objects.create(
        evaluation=evaluation, visited_on="2026-05-01", place="甲", people="乙", findings="丙"
    )
    assert access.can(agency, Action.EXPORT, visit)


def test_a_routed_desk_reads_but_never_changes_a_key_evaluation(persona):
    desk = persona("desk_edu")
    evaluation = _evaluation("归口科室只读")
    assert access.can(desk, Action.VIEW, evaluation)
    assert not access.can(desk, Action.CHANGE, evaluation)
    assert not access.can(desk, Action.EXPORT, evaluation)

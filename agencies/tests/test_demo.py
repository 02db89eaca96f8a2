"""The demo registers (agencies/demo.py): what the guide and the key evaluations rely on, and a second run creates
nothing."""

import pytest

from agencies import demo
from agencies.models import (
    AgencyContract,
    AgencyProfile,
    AgencyStaff,
    Expert,
    ExpertField,
    Rating,
    Sanction,
    TeamProposal,
)

pytestmark = pytest.mark.django_db


def test_the_demo_registers():
    assert AgencyProfile.objects.get(organisation__name="示范绩效评价咨询有限公司").agency_type == "consulting"
    assert AgencyProfile.objects.get(organisation__name="明正会计师事务所").agency_type == "accounting"
    assert AgencyStaff.objects.get(user__username="agency").name == "蒋评价"
    assert AgencyContract.objects.filter(number__in=[demo.CONTRACT_1, demo.CONTRACT_2]).count() == 2
    team = TeamProposal.objects.get(contract__number=demo.CONTRACT_1, in_force=True)
    assert team.members.filter(resident=True).count() >= 3 and team.members.filter(role="lead").count() == 1
    assert 6 <= ExpertField.objects.filter(code__in=[c for c, _ in demo.FIELDS]).count() <= 8
    assert Expert.objects.count() >= 25
    assert Expert.objects.filter(user__username="expert").exists()
    assert Expert.objects.filter(employer__isnull=False).exists()
    assert Expert.objects.filter(status="suspended").exists()
    assert Sanction.objects.filter(kind="warning").exists()
    assert Rating.objects.count() >= 2


def test_a_second_run_creates_nothing():
    from demo.seed import SCALES, Seeder

    seeder = Seeder(SCALES["small"], out=lambda *a: None)
    assert seeder.run() == {"created": 0}

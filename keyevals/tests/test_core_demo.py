"""The demo's key evaluations (keyevals/demo.py): the three evaluations exist with their groups, plans, notices and
fieldwork, taken through the chains (review logs exist); a second run creates nothing."""

import pytest

from demo.seed import SCALES, Seeder
from keyevals import demo
from keyevals.models import KeyStatus, RequestStatus
from workflow.models import ReviewStatus

pytestmark = pytest.mark.django_db


def test_the_three_demo_evaluations_exist():
    agency = demo.demo_evaluation(demo.DEMO_AGENCY_TITLE)
    finance = demo.demo_evaluation(demo.DEMO_FINANCE_TITLE)
    fieldwork = demo.demo_evaluation(demo.DEMO_FIELDWORK_TITLE)
    assert agency is not None and finance is not None and fieldwork is not None
    assert fieldwork.status == KeyStatus.FIELDWORK
    assert agency.status != KeyStatus.PREPARING and finance.status != KeyStatus.PREPARING
    for evaluation in (agency, finance, fieldwork):
        plan = evaluation.plans.get()
        assert plan.status == ReviewStatus.APPROVED
        assert plan.reviews.count() >= 2  # submitted and approved through workflow.actions
        assert evaluation.notices.exists()
        assert evaluation.fee_lines.exists()
    assert agency.agency.name == "示范绩效评价咨询有限公司" and agency.contract is not None
    assert agency.members.filter(user__username="agency").exists()
    assert agency.members.filter(user__username="expert").exists()
    assert finance.agency_id is None and finance.members.filter(role="expert", expert__isnull=False).count() >= 3
    assert finance.plans.get().framework.code == "business_finance"
    statuses = set(fieldwork.document_requests.values_list("status", flat=True))
    assert RequestStatus.OPEN in statuses and RequestStatus.ANSWERED in statuses
    assert fieldwork.site_visits.exists() and fieldwork.consultations.exists()
    assert fieldwork.year == 2026 and fieldwork.stage == "in_progress"


def test_seeding_again_creates_nothing():
    from keyevals.demo import seed_key_evaluations

    seeder = Seeder(SCALES["small"], out=lambda line: None)
    seeder.index = {}
    from organisations.models import Organisation

    for key, name in (("city:dept:教育", "教育局"), ("city:dept:卫健", "卫生健康委员会"), ("city:dept:民政", "民政局")):
        seeder.index[key] = Organisation.objects.get(name=f"示范市{name}")
    seeder.index["agency"] = Organisation.objects.get(name="示范绩效评价咨询有限公司")
    seeder.index["agency2"] = Organisation.objects.get(name="明正会计师事务所")
    seed_key_evaluations(seeder)
    assert seeder.created == 0

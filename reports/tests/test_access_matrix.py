"""The persona matrix for a document on the review chain: every role, through the pages (list, detail, edit,
export) and the API (list, detail, PATCH), and the assigned scope of agencies and experts (issue 2 §3)."""

import pytest
from django.contrib.contenttypes.models import ContentType

from core.models import Assignment
from core.testing import PERSONAS, SEES_SCHOOL, SURFACES, Reach, check_reach
from organisations.models import Organisation
from workflow.tests.helpers import make_report

pytestmark = pytest.mark.django_db

# A draft report of 示范市第一中学 (a unit under 示范市教育局, desk 教科文科, city region): seen by the school's
# reach, changed only by its preparer until it is submitted.
DRAFT = Reach(view=SEES_SCHOOL, change={"edu_preparer"})


@pytest.mark.parametrize("username", PERSONAS)
def test_every_role_on_a_school_report(username):
    check_reach(make_report(title="矩阵测试报告"), SURFACES["reports.workreport"], DRAFT, personas=[username])


def test_assigned_scope_agency_sees_its_organisations_assignments_expert_only_personal(client_as, persona):
    report = make_report(title="委托评价的报告")
    ct = ContentType.objects.get_for_model(report)
    agency_org = Organisation.objects.get(name="示范绩效评价咨询有限公司")
    Assignment.objects.create(content_type=ct, object_id=report.pk, organisation=agency_org)
    assert client_as("agency").get(f"/api/work-reports/{report.pk}/").status_code == 200
    # The expert works for the same agency but was not personally assigned.
    assert client_as("expert").get(f"/api/work-reports/{report.pk}/").status_code == 404
    Assignment.objects.create(content_type=ct, object_id=report.pk, user=persona("expert"))
    assert client_as("expert").get(f"/api/work-reports/{report.pk}/").status_code == 200
    # Another agency sees nothing.
    other = make_report(title="未委托的报告")
    assert client_as("agency").get(f"/api/work-reports/{other.pk}/").status_code == 404

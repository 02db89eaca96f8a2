"""A department runs monitoring rounds on projects it chooses (seed 001 第十七条: 区业务主管部门要健全绩效运行监控机制，
重点选择本部门重大专项以及支出进度缓慢、管理基础薄弱的项目开展绩效运行监控; docs/decisions/0037-department-rounds.md):
the same round code as finance's, its picker limited to its own units, its tables going to the units and back to the
department (a chain variant, as data), finance reading them only."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from core import fiscal
from core.testing import user
from core.todo import todos_for
from monitoring import actions
from monitoring.choices import RoundKind, RoundScope
from monitoring.demo import _fill
from monitoring.models import DEPARTMENT_ROUND_CHAIN, MonitoringRound
from monitoring.tests.helpers import CANTEEN, SECURITY, open_round, subject
from monitoring.tests.test_department_holds import health_subject
from workflow import actions as workflow

pytestmark = pytest.mark.django_db
YEAR = fiscal.default_year()
EDU = "示范市教育局"


def test_seed001_art17_the_department_opens_a_round_from_the_page_and_reviews_its_tables(client_as):
    reviewer = user("edu_reviewer")
    # Given the department reviewer: the round list offers 新增, the form proposes key subjects of its own units.
    assert 'id="create"' in client_as("edu_reviewer").get(reverse("monitoring:rounds")).content.decode()
    form = client_as("edu_reviewer").get(reverse("monitoring:round_create")).content.decode()
    assert "第十七条" in form and "/pick/key_subject/" in form and "全部已安排预算的项目" not in form
    # When it opens a round over the school's security service,
    response = client_as("edu_reviewer").post(
        reverse("monitoring:round_create"),
        {
            "name": "教育局9月重点监控",
            "fiscal_year": YEAR,
            "data_as_of": f"{YEAR}-08-31",
            "due_date": f"{YEAR}-09-30",
            "scope": "key",
            "key_subjects": [subject(SECURITY).pk],
            "notice": "请按时报送",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    monitoring_round = MonitoringRound.objects.get(name="教育局9月重点监控")
    # then it is the department's round, and its table follows the department's chain:
    assert monitoring_round.kind == RoundKind.DEPARTMENT and monitoring_round.organisation.name == EDU
    table = monitoring_round.tables.get()
    assert table.chain.document_type == DEPARTMENT_ROUND_CHAIN
    assert [s.role for s in table.chain.ordered_steps()] == ["unit_preparer", "unit_head", "dept_reviewer"]
    # the unit fills and submits it, the head approves, and it comes back to the department, which ends the chain.
    preparer, head = user("edu_preparer"), user("edu_head")
    assert any("教育局9月重点监控" in i.title for i in todos_for(preparer))
    _fill(table, preparer, not_met=False, execution_note=True)
    table.refresh_from_db()
    workflow.submit(table, preparer, table.version, "请审核")
    table.refresh_from_db()
    workflow.approve(table, head, table.version, "同意")
    table.refresh_from_db()
    assert table.current_role == "dept_reviewer"
    assert any("教育局9月重点监控" in i.title for i in todos_for(reviewer))
    assert not any("教育局9月重点监控" in i.title for i in todos_for(user("desk_edu")))
    workflow.approve(table, reviewer, table.version, "审核通过")
    table.refresh_from_db()
    assert table.status == "approved"


def test_seed001_art17_the_picker_and_the_scope_are_the_departments_own_units(persona):
    reviewer = persona("edu_reviewer")
    choices = actions.key_subject_choices(reviewer)
    assert choices.exists()
    assert all(s.organisation.path.startswith(reviewer.organisation.path) for s in choices)
    other = health_subject()
    assert other.pk not in set(choices.values_list("pk", flat=True))
    with pytest.raises(ValidationError, match="本部门"):
        open_round(reviewer, scope=RoundScope.KEY, key=[other], name="越权")
    with pytest.raises(ValidationError, match="第十七条"):
        open_round(reviewer, scope=RoundScope.ALL_FUNDED, name="全部")
    assert not MonitoringRound.objects.filter(name__in=["越权", "全部"]).exists()


def test_finance_reads_a_department_round_and_manages_none_of_it(client_as, persona):
    reviewer, perf = persona("edu_reviewer"), persona("perf")
    monitoring_round = open_round(reviewer, scope=RoundScope.KEY, key=[CANTEEN], name="部门轮次")
    url = reverse("monitoring:round", args=[monitoring_round.pk])
    # Finance sees it, read-only: no scan, no close, refused on the page and the API.
    for username in ("perf", "desk_edu", "leader"):
        page = client_as(username).get(url)
        assert page.status_code == 200 and "主管部门监控" in page.content.decode()
        assert 'id="close-round"' not in page.content.decode() and 'id="scan"' not in page.content.decode()
    assert not actions.can_manage_round(perf, monitoring_round)
    with pytest.raises(PermissionDenied):
        actions.close_round(monitoring_round, perf, "越权")
    assert client_as("perf").post(reverse("monitoring:round_close", args=[monitoring_round.pk])).status_code == 302
    monitoring_round.refresh_from_db()
    assert monitoring_round.status == "open"
    assert client_as("perf").post(f"/api/monitoring-rounds/{monitoring_round.pk}/close/").status_code == 403
    assert client_as("perf").post(f"/api/monitoring-rounds/{monitoring_round.pk}/scan/").status_code == 403
    # The department itself does not scan (warnings are finance's) but closes its round.
    assert not actions.can_scan_round(reviewer, monitoring_round)
    assert (
        client_as("edu_reviewer").post(reverse("monitoring:round_scan", args=[monitoring_round.pk])).status_code == 404
    )
    body = client_as("edu_reviewer").post(f"/api/monitoring-rounds/{monitoring_round.pk}/close/").json()
    assert body["status"] == "closed" and body["kind"] == "department"


def test_another_department_never_reaches_the_round(client_as, persona):
    monitoring_round = open_round(persona("edu_reviewer"), scope=RoundScope.KEY, key=[CANTEEN], name="部门轮次")
    url = reverse("monitoring:round", args=[monitoring_round.pk])
    assert client_as("health_reviewer").get(url).status_code == 404
    assert client_as("health_reviewer").get(f"/api/monitoring-rounds/{monitoring_round.pk}/").status_code == 404
    assert client_as("health_reviewer").post(f"/api/monitoring-rounds/{monitoring_round.pk}/close/").status_code == 404
    with pytest.raises(PermissionDenied):
        actions.close_round(monitoring_round, persona("health_reviewer"), "越权")
    # and a department never manages finance's round
    finance_round = open_round(persona("perf"), scope=RoundScope.KEY, key=[CANTEEN], name="财政轮次")
    assert not actions.can_manage_round(persona("edu_reviewer"), finance_round)
    with pytest.raises(PermissionDenied):
        actions.close_round(finance_round, persona("edu_reviewer"), "越权")


def test_through_the_api_as_on_the_page(client_as):
    response = client_as("edu_reviewer").post(
        "/api/monitoring-rounds/",
        {
            "name": "接口部门轮次",
            "fiscal_year": YEAR,
            "data_as_of": f"{YEAR}-08-31",
            "due_date": f"{YEAR}-09-30",
            "scope": "key",
            "key_subjects": [subject(SECURITY).pk],
        },
        "application/json",
    )
    assert response.status_code == 201, response.content
    assert response.json()["kind"] == "department" and response.json()["table_count"] == 1
    other = client_as("edu_reviewer").post(
        "/api/monitoring-rounds/",
        {
            "name": "越权",
            "fiscal_year": YEAR,
            "data_as_of": f"{YEAR}-08-31",
            "due_date": f"{YEAR}-09-30",
            "scope": "key",
            "key_subjects": [health_subject().pk],
        },
        "application/json",
    )
    assert other.status_code == 400


def test_the_demo_department_round_and_hold():
    monitoring_round = MonitoringRound.objects.get(name=f"{YEAR}年示范市教育局重点项目绩效运行监控")
    assert monitoring_round.kind == RoundKind.DEPARTMENT and monitoring_round.status == "open"
    assert monitoring_round.data_as_of == datetime.date(YEAR, 8, 31)
    roles = sorted(monitoring_round.tables.values_list("current_role", flat=True))
    assert roles == ["dept_reviewer", "unit_preparer"]
    from monitoring.models import DisbursementHold

    hold = DisbursementHold.objects.get(department__name=EDU, lifted_at__isnull=True)
    assert hold.kind == "suspended" and hold.applied_at is None

"""The 《绩效目标执行监控表》 (阿图什市技术要求 三(六)) through its review chain per role: the unit fills and submits,
the unit head, the department and the finance desk approve; a return and a resubmission; other units see nothing.
Submission is refused while a row expected not to be met has no reason or measure (《张掖市市级政府购买服务预算绩效
管理暂行办法》第十七条: 发现问题要分析原因并及时纠偏)."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from audit.models import AuditEntry
from core import clock, fiscal
from core.testing import SURFACES, Reach, check_reach
from monitoring import actions
from monitoring.choices import Light
from monitoring.models import MonitoringTable
from monitoring.tests.helpers import CANTEEN, SECURITY, fill_rows, open_round, table_of
from workflow import actions as workflow
from workflow.models import ReviewStatus

pytestmark = pytest.mark.django_db


@pytest.fixture
def table(persona):
    return table_of(open_round(persona("perf")), SECURITY)


def _post(client, table, action, **extra):
    table.refresh_from_db()
    return client.post(
        reverse("monitoring:table_transition", args=[table.pk]), {"action": action, "version": table.version, **extra}
    )


def test_unit_fills_rows_and_the_lights_are_computed(persona, table):
    user = persona("edu_preparer")
    rows = {}
    for row in table.indicators.all():
        values = {"will_be_met": True}
        if row.name == "验收合格率":  # quality, ≥ 100: judged against the whole target
            values["actual_to_date"] = "90"
        elif row.comparator == "qualitative":
            values["qualitative_level"] = "partly"
        else:
            values["actual_to_date"] = row.annual_target
        rows[row.pk] = values
    saved = actions.save_table(table, user, table.version, data={"contract_status": "合同履行正常"}, rows=rows)
    lights = {r.name: r.light for r in saved.indicators.all()}
    assert lights["验收合格率"] == Light.RED  # quality below range → red
    assert lights["办学条件改善"] == Light.YELLOW  # qualitative, 部分达成
    assert saved.target_light == Light.RED  # the worst row
    assert saved.contract_status == "合同履行正常"
    entry = AuditEntry.objects.filter(
        object_type="monitoring.monitoringtable", object_id=str(table.pk), action="update"
    ).first()
    assert entry is not None


def test_submission_refused_naming_the_row_without_reason_or_measure(persona, table):
    user = persona("edu_preparer")
    first = table.indicators.first()
    table = actions.save_table(table, user, table.version, rows=fill_rows(table, not_met_row=0, reason="", measures=""))
    with pytest.raises(ValidationError) as exc:
        workflow.submit(table, user, table.version)
    assert f"“{first.name}”预计不能完成" in str(exc.value) and "偏差原因类别" in str(exc.value)
    table.refresh_from_db()
    assert table.status == ReviewStatus.DRAFT
    table = actions.save_table(table, user, table.version, rows=fill_rows(table, not_met_row=0))
    workflow.submit(table, user, table.version)
    table.refresh_from_db()
    assert table.status == ReviewStatus.IN_REVIEW and table.submitted_at is not None


def test_whole_chain_per_role_with_return_and_resubmission(client_as, persona, table):
    preparer = client_as("edu_preparer")
    actions.save_table(table, persona("edu_preparer"), table.version, rows=fill_rows(table))
    assert _post(preparer, table, "submit").status_code == 302
    table.refresh_from_db()
    assert table.current_role == "unit_head"
    # The department cannot act before the unit head.
    _post(client_as("edu_reviewer"), table, "approve")
    table.refresh_from_db()
    assert table.current_role == "unit_head"
    _post(client_as("edu_head"), table, "approve", opinion="同意")
    table.refresh_from_db()
    assert table.current_role == "dept_reviewer"
    _post(client_as("edu_reviewer"), table, "return", opinion="措施不具体", target_step=0)
    table.refresh_from_db()
    assert table.status == ReviewStatus.RETURNED
    # The unit edits on the page and resubmits.
    page = preparer.get(reverse("monitoring:table_edit", args=[table.pk]))
    assert page.status_code == 200 and "rows-TOTAL_FORMS" in page.content.decode()
    actions.save_table(table, persona("edu_preparer"), table.version, data={"overall_judgement": "已细化措施"})
    for persona_name in ("edu_preparer", "edu_head", "edu_reviewer", "desk_edu"):
        _post(client_as(persona_name), table, "submit" if persona_name == "edu_preparer" else "approve")
    table.refresh_from_db()
    assert table.status == ReviewStatus.APPROVED
    assert table.overall_judgement == "已细化措施"


def test_edit_page_saves_formset_rows(client_as, table):
    client = client_as("edu_preparer")
    rows = list(table.indicators.all())
    data = {
        "version": table.version,
        "rows-TOTAL_FORMS": len(rows),
        "rows-INITIAL_FORMS": len(rows),
        "rows-MIN_NUM_FORMS": 0,
        "rows-MAX_NUM_FORMS": 1000,
        "contract_status": "按月履约",
        "execution_deviation_reason": "",
        "expected_full_year_rate": "0.9",
    }
    for i, row in enumerate(rows):
        data.update(
            {
                f"rows-{i}-row_id": row.pk,
                f"rows-{i}-actual_to_date": "1",
                f"rows-{i}-will_be_met": "true",
                f"rows-{i}-qualitative_level": "achieved",
            }
        )
    response = client.post(reverse("monitoring:table_edit", args=[table.pk]), data)
    assert response.status_code == 302, response.content.decode()[:2000]
    table.refresh_from_db()
    assert table.contract_status == "按月履约"
    assert all(r.will_be_met for r in table.indicators.all())
    light = client.get(reverse("monitoring:row_light", args=[table.pk]), {"row": rows[0].pk, "actual_to_date": "0"})
    assert "红灯" in light.content.decode()


def test_other_units_get_404_and_cannot_edit(persona, table):
    # The unit's preparer fills it; the unit head reads it but does not edit it; other units do not reach it.
    reach = Reach(view={"edu_preparer", "edu_head"}, change={"edu_preparer"})
    personas = ["edu_preparer", "edu_head", "health_preparer", "county_reviewer"]
    check_reach(table, SURFACES["monitoring.monitoringtable"], reach, personas=personas)
    with pytest.raises(PermissionDenied):
        actions.save_table(table, persona("edu_head"), table.version, data={"other_notes": "x"})


def test_budget_execution_reread_until_submitted(persona, table):
    MonitoringTable.objects.filter(pk=table.pk).update(paid=1, available=1)
    table.refresh_from_db()
    table = actions.save_table(table, persona("edu_preparer"), table.version, rows=fill_rows(table))
    figures = actions.execution_figures(table.subject, table.round.data_as_of)
    assert table.paid == figures["paid"] and table.available == figures["available"]
    workflow.submit(table, persona("edu_preparer"), table.version)
    MonitoringTable.objects.filter(pk=table.pk).update(paid=7)
    assert actions.refresh_execution(MonitoringTable.objects.get(pk=table.pk)) == {}  # frozen once submitted


def test_overdue_flag_and_todo(client_as, persona):
    year = fiscal.default_year()
    monitoring_round = open_round(
        persona("perf"), name="逾期轮次", as_of=datetime.date(year, 1, 31), due=datetime.date(year, 2, 1)
    )
    table = table_of(monitoring_round, CANTEEN)
    late_today = clock.today() > monitoring_round.due_date
    assert table.is_late is late_today
    assert table.overdue is late_today
    from core.todo import todos_for

    items = [i for i in todos_for(persona("edu_preparer")) if i.url == table.get_absolute_url()]
    assert items and items[0].overdue is late_today
    if late_today:
        reviewer_items = [i for i in todos_for(persona("edu_reviewer")) if i.kind == "催报"]
        assert any("逾期轮次" in i.title for i in reviewer_items)
        page = client_as("edu_reviewer").get(
            reverse("monitoring:tables"), {"round": monitoring_round.pk, "late": "true"}
        )
        assert "逾期未报" in page.content.decode()

"""The persona matrix of the monitoring documents, on the demo city's records of 示范市第一中学 and its 分部
(core.testing.check_reach): 绩效监控表 through the list, detail, edit page, export and the API (PATCH), and 绩效预警
through the list, detail, export, the API, and the unit's reply and finance's dismissal (an empty reply or reason:
refused with 404 to who may not act, answered with a message to who may)."""

from dataclasses import replace

import pytest

from core.testing import PERSONAS, SEES_SCHOOL, SURFACES, Probe, Reach, check_reach
from monitoring.models import MonitoringTable, PerformanceWarning

pytestmark = pytest.mark.django_db

TABLES = SURFACES["monitoring.monitoringtable"]
WARNINGS = SURFACES["monitoring.performancewarning"]  # its change probe: the unit's reply
DISMISSAL = replace(
    WARNINGS, edit=Probe("/monitoring/warnings/{pk}/dismiss/", method="post", data={"reason": ""}, ok=302)
)

# The 分部 is below the school's department but is not the school: the school's own unit staff do not reach it.
SEES_BRANCH = SEES_SCHOOL - {"edu_preparer", "edu_head"}


def table(subject: str, status: str) -> MonitoringTable:
    return MonitoringTable.objects.get(subject__name=subject, status=status)


def warning(subject: str, status: str) -> PerformanceWarning:
    return PerformanceWarning.objects.filter(subject__name=subject, status=status).order_by("pk").first()


CASES = {
    # returned to the unit: its preparer fills it again
    "table returned": (
        lambda: table("第一中学食堂设施改造项目", "returned"),
        TABLES,
        Reach(SEES_SCHOOL, {"edu_preparer"}),
    ),
    "table approved": (lambda: table("第一中学校园安保服务", "approved"), TABLES, Reach(SEES_SCHOOL)),
    # an open warning: the unit (preparer and head) explains it; the desk and the performance section dismiss it
    "warning open, reply": (
        lambda: warning("第一中学食堂设施改造项目", "open"),
        WARNINGS,
        Reach(SEES_SCHOOL, {"edu_preparer", "edu_head"}),
    ),
    "warning open, dismissal": (
        lambda: warning("第一中学食堂设施改造项目", "open"),
        DISMISSAL,
        Reach(SEES_SCHOOL, {"desk_edu", "perf"}),
    ),
    # a written-off warning: the unit is told it is closed (a message, e.g. on a page opened before), others refused
    "warning dismissed, reply": (
        lambda: warning("第一中学体育器材购置项目", "dismissed"),
        WARNINGS,
        Reach(SEES_SCHOOL, {"edu_preparer", "edu_head"}),
    ),
    "warning of the branch": (
        lambda: warning("示范市第一中学分部学生资助补助", "open"),
        DISMISSAL,
        Reach(SEES_BRANCH, {"desk_edu", "perf"}),
    ),
}


@pytest.mark.parametrize("username", PERSONAS)
@pytest.mark.parametrize("case", CASES)
def test_every_role_on_the_demo_monitoring_records(case, username):
    record, surface, reach = CASES[case]
    check_reach(record, surface, reach, personas=[username])

"""The persona reach matrix of key evaluations (core.testing.check_reach): the organiser's region (perf, its bureau's
sections and leader, the audit office) reads; the desk 归口 for the evaluated department reads, changes nothing; the
commissioned agency and the assigned expert reach only what is assigned; another region (county_perf) and the
evaluated unit get 404 for the hub (the unit sees the notice and the requests addressed to it)."""

import pytest

from core.testing import PERSONAS, Probe, Reach, Surface, check_reach
from keyevals.tests.core_helpers import issued_notice, new_evaluation

pytestmark = pytest.mark.django_db

EVALUATION = Surface(
    name="{title}",
    list="/keyevals/",
    search={"q": "{title}"},
    detail="/keyevals/{pk}/",
    edit=Probe("/keyevals/{pk}/fees/add/", method="post", data={"item": ""}, ok=302),
    export=True,
    api="/api/key-evaluations/",
)
REGION = {"perf", "budget", "treasury", "leader", "auditor"}
EVALUATION_REACH = Reach(
    view=REGION | {"desk_edu", "agency", "expert"},
    change={"perf"},
    export=REGION,
)

NOTICE = Surface(
    name="{evaluation.title}", detail="/keyevals/notices/{pk}/", api="/api/key-evaluation-notices/", patch=False
)
NOTICE_REACH = Reach(view=REGION | {"desk_edu", "agency", "expert", "edu_reviewer"}, change=None)


@pytest.mark.parametrize("username", PERSONAS)
def test_every_persona_on_a_key_evaluation(username):
    check_reach(new_evaluation("矩阵测试重点评价"), EVALUATION, EVALUATION_REACH, personas=[username])


@pytest.mark.parametrize("username", PERSONAS)
def test_every_persona_on_an_evaluation_notice(username):
    evaluation = new_evaluation("矩阵测试评价通知书")
    check_reach(issued_notice(evaluation), NOTICE, NOTICE_REACH, personas=[username])


def test_the_agency_does_not_reach_an_evaluation_not_commissioned_to_it(client_as):
    other = new_evaluation("未委托的评价", agency=False, expert=False)
    client = client_as("agency")
    assert client.get(f"/keyevals/{other.pk}/").status_code == 404
    assert client.get(f"/api/key-evaluations/{other.pk}/").status_code == 404
    assert "未委托的评价" not in client.get("/keyevals/").content.decode()


def test_county_perf_gets_404_for_the_citys_evaluation(client_as):
    evaluation = new_evaluation("市级评价", expert=False)
    client = client_as("county_perf")
    assert client.get(f"/keyevals/{evaluation.pk}/").status_code == 404
    assert client.get(f"/keyevals/{evaluation.pk}/edit/").status_code == 404


def test_the_desk_reads_but_changes_nothing(client_as):
    evaluation = new_evaluation("科室只读", expert=False)
    client = client_as("desk_edu")
    assert client.get(f"/keyevals/{evaluation.pk}/").status_code == 200
    assert client.get(f"/keyevals/{evaluation.pk}/edit/").status_code == 404
    assert client.post(f"/keyevals/{evaluation.pk}/members/add/", {"name": "某人"}).status_code == 404
    assert not evaluation.members.exists()
    assert client_as("desk_social").get(f"/keyevals/{evaluation.pk}/").status_code == 404


def test_plan_pages_are_not_the_evaluated_units(client_as):
    from keyevals.models import WorkPlan

    evaluation = new_evaluation("方案可见范围")
    issued_notice(evaluation)
    plan = WorkPlan.objects.get(evaluation=evaluation)
    assert client_as("edu_reviewer").get(f"/keyevals/plans/{plan.pk}/").status_code == 404
    assert client_as("agency").get(f"/keyevals/plans/{plan.pk}/").status_code == 200
    assert client_as("county_perf").get(f"/keyevals/plans/{plan.pk}/").status_code == 404

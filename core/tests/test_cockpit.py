"""The leader's 驾驶舱 on the home page (issue 12 §6): execution against time progress, warnings by colour, holds in
force and target approval progress, each linking into its list, for the bureau leader only; what waits for the
leader's decision (局领导审定, seed 003 第十二条) is counted and linked."""

import pytest

pytestmark = pytest.mark.django_db


def test_the_leader_sees_the_cockpit_and_each_card_links_into_its_list(client_as):
    response = client_as("leader").get("/")
    cards = {card["template"].rsplit("/", 1)[1]: card for card in response.context["cockpit"]}
    assert {"execution.html", "warnings.html", "targets.html"} <= set(cards)
    html = response.content.decode()
    assert 'id="cockpit-execution"' in html and 'data-chart="bars"' in html and "vendor/echarts/echarts.min.js" in html
    client = client_as("leader")
    for link in cards["execution.html"]["chart"]["links"] + [cards["execution.html"]["link"]]:
        assert client.get(link).status_code == 200
    warnings = cards["warnings.html"]
    page = client.get(warnings["links"]["open"])
    assert page.status_code == 200 and page.context["table"].paginator.count == warnings["open"]
    targets = cards["targets.html"]
    for _label, n, link in targets["rows"]:
        assert client.get(link).context["table"].paginator.count == n


def test_the_leaders_own_decisions_are_counted(client_as):
    from core.testing import user
    from targets.models import TargetSheet
    from workflow.guards import acting_q

    leader = user("leader")
    waiting = TargetSheet.objects.filter(acting_q(leader, TargetSheet)).count()
    card = next(c for c in client_as("leader").get("/").context["cockpit"] if c["template"].endswith("targets.html"))
    assert card["mine"] == waiting


@pytest.mark.parametrize("username", ["perf", "edu_preparer", "edu_reviewer", "sysadmin", "auditor"])
def test_others_keep_their_plain_home(client_as, username):
    response = client_as(username).get("/")
    assert response.context["cockpit"] == [] and 'id="cockpit"' not in response.content.decode()

"""Nothing is offered that is not allowed (issue 11 §2): a page, a menu entry and a button appear only when the
action behind them would be allowed, and the pages themselves refuse with 404."""

import pytest

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("url", ["/reports/new/", "/subjects/new/", "/assessments/start/"])
@pytest.mark.parametrize("username", ["auditadmin", "public", "auditor", "treasury"])
def test_creation_pages_are_not_served_to_who_cannot_create(client_as, username, url):
    assert client_as(username).get(url).status_code == 404


@pytest.mark.parametrize("url", ["/reports/new/", "/subjects/new/"])
def test_creation_pages_are_served_to_the_preparer(client_as, url):
    assert client_as("edu_preparer").get(url).status_code == 200


def test_the_public_sees_no_system_stage_and_no_empty_lists(client_as):
    client = client_as("public")
    home = client.get("/").content.decode()
    assert "系统管理" not in home and "/stage/system/" not in home
    assert client.get("/stage/system/").status_code == 404
    stage = client.get("/stage/assessment/").content.decode()
    assert "项目库" not in stage and "事前绩效评估</a>" not in stage  # lists the gate leaves empty
    assert client.get("/subjects/?export=xlsx").status_code == 404
    assert 'id="export-xlsx"' not in client.get("/subjects/").content.decode()


def test_staff_keep_their_menu_and_export(client_as):
    client = client_as("edu_preparer")
    stage = client.get("/stage/assessment/").content.decode()
    assert "项目库" in stage
    assert 'id="export-xlsx"' in client.get("/subjects/").content.decode()
    assert "系统管理" in client.get("/").content.decode()

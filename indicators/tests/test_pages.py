"""The library pages, the picker and the API: every signed-in business user reads and exports the library."""

import io

import pytest
from openpyxl import load_workbook

from audit.models import AuditEntry
from indicators.models import Indicator

pytestmark = pytest.mark.django_db

READERS = ["perf", "edu_preparer", "edu_reviewer", "desk_edu", "auditor", "health_preparer"]


@pytest.mark.parametrize("username", READERS)
def test_list_detail_and_api_reach(client_as, username):
    client = client_as(username)
    response = client.get("/indicators/?q=资金到位率")
    assert response.status_code == 200 and "GX12" in response.content.decode()
    indicator = Indicator.objects.get(code="GX12")
    page = client.get(f"/indicators/{indicator.pk}/")
    assert page.status_code == 200 and "实际拨付金额/计划投入资金" in page.content.decode()
    api = client.get("/api/indicators/?q=资金到位率").json()
    assert "GX12" in {r["code"] for r in api["results"]}
    assert client.get(f"/api/indicators/{indicator.pk}/").json()["formula"] == indicator.formula


def test_list_filters(client_as):
    client = client_as("edu_preparer")
    body = client.get("/indicators/?kind=sector&sector=JY&level1=产出").content.decode()
    assert "师生比" in body and "GX05" not in body
    api = client.get("/api/indicators/?kind=qualitative&page_size=50").json()
    assert api["count"] == 11


def test_api_is_read_only(client_as):
    response = client_as("perf").post("/api/indicators/", {"code": "X1", "name": "x"}, content_type="application/json")
    assert response.status_code == 405


def test_anonymous_is_sent_to_login(client):
    assert client.get("/indicators/").status_code == 302
    assert client.get("/indicators/pick/?q=资金").status_code == 302


@pytest.mark.parametrize("username", ["edu_preparer", "perf", "auditor"])
def test_export(client_as, username):
    response = client_as(username).get("/indicators/?export=xlsx&kind=common")
    assert response.status_code == 200
    sheet = load_workbook(
        io.BytesIO(b"".join(response.streaming_content if response.streaming else [response.content]))
    ).active
    assert sheet.max_row == 27
    assert AuditEntry.objects.filter(action="export", object_type="indicators.indicator").exists()


def test_picker_partial_and_json(client_as):
    client = client_as("edu_preparer")
    html = client.get("/indicators/pick/?q=毕业生", HTTP_HX_REQUEST="true").content.decode()
    assert "连续三年平均毕业生一次就业率" in html and "indicator-pick-row" in html
    data = client.get("/indicators/pick/?q=率&format=json").json()["results"]
    assert 0 < len(data) <= 20
    assert client.get("/indicators/pick/?q=不存在的词语甲乙丙&format=json").json()["results"] == []


def test_nav_links(client_as):
    body = client_as("edu_preparer").get("/stage/indicators/").content.decode()
    assert "/indicators/" in body and "/indicators/proposals/" in body

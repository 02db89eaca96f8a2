"""Idempotency-Key on the API's create requests (issue 17 §8, core/idempotency.py): a repeat returns the first result,
another request with the same key is refused, a failed first request keeps nothing, no header changes nothing. The
concurrent case is core/tests/test_idempotency_concurrent.py."""

from datetime import timedelta

import pytest

from core.idempotency import HEADER, OTHER_REQUEST, REPLAYED_HEADER
from core.models import IdempotencyKey
from reports.models import WorkReport
from workflow.tests.helpers import SCHOOL, org

pytestmark = pytest.mark.django_db

URL = "/api/work-reports/"


def payload(title: str = "幂等新建", **extra) -> dict:
    return {
        "title": title,
        "fiscal_year": 2025,
        "organisation": org(SCHOOL).pk,
        "kind": "annual_summary",
        "content": "正文",
        **extra,
    }


def post(client, data, key=None, url=URL):
    headers = {HEADER: key} if key is not None else {}
    return client.post(url, data, content_type="application/json", headers=headers)


def test_a_repeat_with_the_same_key_returns_the_first_result(client_as):
    client = client_as("edu_preparer")
    first = post(client, payload(), key="k-1")
    assert first.status_code == 201 and REPLAYED_HEADER not in first
    again = post(client, payload(), key="k-1")
    assert again.status_code == 201 and again[REPLAYED_HEADER] == "true"
    assert again.json() == first.json()
    assert WorkReport.objects.filter(title="幂等新建").count() == 1


def test_the_same_key_for_another_request_is_refused(client_as):
    client = client_as("edu_preparer")
    assert post(client, payload(), key="k-2").status_code == 201
    other = post(client, payload(content="另一份正文"), key="k-2")
    assert other.status_code == 422 and other.json()["detail"] == OTHER_REQUEST
    elsewhere = post(client, {"name": "x"}, key="k-2", url="/api/subjects/")
    assert elsewhere.status_code == 422
    assert WorkReport.objects.filter(title="幂等新建").count() == 1


def test_keys_belong_to_their_user(client_as):
    assert post(client_as("edu_preparer"), payload(), key="shared").status_code == 201
    # another user's identical key is another key: the request runs (and is refused for its own reasons)
    response = post(client_as("edu_head"), payload(), key="shared")
    assert response.status_code == 403 and REPLAYED_HEADER not in response


def test_without_the_header_nothing_changes(client_as):
    client = client_as("edu_preparer")
    assert post(client, payload()).status_code == 201
    assert post(client, payload()).status_code == 201
    assert WorkReport.objects.filter(title="幂等新建").count() == 2
    assert not IdempotencyKey.objects.exists()


def test_a_failed_first_request_keeps_nothing_and_the_key_can_be_used_again(client_as):
    client = client_as("edu_preparer")
    refused = post(client, payload(title=""), key="k-3")
    assert refused.status_code == 400 and "title" in refused.json()
    assert not IdempotencyKey.objects.filter(key="k-3").exists()
    assert post(client, payload(), key="k-3").status_code == 201


def test_a_malformed_key_is_refused(client_as):
    response = post(client_as("edu_preparer"), payload(), key="x" * 256)
    assert response.status_code == 400 and "Idempotency-Key" in response.json()["detail"]
    assert not WorkReport.objects.filter(title="幂等新建").exists()


def test_a_repeat_while_the_first_is_running_answers_409(client_as, settings):
    settings.JIXIAO_IDEMPOTENCY_WAIT_SECONDS = 0
    client = client_as("edu_preparer")
    assert post(client, payload(), key="k-4").status_code == 201
    IdempotencyKey.objects.filter(key="k-4").update(status_code=None, response_body="")  # as if still running
    response = post(client, payload(), key="k-4")
    assert response.status_code == 409 and "相同请求正在处理" in response.json()["detail"]
    assert WorkReport.objects.filter(title="幂等新建").count() == 1


def test_keys_expire(client_as, settings):
    from django.core.management import call_command

    client = client_as("edu_preparer")
    assert post(client, payload(), key="k-5").status_code == 201
    old = IdempotencyKey.objects.get(key="k-5")
    IdempotencyKey.objects.filter(pk=old.pk).update(
        created_at=old.created_at - timedelta(hours=settings.JIXIAO_IDEMPOTENCY_HOURS, minutes=1)
    )
    call_command("purge_idempotency_keys", stdout=open("/dev/null", "w"))
    assert not IdempotencyKey.objects.filter(key="k-5").exists()
    assert post(client, payload(), key="k-5").status_code == 201  # a new request, a new record
    assert WorkReport.objects.filter(title="幂等新建").count() == 2


def test_create_like_actions_replay_too(client_as):
    """A create-like @action (here: a monitoring round through the base create, and an indicator comment) honours
    the header as well."""
    from targets.models import TargetSheet

    sheet = TargetSheet.objects.filter(
        subject__organisation__name=SCHOOL, status="in_review", current_role="unit_head"
    ).first()
    assert sheet is not None
    client = client_as("edu_head")
    url = f"/api/target-sheets/{sheet.pk}/comments/"
    first = post(client, {"text": "请补充数据来源"}, key="c-1", url=url)
    assert first.status_code == 201, first.json()
    again = post(client, {"text": "请补充数据来源"}, key="c-1", url=url)
    assert again.status_code == 201 and again[REPLAYED_HEADER] == "true" and again.json() == first.json()
    assert sheet.comments.filter(text="请补充数据来源").count() == 1


def test_the_schema_documents_the_header_on_create_operations(client_as):
    schema = client_as("perf").get("/api/openapi.json")
    assert schema.status_code == 200
    paths = schema.json()["paths"]

    def headers(path, method):
        return {p["name"] for p in paths[path][method].get("parameters", []) if p["in"] == "header"}

    for path in ("/api/work-reports/", "/api/subjects/", "/api/assessments/", "/api/monitoring-rounds/"):
        assert HEADER in headers(path, "post"), path
    assert HEADER in headers("/api/target-sheets/{id}/comments/", "post")
    assert HEADER in headers("/api/imports/", "post")
    assert HEADER not in headers("/api/work-reports/{id}/submit/", "post")
    assert HEADER not in headers("/api/work-reports/", "get")

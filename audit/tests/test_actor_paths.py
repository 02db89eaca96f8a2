"""The audit trail names the actor on every path: a page, the API with a session, the API with a token, and a
background task started by the user. The same change is made through each path and the rows are compared."""

import pytest
from rest_framework.test import APIClient

from audit.models import AuditAction, AuditEntry
from reports.models import WorkReport
from subjects.tests.helpers import SCHOOL, org

pytestmark = pytest.mark.django_db

PREPARER = "edu_preparer"


def token_client(username: str) -> APIClient:
    client = APIClient()
    response = client.post("/api/token/", {"username": username, "password": "Jixiao@2026"}, format="json")
    assert response.status_code in (200, 201), response.content
    client.credentials(HTTP_AUTHORIZATION=f"Token {response.json()['token']}")
    return client


def report_payload(title: str) -> dict:
    return {
        "title": title,
        "fiscal_year": 2025,
        "organisation": org(SCHOOL).pk,
        "kind": "annual_summary",
        "content": "正文",
    }


def rows_for(obj) -> list[AuditEntry]:
    return list(AuditEntry.objects.filter(object_type=obj._meta.label_lower, object_id=str(obj.pk)).order_by("pk"))


@pytest.fixture
def paths(client_as):
    """(name, create, patch) for each path: create posts a new work report, patch edits its title."""
    session = client_as(PREPARER)
    token = token_client(PREPARER)

    def page_create(title):
        return session.post("/reports/new/", report_payload(title))

    def page_patch(report, title):
        return session.post(f"/reports/{report.pk}/edit/", {**report_payload(title), "version": report.version})

    def api_create(client):
        return lambda title: client.post("/api/work-reports/", report_payload(title), format="json")

    def api_patch(client):
        return lambda report, title: client.patch(
            f"/api/work-reports/{report.pk}/", {"title": title, "version": report.version}, format="json"
        )

    session_api = APIClient()
    session_api.cookies = session.cookies
    return [
        ("页面", page_create, page_patch),
        ("会话接口", api_create(session_api), api_patch(session_api)),
        ("令牌接口", api_create(token), api_patch(token)),
    ]


def test_create_and_edit_name_the_user_on_every_path(paths, persona):
    user = persona(PREPARER)
    seen = {}
    for name, create, patch in paths:
        response = create(f"{name}新建的总结")
        assert response.status_code in (201, 302), (name, response.content[:500])
        report = WorkReport.objects.get(title=f"{name}新建的总结")
        response = patch(report, f"{name}改过的总结")
        assert response.status_code in (200, 302), (name, response.content[:500])
        rows = rows_for(report)
        assert [r.action for r in rows] == [AuditAction.CREATE, AuditAction.UPDATE], name
        seen[name] = {(r.action, r.actor_id, r.actor_name) for r in rows}
    expected = {(AuditAction.CREATE, user.pk, str(user)), (AuditAction.UPDATE, user.pk, str(user))}
    assert all(rows == expected for rows in seen.values()), seen


def test_a_token_request_that_changes_subject_and_target_fields_names_the_user(persona):
    from subjects.tests.test_api import payload

    user = persona(PREPARER)
    client = token_client(PREPARER)
    response = client.post("/api/subjects/", payload(name="令牌新建的项目"), format="json")
    assert response.status_code == 201, response.content
    entries = AuditEntry.objects.filter(object_type="subjects.subject", object_id=str(response.json()["id"]))
    assert entries.exists() and set(entries.values_list("actor_id", "actor_name")) == {(user.pk, str(user))}


def test_a_background_task_names_the_user_who_started_it(client_as, persona, media_root):
    """The worker has no request: the job's uploader is the actor of every row it writes."""
    from imports.tasks import run_import
    from imports.testing import xlsx_bytes
    from organisations.tests.test_import import HEADERS, org_row, post_import

    admin = persona("sysadmin")
    job = post_import(
        client_as("sysadmin"), xlsx_bytes(HEADERS, [org_row("示范市操作人测试局", "主管部门", "188")], sheet="机构")
    )
    before = AuditEntry.objects.order_by("-pk").values_list("pk", flat=True).first()
    run_import.call(job.pk)  # as the worker would, outside any request
    rows = AuditEntry.objects.filter(pk__gt=before)
    assert rows.filter(action=AuditAction.IMPORT).exists()
    assert set(rows.values_list("actor_id", "actor_name")) == {(admin.pk, str(admin))}

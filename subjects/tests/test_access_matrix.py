"""Who reaches a subject of 示范市第一中学: the same set as a 工作报告 of the school."""

import pytest

from demo.seed import ACCOUNTS
from reports.tests.test_access_matrix import REACHES_SCHOOL_REPORT
from subjects.tests.helpers import make_subject

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("username", [a.username for a in ACCOUNTS])
def test_every_role_on_a_school_subject(client_as, username):
    subject = make_subject(name="矩阵测试项目")
    client = client_as(username)
    page = client.get(f"/subjects/{subject.pk}/").status_code
    api = client.get(f"/api/subjects/{subject.pk}/").status_code
    listed = "矩阵测试项目</a>" in client.get("/subjects/?q=矩阵测试项目").content.decode()
    if username in REACHES_SCHOOL_REPORT:
        assert (page, api, listed) == (200, 200, True), username
    else:
        assert (page, api, listed) == (404, 404, False), username

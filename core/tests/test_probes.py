"""The probes of the attack on the system (issue 17, "much held"), kept in the suite so they keep holding: the
security headers of every answer; script injected through a record's text is shown as text on the pages that list
it; SQL injection through every list page's search and filters answers normally (200, or 400 for a value a filter
cannot read), never 500."""

import re

import pytest

from core.testing import client_for, navigation_urls

pytestmark = pytest.mark.django_db

SCRIPT = "<script>alert('jixiao')</script>"
IMG = '"><img src=x onerror=alert(1)>'
SQL = ["1' OR '1'='1", "1; DROP TABLE audit_auditentry; --"]


def test_every_answer_carries_the_security_headers():
    client = client_for("perf")
    for url in ["/", "/subjects/", "/api/subjects/", "/accounts/login/"]:
        response = client.get(url)
        assert response["X-Frame-Options"] == "DENY", url
        assert response["X-Content-Type-Options"] == "nosniff", url
        assert response["Referrer-Policy"] == "same-origin", url
        assert "default-src 'self'" in response["Content-Security-Policy"], url
        assert "frame-ancestors 'none'" in response["Content-Security-Policy"], url


def test_script_in_a_title_is_shown_as_text_on_the_list_and_the_detail():
    from organisations.models import Organisation

    client = client_for("edu_preparer")
    school = Organisation.objects.get(name="示范市第一中学")
    body = {
        "title": f"{SCRIPT}{IMG}",
        "fiscal_year": 2025,
        "organisation": school.pk,
        "kind": "annual_summary",
        "content": SCRIPT,
    }
    created = client.post("/api/work-reports/", body, content_type="application/json")
    assert created.status_code == 201, created.json()
    pk = created.json()["id"]
    for url in ["/reports/", f"/reports/{pk}/", "/"]:
        page = client.get(url).content.decode()
        assert SCRIPT not in page and "<img src=x" not in page, url
    page = client.get("/reports/").content.decode()
    assert "&lt;script&gt;alert(&#x27;jixiao&#x27;)&lt;/script&gt;" in page


@pytest.mark.parametrize("username", ["perf", "edu_preparer"])
def test_sql_in_every_list_search_and_filter_is_only_text(username):
    client = client_for(username)
    checked = 0
    for url in navigation_urls():
        first = client.get(url)
        if first.status_code != 200 or b'<form method="get"' not in first.content:
            continue
        form = re.search(rb'<form method="get"[^>]*>.*?</form>', first.content, re.S).group(0).decode()
        names = sorted(set(re.findall(r'name="([a-z_0-9]+)"', form)) - {"csrfmiddlewaretoken"})
        for name in names:
            for value in SQL:
                response = client.get(url, {name: value})
                assert response.status_code in (200, 400), (url, name, value, response.status_code)
                checked += 1
    assert checked > 50

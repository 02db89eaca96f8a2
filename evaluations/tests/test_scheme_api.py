"""The evaluation-scheme API: read-only list and detail behind the gate, in the OpenAPI schema; ``new-version`` calls
the page's action (guarded, audited); wrong shapes answer 400 naming the field, unknown or malformed ids 404."""

import datetime
from decimal import Decimal

import pytest

from audit.models import AuditAction, AuditEntry
from evaluations.actions import clone_scheme
from evaluations.choices import SchemeKind
from evaluations.models import EvaluationScheme
from organisations.choices import RegionLevel
from organisations.models import Region

pytestmark = pytest.mark.django_db

JSON = "application/json"
D = Decimal
URL = "/api/evaluation-schemes/"


def default(kind):
    return EvaluationScheme.objects.get(kind=kind, region__isnull=True, version=1)


def county_of(persona):
    return persona("county_perf").organisation.region


def new_version(pk):
    return f"{URL}{pk}/new-version/"


def test_anonymous_is_refused(client):
    assert client.get(URL).status_code in (401, 403)


@pytest.mark.parametrize("username", ["perf", "edu_preparer", "auditor"])
def test_every_signed_in_user_reads_every_kind(client_as, username):
    body = client_as(username).get(URL).json()
    kinds = {row["kind"] for row in body["results"]}
    assert kinds == set(SchemeKind.values)
    four_e = next(row for row in body["results"] if row["kind"] == SchemeKind.FOUR_E)
    assert (four_e["economy_points"], four_e["effectiveness_points"]) == ("20.00", "35.00")
    assert four_e["region_name"] == "默认（所有区划）" and four_e["in_force"] is True
    assert four_e["grade_lines"][0] == {"label": "优", "min": "90"}


def test_filters_by_kind_line_and_in_force(client_as, persona):
    county = county_of(persona)
    mine = clone_scheme(default(SchemeKind.NATIONAL), region=county, effective_from=datetime.date(2026, 1, 1))
    client = client_as("perf")
    rows = client.get(f"{URL}?kind=national&in_force=true").json()["results"]
    assert {row["id"] for row in rows} == {default(SchemeKind.NATIONAL).pk, mine.pk}
    rows = client.get(f"{URL}?region={county.pk}").json()["results"]
    assert [row["id"] for row in rows] == [mine.pk]
    rows = client.get(f"{URL}?default=true").json()["results"]
    assert {row["region"] for row in rows} == {None}


def test_detail(client_as):
    scheme = default(SchemeKind.COMPOSITE)
    body = client_as("edu_preparer").get(f"{URL}{scheme.pk}/").json()
    assert body["kind_display"] == SchemeKind.COMPOSITE.label
    assert [item["weight"] for item in body["qualitative_items"]] == ["30", "20", "20", "20", "10"]
    assert (body["bonus_min"], body["bonus_max"], body["deviation_threshold"]) == ("3.00", "5.00", "0.2000")


@pytest.mark.parametrize("pk", ["abc", "1.5", "999999", "99999999999999999999999"])
def test_unknown_or_malformed_id_is_404(client_as, pk):
    client = client_as("perf")
    assert client.get(f"{URL}{pk}/").status_code == 404
    assert client.post(new_version(pk), {}, content_type=JSON).status_code == 404


@pytest.mark.parametrize("query", ["kind=nope", "region=abc", "region=1e30"])
def test_a_filter_of_the_wrong_shape_is_400(client_as, query):
    response = client_as("perf").get(f"{URL}?{query}")
    assert response.status_code == 400, response.content
    assert query.split("=")[0] in response.json()


def test_the_schema_documents_the_endpoints(client_as):
    schema = client_as("perf").get("/api/openapi.json").json()
    assert "/api/evaluation-schemes/" in schema["paths"]
    assert "/api/evaluation-schemes/{id}/" in schema["paths"]
    post = schema["paths"]["/api/evaluation-schemes/{id}/new-version/"]["post"]
    assert "新版本" in post["summary"]


def test_the_performance_section_publishes_its_regions_version(client_as, persona):
    county = county_of(persona)
    original = default(SchemeKind.FOUR_E)
    body = {
        "region": county.pk,
        "effective_from": "2026-10-01",
        "reason": "本区 4E 分值",
        "equity_points": "25",
        "effectiveness_points": "30",
    }
    response = client_as("county_perf").post(new_version(original.pk), body, content_type=JSON)
    assert response.status_code == 201, response.content
    data = response.json()
    assert (data["region"], data["version"], data["equity_points"], data["economy_points"]) == (
        county.pk,
        1,
        "25.00",
        "20.00",
    )
    assert data["note"] == "本区 4E 分值"
    entry = AuditEntry.objects.get(object_type="evaluations.evaluationscheme", object_id=str(data["id"]))
    assert entry.action == AuditAction.CREATE and entry.actor == persona("county_perf")
    original.refresh_from_db()
    assert original.equity_points == D("20")


@pytest.mark.parametrize(
    ("body", "field", "message"),
    [
        ("[1, 2]", "non_field_errors", "请求体应为 JSON 对象"),
        ('"text"', "non_field_errors", "请求体应为 JSON 对象"),
        ({"effective_from": "2026-10-01", "reason": "x", "equity_points": "25"}, "equity_points", "合计应为 100 分"),
        (
            {"effective_from": "2026-10-01", "reason": "x", "bonus_min": "6"},
            "bonus_max",
            "“加分上限”不能低于“加分下限”",
        ),
        ({"effective_from": "2026-10-01", "reason": "x", "grade_lines": [{"label": "优"}]}, "grade_lines", "格式有误"),
        ({"effective_from": "2026-10-01", "reason": "x", "grade_lines": "优 90"}, "grade_lines", "应为列表"),
        ({"effective_from": "2026-10-01", "reason": "x", "economy_points": "很多"}, "economy_points", ""),
        ({"effective_from": "2026-10-01", "reason": "x", "colour": "red"}, "non_field_errors", "未知字段：colour"),
        ({"effective_from": "2026-10-01"}, "reason", "请填写修改说明"),
        ({"effective_from": "2020-01-01", "reason": "x"}, "effective_from", "不能早于今天"),
        ({"effective_from": "明天", "reason": "x"}, "effective_from", ""),
        ({"region": "abc", "effective_from": "2026-10-01", "reason": "x"}, "region", ""),
    ],
)
def test_a_body_of_the_wrong_shape_is_400_naming_the_field_and_changes_nothing(
    client_as, persona, body, field, message
):
    scheme = default(SchemeKind.FOUR_E) if "bonus_min" not in str(body) else default(SchemeKind.COMPOSITE)
    if isinstance(body, dict):
        body = {"region": county_of(persona).pk, **body}
    count = EvaluationScheme.objects.count()
    response = client_as("county_perf").post(new_version(scheme.pk), body, content_type=JSON)
    assert response.status_code == 400, response.content
    errors = response.json()
    assert field in errors, errors
    assert message in str(errors[field]), errors
    assert EvaluationScheme.objects.count() == count


def test_a_unit_may_read_but_not_publish(client_as):
    scheme = default(SchemeKind.NATIONAL)
    client = client_as("edu_preparer")
    assert client.get(f"{URL}{scheme.pk}/").status_code == 200
    response = client.post(
        new_version(scheme.pk), {"region": None, "effective_from": "2026-10-01", "reason": "x"}, content_type=JSON
    )
    assert response.status_code == 403
    assert AuditEntry.objects.filter(
        action=AuditAction.PERMISSION_DENIED, object_type="evaluations.evaluationscheme"
    ).exists()


def test_a_region_outside_reach_is_403_and_changes_nothing(client_as, persona):
    other = Region.objects.filter(level=RegionLevel.COUNTY).exclude(pk=county_of(persona).pk).order_by("code").first()
    count = EvaluationScheme.objects.count()
    for scheme, region in (
        (default(SchemeKind.NATIONAL), other.pk),  # another county
        (default(SchemeKind.NATIONAL), None),  # the default line: only the top bureau
        (clone_scheme(default(SchemeKind.NATIONAL), region=other, effective_from=datetime.date(2026, 1, 1)), other.pk),
    ):
        body = {"region": region, "effective_from": "2026-10-01", "reason": "x"}
        response = client_as("county_perf").post(new_version(scheme.pk), body, content_type=JSON)
        assert response.status_code == 403, response.content
    assert EvaluationScheme.objects.count() == count + 1  # only the clone made above


def test_list_is_read_only(client_as):
    client = client_as("perf")
    assert client.post(URL, {}, content_type=JSON).status_code == 405
    scheme = default(SchemeKind.NATIONAL)
    assert client.patch(f"{URL}{scheme.pk}/", {"name": "x"}, content_type=JSON).status_code == 405
    assert client.delete(f"{URL}{scheme.pk}/").status_code == 405

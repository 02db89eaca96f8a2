"""Finance's authorisation of the agency's export (seed 004 三(九)2: 未经财政部门同意或授权，受托机构不得将评价数据、结果、
报告对外公布): every download and export of a key evaluation asks the gate for Action.EXPORT, which an agency has only
with ``Assignment.may_export``; the organising office grants and revokes it, with a reason, audited."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from audit.models import AuditEntry
from keyevals import archive, export_auth
from keyevals.tests.report_fixtures import make_evaluation, user, with_report

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n%%EOF\n"


def _urls(evaluation, item):
    return [
        f"/keyevals/{evaluation.pk}/report/draft.docx",
        f"/keyevals/{evaluation.pk}/archive/files/{item.pk}/",
        f"/keyevals/{evaluation.pk}/archive/export.zip",
        f"/api/archive-files/{item.pk}/download/",
        f"/api/archive-files/export/?evaluation={evaluation.pk}",
    ]


def test_an_agency_exports_only_with_finances_authorisation(media_root, client_as):
    evaluation = make_evaluation("导出授权测试", agency=True)
    report = with_report(evaluation)
    item = archive.upload(
        user("perf"), evaluation, category="contract", title="合同", upload=SimpleUploadedFile("c.pdf", PDF)
    )
    agency = client_as("agency")
    # Without the authorisation the agency reads the evaluation but exports nothing.
    assert agency.get(f"/keyevals/{evaluation.pk}/report/").status_code == 200
    assert "未经财政部门授权" in agency.get(f"/keyevals/{evaluation.pk}/report/").content.decode()
    for url in _urls(evaluation, item):
        assert agency.get(url).status_code == 404, url
    assert agency.get(f"/api/key-evaluation-reports/{report.pk}/draft/").status_code == 404
    assignment = export_auth.agency_assignments(evaluation).get()
    export_auth.set_export(user("perf"), evaluation, assignment, True, "合同终止，移交档案")
    for url in _urls(evaluation, item):
        assert agency.get(url).status_code == 200, url
    export_auth.set_export(user("perf"), evaluation, assignment, False, "移交完成")
    assert agency.get(_urls(evaluation, item)[0]).status_code == 404
    reasons = list(
        AuditEntry.objects.filter(object_type="core.assignment", object_id=str(assignment.pk)).values_list(
            "reason", flat=True
        )
    )
    assert any("合同终止" in r for r in reasons) and any("撤销授权" in r for r in reasons)


def test_only_the_organiser_authorises_and_with_a_reason():
    evaluation = make_evaluation("授权限制测试", agency=True)
    assignment = export_auth.agency_assignments(evaluation).get()
    for username in ("agency", "leader", "county_perf"):
        with pytest.raises(PermissionDenied):
            export_auth.set_export(user(username), evaluation, assignment, True, "自行授权")
    with pytest.raises(ValidationError, match="理由"):
        export_auth.set_export(user("perf"), evaluation, assignment, True, " ")
    export_auth.set_export(user("perf"), evaluation, assignment, True, "同意")
    with pytest.raises(ValidationError, match="已获授权"):
        export_auth.set_export(user("perf"), evaluation, assignment, True, "再次")
    assignment.refresh_from_db()
    assert assignment.may_export


def test_the_authorisation_applies_to_its_own_evaluation_only(media_root, client_as):
    mine = make_evaluation("授权的评价", agency=True, may_export=True)
    other = make_evaluation("未授权的评价", agency=True)
    with_report(mine)
    with_report(other)
    agency = client_as("agency")
    assert agency.get(f"/keyevals/{mine.pk}/report/draft.docx").status_code == 200
    assert agency.get(f"/keyevals/{other.pk}/report/draft.docx").status_code == 404
    stranger = make_evaluation("未委托的评价")
    assert agency.get(f"/keyevals/{stranger.pk}/report/").status_code == 404


def test_the_api_grants_and_revokes(client_as):
    evaluation = make_evaluation("接口授权", agency=True)
    assignment = export_auth.agency_assignments(evaluation).get()
    client = client_as("perf")
    listed = client.get("/api/key-evaluation-export-authorisations/").json()["results"]
    assert {
        "id": assignment.pk,
        "evaluation": evaluation.pk,
        "agency": assignment.organisation.name,
        "may_export": False,
    } in listed
    url = f"/api/key-evaluation-export-authorisations/{assignment.pk}/"
    assert client.patch(url, {"may_export": True}, content_type="application/json").status_code == 400
    assert client.patch(url, "[1]", content_type="application/json").status_code == 400
    response = client.patch(url, {"may_export": True, "reason": "同意导出"}, content_type="application/json")
    assert response.status_code == 200 and response.json()["may_export"] is True
    assert (
        client_as("agency")
        .patch(url, {"may_export": False, "reason": "x"}, content_type="application/json")
        .status_code
        == 404
    )

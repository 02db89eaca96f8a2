"""The project library through the pages: list, filters, export, create, edit, chain, lifecycle."""

import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from audit.models import AuditAction, AuditEntry
from imports.testing import read_xlsx
from subjects.choices import LibraryStage
from subjects.models import PurchasedServiceDetail, Subject, SubjectYearAmount
from subjects.tests.helpers import SCHOOL, fresh, make_subject, org, walk_to_admission
from workflow.models import ReviewStatus

pytestmark = pytest.mark.django_db


def page_version(client, subject) -> int:
    html = client.get(f"/subjects/{subject.pk}/").content.decode()
    return int(re.search(r'name="version" value="(\d+)"', html).group(1))


def form_data(**extra) -> dict:
    data = {
        "name": "页面新建的学生资助项目",
        "kind": "project",
        "organisation": org(SCHOOL).pk,
        "fiscal_year": 2026,
        "start_year": 2026,
        "end_year": 2026,
        "duration": "one_off",
        "budget_kind": "general",
        "fund_sources": ["local", "upper_transfer"],
        "function_subject_code": "2050299",
        "category": "other_special",
        "sub_category": "award_subsidy",
        "start_date": "2026-01-01",
        "end_date": "2026-12-31",
        "basis": "学生资助政策",
        "previous_amount": "0",
        "requested_amount": "123456.78",
    }
    data.update(extra)
    return data


def test_list_is_gated_filters_and_exports(client_as):
    make_subject(name="教育列表可见项目")
    make_subject(name="医院的项目", organisation=org("示范市人民医院"), by="health_preparer")
    for username in ("edu_preparer", "edu_reviewer", "desk_edu", "perf", "budget", "auditor"):
        assert "教育列表可见项目" in client_as(username).get("/subjects/?q=列表可见").content.decode(), username
    for username in ("health_reviewer", "desk_social", "county_perf", "agency", "public"):
        assert "教育列表可见项目" not in client_as(username).get("/subjects/?q=列表可见").content.decode(), username
    client = client_as("edu_preparer")
    assert "医院的项目</a>" not in client.get("/subjects/?q=医院的项目").content.decode()
    assert "教育列表可见项目" in client.get("/subjects/?q=列表可见&category=administrative").content.decode()
    assert "教育列表可见项目" not in client.get("/subjects/?category=economic").content.decode()
    assert "教育列表可见项目" not in client.get("/subjects/?needs_assessment=true").content.decode()
    assert "教育列表可见项目" in client.get("/subjects/?needs_assessment=false&stage=pending").content.decode()
    export = client_as("edu_reviewer").get("/subjects/?q=列表可见&export=xlsx")
    assert export.status_code == 200
    sheet = next(iter(read_xlsx(export.getvalue()).values()))
    assert sheet[0][:2] == ["项目编码", "项目名称"] and len(sheet) == 2 and sheet[1][1] == "教育列表可见项目"
    assert sheet[1][7] == 500000, sheet[1]  # a number, not text (core.xlsx)
    assert AuditEntry.objects.filter(action=AuditAction.EXPORT, object_type="subjects.subject").exists()


def test_list_page_query_count_does_not_grow_with_rows(client_as, django_assert_max_num_queries):
    for i in range(8):
        make_subject(name=f"批量项目{i}")
    client = client_as("perf")
    client.get("/subjects/")
    # 22 + the two queries of the monitoring 待办 provider (warnings to dispose of, tables overdue) for perf.
    with django_assert_max_num_queries(24):
        assert client.get("/subjects/?sort=requested").status_code == 200


def test_preparer_creates_with_year_amount_others_cannot(client_as):
    client = client_as("edu_preparer")
    assert client.get("/subjects/new/").status_code == 200
    response = client.post("/subjects/new/", form_data())
    subject = Subject.objects.get(name="页面新建的学生资助项目")
    assert response.status_code == 302 and response["Location"] == f"/subjects/{subject.pk}/"
    assert subject.fund_sources == ["local", "upper_transfer"] and subject.department.name == "示范市教育局"
    assert str(SubjectYearAmount.objects.get(subject=subject).requested_amount) == "123456.78"
    assert SubjectYearAmount.objects.get(subject=subject).arranged_amount is None
    for username in ("edu_reviewer", "perf", "budget"):
        client_as(username).post("/subjects/new/", form_data(name="越权新建"))
    assert not Subject.objects.filter(name="越权新建").exists()


def test_form_errors_are_shown_in_chinese(client_as):
    response = client_as("edu_preparer").post(
        "/subjects/new/", form_data(function_subject_code="2050", category="economic", sub_category="purchase")
    )
    html = response.content.decode()
    assert response.status_code == 200 and "3 位（类）、5 位（款）或 7 位（项）" in html and "不属于" in html


def test_purchased_service_created_with_its_detail(client_as):
    provider = org("示范物业服务有限公司")
    client_as("edu_preparer").post(
        "/subjects/new/",
        form_data(
            name="校园物业服务",
            kind="purchased_service",
            **{"ps-provider": provider.pk, "ps-contract_amount": "300000", "ps-on_guidance_catalogue": "on"},
        ),
    )
    detail = PurchasedServiceDetail.objects.get(subject__name="校园物业服务")
    assert detail.purchaser == org(SCHOOL) and detail.provider == provider and not detail.outside_negative_list


def test_finance_only_fields_are_not_editable_by_units(client_as):
    subject = make_subject(name="单位不能改财政字段")
    client = client_as("edu_preparer")
    html = client.get(f"/subjects/{subject.pk}/edit/").content.decode()
    assert "finance_marked" not in html and "arranged_amount" not in html
    client.post(
        f"/subjects/{subject.pk}/edit/",
        form_data(
            name="单位不能改财政字段（改）",
            version=subject.version,
            finance_marked="on",
            arranged_amount="1",
            stage="funded",
            requested_amount="600000",
        ),
    )
    stored = fresh(subject)
    assert stored.name == "单位不能改财政字段（改）" and not stored.finance_marked and stored.stage == "pending"
    row = SubjectYearAmount.objects.get(subject=subject)
    assert str(row.requested_amount) == "600000.00" and row.arranged_amount is None


def test_edit_only_while_draft_and_only_by_the_preparer(client_as, gate_open):
    subject = make_subject()
    assert client_as("edu_reviewer").get(f"/subjects/{subject.pk}/edit/").status_code == 404
    assert client_as("health_preparer").get(f"/subjects/{subject.pk}/edit/").status_code == 404
    walk_to_admission(subject)
    assert client_as("edu_preparer").get(f"/subjects/{subject.pk}/edit/").status_code == 404


def test_chain_and_lifecycle_through_the_pages(client_as, gate_open):
    subject = make_subject(name="页面走完流程的项目")
    for username, action in (("edu_preparer", "submit"), ("edu_reviewer", "approve"), ("desk_edu", "approve")):
        client = client_as(username)
        client.post(f"/subjects/{subject.pk}/transition/", {"action": action, "version": page_version(client, subject)})
    assert fresh(subject).stage == LibraryStage.ADMITTED
    budget = client_as("budget")
    html = budget.get(f"/subjects/{subject.pk}/").content.decode()
    assert 'id="action-fund"' in html
    assert 'id="action-fund"' not in client_as("edu_preparer").get(f"/subjects/{subject.pk}/").content.decode()
    budget.post(
        f"/subjects/{subject.pk}/lifecycle/",
        {"action": "fund", "version": page_version(budget, subject), "amount": "450000", "year": 2026},
    )
    assert fresh(subject).stage == LibraryStage.FUNDED
    assert str(SubjectYearAmount.objects.get(subject=subject).arranged_amount) == "450000.00"
    unit = client_as("edu_head")
    unit.post(f"/subjects/{subject.pk}/lifecycle/", {"action": "start", "version": page_version(unit, subject)})
    assert fresh(subject).stage == LibraryStage.EXECUTING
    # a unit cannot fund, even by crafting the POST
    unit.post(
        f"/subjects/{subject.pk}/lifecycle/", {"action": "fund", "version": page_version(unit, subject), "amount": "1"}
    )
    assert str(SubjectYearAmount.objects.get(subject=subject).arranged_amount) == "450000.00"


def test_return_with_comments_through_the_page(client_as, gate_open):
    subject = make_subject()
    client = client_as("edu_preparer")
    client.post(f"/subjects/{subject.pk}/transition/", {"action": "submit", "version": page_version(client, subject)})
    reviewer = client_as("edu_reviewer")
    reviewer.post(
        f"/subjects/{subject.pk}/transition/",
        {
            "action": "return",
            "target_step": 0,
            "opinion": "请补充可行性论证",
            "version": page_version(reviewer, subject),
        },
    )
    assert fresh(subject).status == ReviewStatus.RETURNED
    html = client.get(f"/subjects/{subject.pk}/").content.decode()
    # The reason at the top of the page (issue 12 §6), by the reviewer's name and office, not the login name.
    banner = html.split('id="returned-banner"')[1].split("</div>\n</div>")[0]
    assert "请补充可行性论证" in banner and "吴审核（示范市教育局）" in banner and "edu_reviewer" not in banner
    assert html.index('id="returned-banner"') < html.index('class="page-title"')
    client.post(f"/subjects/{subject.pk}/transition/", {"action": "submit", "version": page_version(client, subject)})
    assert 'id="returned-banner"' not in client.get(f"/subjects/{subject.pk}/").content.decode()  # resubmitted


# seed 000 第九条: the page says why a subject cannot be admitted yet
def test_seed000_art9_detail_shows_the_assessment_block(client_as, fallback_gate):
    subject = make_subject(is_new=True)
    client = client_as("edu_preparer")
    client.post(f"/subjects/{subject.pk}/transition/", {"action": "submit", "version": page_version(client, subject)})
    html = client_as("desk_edu").get(f"/subjects/{subject.pk}/").content.decode()
    assert 'id="needs-assessment"' in html and "尚未完成事前绩效评估" in html


def test_attachment_upload_and_gated_download(client_as, media_root):
    subject = make_subject()
    client = client_as("edu_preparer")
    upload = SimpleUploadedFile("可研报告.pdf", b"%PDF-1.4 subject", content_type="application/pdf")
    client.post(f"/subjects/{subject.pk}/attachments/", {"kind": "feasibility", "file": upload})
    item = subject.attachments.get()
    url = f"/subjects/{subject.pk}/attachments/{item.pk}/"
    download = client_as("desk_edu").get(url)
    assert download.status_code == 200 and b"".join(download.streaming_content) == b"%PDF-1.4 subject"
    assert client_as("health_preparer").get(url).status_code == 404


def test_navigation_and_import_links(client_as):
    html = client_as("edu_preparer").get("/subjects/").content.decode()
    assert "/subjects/import/template/" in html and "/subjects/new/" in html
    assert "/subjects/import/" not in client_as("perf").get("/subjects/").content.decode()
    assert "/subjects/" in client_as("edu_preparer").get("/stage/assessment/").content.decode()

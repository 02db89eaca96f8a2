"""Attachments of a target sheet (issue 12 §7: 测算依据 can be added to a sheet; seed 003 附件1 填表说明: 测算依据及说明):
uploaded and deleted by its preparer while it is editable, read through the gate by whoever reads the sheet,
carried into an adjustment."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from audit.models import AuditAction, AuditEntry
from subjects.tests.helpers import make_subject, walk_to_admission
from targets import actions
from targets.actions import attachments
from targets.attachment_models import TargetSheetAttachment
from targets.tests.helpers import WALK, fresh, good_sheet, user
from workflow import actions as workflow

pytestmark = pytest.mark.django_db


def _pdf(name="维修面积测算表.pdf"):
    return SimpleUploadedFile(name, b"%PDF-1.4\n% test\n", content_type="application/pdf")


def test_the_preparer_attaches_the_calculation_and_everyone_who_reads_the_sheet_reads_it(client_as, media_root):
    sheet = good_sheet(walk_to_admission(make_subject(name="附件测试项目")))
    school = client_as("edu_preparer")
    response = school.post(
        f"/targets/{sheet.pk}/attachments/", {"kind": "calculation", "note": "面积测算", "file": _pdf()}
    )
    assert response.status_code == 302
    attachment = TargetSheetAttachment.objects.get(sheet=sheet)
    assert (str(attachment), attachment.kind, attachment.uploaded_by.username) == (
        "维修面积测算表.pdf",
        "calculation",
        "edu_preparer",
    )
    assert AuditEntry.objects.filter(action=AuditAction.CREATE, object_type="targets.targetsheetattachment").exists()
    page = school.get(f"/targets/{sheet.pk}/").content.decode()
    assert "测算依据：维修面积测算表.pdf" in page and 'id="sheet-attachment-form"' in page
    # the department reads and downloads it (audited), but neither uploads nor deletes
    reviewer = client_as("edu_reviewer")
    url = f"/targets/{sheet.pk}/attachments/{attachment.pk}/"
    download = reviewer.get(url)
    assert download.status_code == 200 and b"%PDF" in b"".join(download.streaming_content)
    assert AuditEntry.objects.filter(action=AuditAction.EXPORT, reason__contains="维修面积测算表.pdf").exists()
    assert 'id="sheet-attachment-form"' not in reviewer.get(f"/targets/{sheet.pk}/").content.decode()
    assert reviewer.post(f"/targets/{sheet.pk}/attachments/", {"kind": "other", "file": _pdf()}).status_code == 404
    assert reviewer.post(f"{url}delete/").status_code == 404
    # outside reach it does not exist
    assert client_as("health_reviewer").get(url).status_code == 404
    # the API lists it with its gated address
    body = school.get(f"/api/target-sheets/{sheet.pk}/").json()
    assert [a["url"] for a in body["attachments"]] == [url]


def test_a_wrong_file_is_refused_in_chinese_and_nothing_is_stored(client_as, media_root):
    sheet = good_sheet(walk_to_admission(make_subject(name="附件格式测试项目")))
    bad = SimpleUploadedFile("测算.exe", b"MZ", content_type="application/octet-stream")
    response = client_as("edu_preparer").post(
        f"/targets/{sheet.pk}/attachments/", {"kind": "calculation", "file": bad}, follow=True
    )
    assert "exe" in response.content.decode() and "alert-danger" in response.content.decode()
    assert not TargetSheetAttachment.objects.filter(sheet=sheet).exists()


def test_after_submission_nothing_is_added_or_removed_and_an_adjustment_carries_them(client_as, media_root):
    sheet = good_sheet(walk_to_admission(make_subject(name="附件流转测试项目")))
    attachment = attachments.add(sheet, user("edu_preparer"), file=_pdf(), kind="calculation", note="")
    workflow.submit(sheet, user("edu_preparer"), sheet.version)
    school = client_as("edu_preparer")
    assert school.post(f"/targets/{sheet.pk}/attachments/", {"kind": "other", "file": _pdf()}).status_code == 404
    assert school.post(f"/targets/{sheet.pk}/attachments/{attachment.pk}/delete/").status_code == 404
    for username in WALK:
        sheet = fresh(sheet)
        workflow.approve(sheet, user(username), sheet.version, "同意")
    sheet = fresh(sheet)
    copy = actions.adjust(sheet, user("edu_preparer"), "项目变动，调整数量指标")
    assert [(str(a), a.file.name) for a in copy.attachments.all()] == [(str(attachment), attachment.file.name)]
    # deleting the copy's attachment leaves the approved version's
    removed = copy.attachments.get()
    assert school.post(f"/targets/{copy.pk}/attachments/{removed.pk}/delete/").status_code == 302
    assert not copy.attachments.exists() and sheet.attachments.count() == 1

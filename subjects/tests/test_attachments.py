"""A subject's attachments (立项依据、可研报告、合同) through the one attachment mechanism (core/attachments.py):
uploaded and deleted by the preparer while the subject is a draft or returned, each change audited; read through the
gate by whoever reads the subject; out of reach every address is 404."""

import pytest
from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import SimpleUploadedFile

from audit.models import AuditAction, AuditEntry
from subjects.attachments import ATTACHMENTS
from subjects.models import SubjectAttachment
from subjects.tests.helpers import make_subject, user
from workflow import actions as workflow

pytestmark = pytest.mark.django_db
OBJECT_TYPE = "subjects.subjectattachment"


def _pdf(name="可行性研究报告.pdf"):
    return SimpleUploadedFile(name, b"%PDF-1.4\n% subject\n", content_type="application/pdf")


def test_the_preparer_adds_and_removes_an_attachment_and_both_are_audited(client_as, media_root):
    subject = make_subject(name="附件审计测试项目")
    school = client_as("edu_preparer")
    data = {"kind": "feasibility", "note": "第二版", "file": _pdf()}
    response = school.post(f"/subjects/{subject.pk}/attachments/", data, follow=True)
    assert "已上传附件：可行性研究报告.pdf" in response.content.decode()
    item = SubjectAttachment.objects.get(subject=subject)
    assert (item.kind, item.note, item.uploaded_by.username) == ("feasibility", "第二版", "edu_preparer")
    created = AuditEntry.objects.get(action=AuditAction.CREATE, object_type=OBJECT_TYPE, object_id=str(item.pk))
    assert created.reason == "上传附件：可行性研究报告.pdf" and created.actor.username == "edu_preparer"
    page = school.get(f"/subjects/{subject.pk}/").content.decode()
    assert "可行性研究报告：可行性研究报告.pdf" in page and 'id="attachment-form"' in page and "第二版" in page
    response = school.post(f"/subjects/{subject.pk}/attachments/{item.pk}/delete/", follow=True)
    assert "已删除附件：可行性研究报告.pdf" in response.content.decode()
    assert not SubjectAttachment.objects.filter(subject=subject).exists()
    deleted = AuditEntry.objects.get(action=AuditAction.DELETE, object_type=OBJECT_TYPE, object_id=str(item.pk))
    assert deleted.reason == "删除附件：可行性研究报告.pdf"


def test_out_of_reach_upload_delete_and_download_are_404_and_change_nothing(client_as, media_root):
    subject = make_subject(name="附件越权测试项目")
    item = ATTACHMENTS.add(subject, user("edu_preparer"), file=_pdf(), kind="basis")
    base = f"/subjects/{subject.pk}/attachments/"
    outsider = client_as("health_preparer")
    assert outsider.get(f"{base}{item.pk}/").status_code == 404
    assert outsider.post(base, {"kind": "other", "file": _pdf("外单位.pdf")}).status_code == 404
    assert outsider.post(f"{base}{item.pk}/delete/").status_code == 404
    # another subject's attachment is not found under this subject
    other = make_subject(name="另一个附件项目")
    assert client_as("edu_preparer").get(f"/subjects/{other.pk}/attachments/{item.pk}/").status_code == 404
    assert list(SubjectAttachment.objects.values_list("pk", flat=True)) == [item.pk]
    assert not AuditEntry.objects.filter(object_type=OBJECT_TYPE, action=AuditAction.DELETE).exists()


def test_who_reads_downloads_but_only_the_editable_subject_changes(client_as, media_root):
    subject = make_subject(name="附件权限测试项目")
    item = ATTACHMENTS.add(subject, user("edu_preparer"), file=_pdf(), kind="basis")
    url = f"/subjects/{subject.pk}/attachments/{item.pk}/"
    department = client_as("edu_reviewer")
    download = department.get(url)
    assert download.status_code == 200 and b"%PDF" in b"".join(download.streaming_content)
    assert AuditEntry.objects.filter(action=AuditAction.EXPORT, reason="下载附件 可行性研究报告.pdf").exists()
    assert 'id="attachment-form"' not in department.get(f"/subjects/{subject.pk}/").content.decode()
    assert department.post(f"{url}delete/").status_code == 404
    # once submitted, the preparer neither adds nor removes
    workflow.submit(subject, user("edu_preparer"), subject.version)
    school = client_as("edu_preparer")
    assert school.post(f"/subjects/{subject.pk}/attachments/", {"kind": "other", "file": _pdf()}).status_code == 404
    assert school.post(f"{url}delete/").status_code == 404
    assert SubjectAttachment.objects.filter(subject=subject).count() == 1
    with pytest.raises(PermissionDenied, match="只有项目的填报人在草稿或退回修改时可以上传、删除附件"):
        ATTACHMENTS.remove(item, user("edu_preparer"))


def test_the_api_lists_attachments_with_their_gated_address(client_as, media_root):
    subject = make_subject(name="附件接口测试项目")
    item = ATTACHMENTS.add(subject, user("edu_preparer"), file=_pdf(), kind="contract")
    body = client_as("edu_preparer").get(f"/api/subjects/{subject.pk}/").json()
    assert body["attachments"] == [
        {
            "id": item.pk,
            "kind": "contract",
            "name": "可行性研究报告.pdf",
            "url": f"/subjects/{subject.pk}/attachments/{item.pk}/",
        }
    ]

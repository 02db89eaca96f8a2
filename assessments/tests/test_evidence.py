"""The evidence files (佐证材料) of an ex-ante assessment through the one attachment mechanism (core/attachments.py):
one point's or the whole assessment's; uploaded and deleted by the preparer while the assessment is a draft or
returned, each change audited; read through the gate by whoever reads the assessment; out of reach every address
is 404."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from assessments import actions
from assessments.evidence import EVIDENCE
from assessments.models import AssessmentEvidence
from assessments.tests.helpers import department_assessment, fresh, make_subject, user
from audit.models import AuditAction, AuditEntry
from workflow import actions as workflow

pytestmark = pytest.mark.django_db
OBJECT_TYPE = "assessments.assessmentevidence"


def _pdf(name="目录截图.pdf"):
    return SimpleUploadedFile(name, b"%PDF-1.4\n% evidence\n", content_type="application/pdf")


def test_the_preparer_adds_a_points_evidence_and_removes_it_both_audited(client_as, media_root):
    assessment = actions.start_assessment(make_subject("佐证审计测试项目"), user("edu_reviewer"))
    score = assessment.scores.select_related("point").first()
    department = client_as("edu_reviewer")
    page = department.get(f"/assessments/{assessment.pk}/").content.decode()
    assert 'id="evidence-form"' in page and f"{score.point.dimension} · {score.point.name}" in page
    data = {"score": score.pk, "note": "指导目录页", "file": _pdf()}
    response = department.post(f"/assessments/{assessment.pk}/evidence/", data, follow=True)
    assert "已上传佐证材料：目录截图.pdf" in response.content.decode()
    item = score.evidence.get()
    assert (item.note, item.uploaded_by.username, item.assessment_id) == ("指导目录页", "edu_reviewer", assessment.pk)
    created = AuditEntry.objects.get(action=AuditAction.CREATE, object_type=OBJECT_TYPE, object_id=str(item.pk))
    assert created.reason == "上传佐证材料：目录截图.pdf" and created.actor.username == "edu_reviewer"
    # listed in the panel and under its point, both with the gated address
    url = f"/assessments/{assessment.pk}/evidence/{item.pk}/"
    assert response.content.decode().count(f'href="{url}"') == 2
    response = department.post(f"{url}delete/", follow=True)
    assert "已删除佐证材料：目录截图.pdf" in response.content.decode()
    assert not AssessmentEvidence.objects.filter(assessment=assessment).exists()
    deleted = AuditEntry.objects.get(action=AuditAction.DELETE, object_type=OBJECT_TYPE, object_id=str(item.pk))
    assert deleted.reason == "删除佐证材料：目录截图.pdf"


def test_out_of_reach_upload_delete_and_download_are_404_and_change_nothing(client_as, media_root):
    assessment = actions.start_assessment(make_subject("佐证越权测试项目"), user("edu_reviewer"))
    item = EVIDENCE.add(assessment, user("edu_reviewer"), file=_pdf())
    base = f"/assessments/{assessment.pk}/evidence/"
    outsider = client_as("health_reviewer")
    assert outsider.get(f"{base}{item.pk}/").status_code == 404
    assert outsider.post(base, {"file": _pdf("外部门.pdf")}).status_code == 404
    assert outsider.post(f"{base}{item.pk}/delete/").status_code == 404
    # another assessment's file is not found under this one
    other = actions.start_assessment(make_subject("另一个佐证项目"), user("edu_reviewer"))
    assert client_as("edu_reviewer").get(f"/assessments/{other.pk}/evidence/{item.pk}/").status_code == 404
    assert list(AssessmentEvidence.objects.values_list("pk", flat=True)) == [item.pk]
    assert not AuditEntry.objects.filter(object_type=OBJECT_TYPE, action=AuditAction.DELETE).exists()


def test_readers_download_and_only_the_editable_assessment_changes(client_as, media_root):
    assessment = department_assessment(make_subject("佐证权限测试项目"))
    item = EVIDENCE.add(assessment, user("edu_reviewer"), file=_pdf())
    url = f"/assessments/{assessment.pk}/evidence/{item.pk}/"
    finance = client_as("desk_edu")
    download = finance.get(url)
    assert download.status_code == 200 and b"%PDF" in b"".join(download.streaming_content)
    assert AuditEntry.objects.filter(action=AuditAction.EXPORT, reason="下载佐证材料 目录截图.pdf").exists()
    assert 'id="evidence-form"' not in finance.get(f"/assessments/{assessment.pk}/").content.decode()
    assert finance.post(f"{url}delete/").status_code == 404
    # once submitted, the preparer neither adds nor removes
    workflow.submit(assessment, user("edu_reviewer"), fresh(assessment).version)
    department = client_as("edu_reviewer")
    assert department.post(f"/assessments/{assessment.pk}/evidence/", {"file": _pdf()}).status_code == 404
    assert department.post(f"{url}delete/").status_code == 404
    assert AssessmentEvidence.objects.filter(assessment=assessment).count() == 1
    with pytest.raises(PermissionDenied, match="只有当前填报人可以在草稿或退回状态下上传、删除佐证材料"):
        EVIDENCE.remove(item, user("edu_reviewer"))


def test_a_point_of_another_assessment_is_refused(client_as, media_root):
    assessment = actions.start_assessment(make_subject("佐证要点测试项目"), user("edu_reviewer"))
    other = actions.start_assessment(make_subject("佐证要点另一项目"), user("edu_reviewer"))
    foreign = other.scores.first()
    data = {"score": foreign.pk, "file": _pdf()}
    response = client_as("edu_reviewer").post(f"/assessments/{assessment.pk}/evidence/", data, follow=True)
    assert "alert-danger" in response.content.decode() and not AssessmentEvidence.objects.exists()
    with pytest.raises(ValidationError, match="评估要点不属于该评估"):
        EVIDENCE.add(assessment, user("edu_reviewer"), file=_pdf(), score=foreign)
    assert not AssessmentEvidence.objects.exists()

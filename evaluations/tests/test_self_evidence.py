"""Evidence files of a self-evaluation (issue 13 "The unit enters actuals, evidence files…"): added and removed by the
unit while the form is editable, through the one attachment mechanism (core/attachments.py); read through the gate by
whoever reads the form; an indicator of another form, a wrong file type and an outsider are refused."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from audit.models import AuditAction, AuditEntry
from evaluations.evidence import EVIDENCE
from evaluations.models import SelfEvaluationEvidence
from evaluations.tests.self_helpers import fill_and_submit, form_of, funded_subject, open_round
from subjects.tests.helpers import user

pytestmark = pytest.mark.django_db


def _pdf(name="验收报告.pdf"):
    return SimpleUploadedFile(name, b"%PDF-1.4\n% test\n", content_type="application/pdf")


@pytest.fixture
def form():
    subject = funded_subject()
    return form_of(open_round(), subject)


def test_the_unit_adds_evidence_for_an_indicator_and_readers_download_it(form, client_as, media_root):
    row = form.indicators.get(name="维修校舍面积")
    item = EVIDENCE.add(form, user("edu_preparer"), file=_pdf(), row=row, note="竣工验收单")
    assert (str(item), item.row, item.uploaded_by.username) == ("验收报告.pdf", row, "edu_preparer")
    assert AuditEntry.objects.filter(
        action=AuditAction.CREATE, object_type="evaluations.selfevaluationevidence"
    ).exists()
    url = f"/evaluations/forms/{form.pk}/evidence/{item.pk}/"
    for username in ("edu_preparer", "edu_reviewer", "perf"):
        response = client_as(username).get(url)
        assert response.status_code == 200, username
        assert b"".join(response.streaming_content).startswith(b"%PDF")
    assert AuditEntry.objects.filter(action=AuditAction.EXPORT, object_type="evaluations.selfevaluation").exists()
    # another unit's preparer does not reach the form: 404
    assert client_as("health_preparer").get(url).status_code == 404


def test_only_the_preparer_of_an_editable_form_changes_evidence(form, media_root):
    with pytest.raises(PermissionDenied):
        EVIDENCE.add(form, user("edu_reviewer"), file=_pdf())
    item = EVIDENCE.add(form, user("edu_preparer"), file=_pdf())
    form = fill_and_submit(form)
    with pytest.raises(PermissionDenied):
        EVIDENCE.remove(SelfEvaluationEvidence.objects.get(pk=item.pk), user("edu_preparer"))
    with pytest.raises(PermissionDenied):
        EVIDENCE.add(form, user("edu_preparer"), file=_pdf("迟交.pdf"))


def test_a_file_that_is_not_what_its_name_says_is_refused(form, media_root):
    fake = SimpleUploadedFile("报告.pdf", b"MZ\x90\x00 not a pdf", content_type="application/pdf")
    with pytest.raises(ValidationError):
        EVIDENCE.add(form, user("edu_preparer"), file=fake)
    assert not SelfEvaluationEvidence.objects.exists()


def test_an_indicator_of_another_form_is_refused(form, media_root):
    from evaluations import opening

    other_subject = funded_subject("另一自评项目")
    opening.finish(form.round)
    other = form_of(form.round, other_subject)
    with pytest.raises(ValidationError):
        EVIDENCE.add(form, user("edu_preparer"), file=_pdf(), row=other.indicators.first())
    # and the upload form offers only the form's own indicators
    offered = set(EVIDENCE.form(form).fields["row"].queryset.values_list("evaluation_id", flat=True))
    assert offered == {form.pk}

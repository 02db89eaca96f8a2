"""The re-checker opens the evidence of the form it re-checks (seed 001 第二十一条 抽查复核; the re-check is scored on the
evidence, evaluations/recheck_models.py): through the re-check (``…/rechecks/<item>/evidence/<file>/``), gated on the
re-check, so an agency assigned to it reaches the form's files though it never reaches the form; the file must be the
re-checked form's; downloaded and audited as every evidence download (core/attachments.py). The evaluated unit does
not reach the re-check, another agency neither."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from accounts.models import RoleAssignment, User
from accounts.roles import Role
from audit.models import AuditAction, AuditEntry
from core.testing import client_for
from evaluations import recheck_actions
from evaluations.evidence import EVIDENCE
from evaluations.tests.self_helpers import fill_and_submit, form_of, funded_subject, open_round
from organisations.models import Organisation
from subjects.tests.helpers import user

pytestmark = pytest.mark.django_db


def _pdf(name: str) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, b"%PDF-1.4\n% evidence\n", content_type="application/pdf")


@pytest.fixture
def item(media_root):
    """A drawn re-check assigned to the demo's agency; its form has one file for the whole form and one for a row."""
    subjects = [funded_subject(f"佐证复核项目{i}") for i in range(2)]
    evaluation_round = open_round()
    preparer = user("edu_preparer")
    for subject in subjects:
        form = form_of(evaluation_round, subject)
        EVIDENCE.add(form, preparer, file=_pdf(f"{subject.name}验收报告.pdf"), note="竣工验收报告")
        row = form.indicators.get(name="维修校舍面积")
        EVIDENCE.add(form, preparer, file=_pdf(f"{subject.name}面积测量表.pdf"), row=row)
        fill_and_submit(form)
    sample = recheck_actions.draw_sample(user("perf"), evaluation_round, seed=2025, minimum=2)
    item = sample.items.order_by("pk").first()
    recheck_actions.assign(user("perf"), item, agency=user("agency").organisation)
    return item


def _url(item, evidence) -> str:
    return reverse("evaluations:recheck_evidence", args=[item.pk, evidence.pk])


def _other_agency_user() -> User:
    agency = Organisation.objects.get(name="明正会计师事务所")
    person = User.objects.create(
        username="agency2_checker",
        name="冯复核",
        organisation=agency,
        must_change_password=False,
        password_changed_at=timezone.now(),
    )
    RoleAssignment.objects.create(user=person, role=Role.AGENCY, organisation=agency)
    return person


def test_the_assigned_agency_downloads_the_forms_evidence_and_it_is_audited(item):
    form = item.evaluation
    agency = client_for("agency")
    before = AuditEntry.objects.filter(action=AuditAction.EXPORT, object_id=str(form.pk)).count()
    for evidence in form.evidence.all():
        response = agency.get(_url(item, evidence))
        assert response.status_code == 200
        assert b"".join(response.streaming_content).startswith(b"%PDF")
        assert evidence.filename in response["Content-Disposition"] or "attachment" in response["Content-Disposition"]
    exports = AuditEntry.objects.filter(
        action=AuditAction.EXPORT, object_type="evaluations.selfevaluation", object_id=str(form.pk)
    )
    assert exports.count() - before == 2
    assert exports.latest("pk").actor.username == "agency"
    assert "下载佐证材料" in exports.latest("pk").reason
    # the form itself (and its own evidence route) stays out of the agency's reach
    whole = form.evidence.get(row__isnull=True)
    assert agency.get(reverse("evaluations:evidence", args=[form.pk, whole.pk])).status_code == 404
    assert agency.get(form.get_absolute_url()).status_code == 404


def test_the_recheck_page_lists_the_evidence_per_form_and_per_row(item):
    form = item.evaluation
    body = client_for("agency").get(item.get_absolute_url()).content.decode()
    whole = form.evidence.get(row__isnull=True)
    row_file = form.evidence.get(row__isnull=False)
    panel = body.split('id="evidence"')[1].split('id="recheck-form"')[0]
    assert _url(item, whole) in panel and _url(item, row_file) in panel
    assert "整张自评表" in panel and "指标“维修校舍面积”" in panel and "竣工验收报告" in panel
    row_cell = body.split(f'data-row="{row_file.row_id}"')[1].split("</td>")[0]
    assert _url(item, row_file) in row_cell  # under its indicator in the table
    assert reverse("evaluations:evidence", args=[form.pk, whole.pk]) not in body  # only the re-check's route


def test_perf_reads_the_evidence_through_the_recheck_too(item):
    evidence = item.evaluation.evidence.first()
    assert client_for("perf").get(_url(item, evidence)).status_code == 200


@pytest.mark.parametrize("who", ["other_agency", "edu_preparer", "edu_head", "health_preparer", "county_perf"])
def test_who_does_not_reach_the_recheck_gets_404(item, who):
    person = _other_agency_user() if who == "other_agency" else user(who)
    evidence = item.evaluation.evidence.first()
    assert client_for(person).get(_url(item, evidence)).status_code == 404
    assert client_for(person).get(item.get_absolute_url()).status_code == 404
    assert client_for(person).get(reverse("evaluations:recheck_list")).status_code == 200  # signed in, just not here


def test_evidence_of_another_form_through_this_recheck_is_404(item):
    other = item.sample.items.exclude(pk=item.pk).first().evaluation.evidence.first()
    assert other is not None and other.evaluation_id != item.evaluation_id
    assert client_for("agency").get(_url(item, other)).status_code == 404
    assert client_for("perf").get(_url(item, other)).status_code == 404


def test_unknown_and_non_numeric_ids_are_404(item):
    evidence = item.evaluation.evidence.first()
    agency = client_for("agency")
    assert agency.get(f"/evaluations/rechecks/{item.pk}/evidence/abc/").status_code == 404
    assert agency.get(f"/evaluations/rechecks/x{item.pk}/evidence/{evidence.pk}/").status_code == 404
    assert agency.get(f"/evaluations/rechecks/{item.pk}/evidence/99999999/").status_code == 404
    assert agency.get(f"/evaluations/rechecks/99999999/evidence/{evidence.pk}/").status_code == 404

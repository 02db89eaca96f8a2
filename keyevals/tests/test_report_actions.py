"""The evaluation report's actions (seed 003 第四十条, 附件5; seed 004 三(七)): who writes it, its sections and review
chain, the structured problems, the edited Word, filings and 完成评价."""

from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from audit.models import AuditEntry
from keyevals import letters, report_actions
from keyevals.models import FilingTo, KeyStatus, Problem
from keyevals.tests.report_fixtures import approve, make_evaluation, send_letter, user, with_report
from workflow.actions import StaleDocument
from workflow.models import ReviewStatus

pytestmark = pytest.mark.django_db


def test_the_report_waits_for_the_scoring_to_close():
    evaluation = make_evaluation(status=KeyStatus.SCORING)
    with pytest.raises(ValidationError, match="报告"):
        report_actions.create_report(user("perf"), evaluation)


def test_finance_writes_its_own_report_and_the_leader_approves():
    """seed 003 第四十条: the working group writes, the organising office reviews (chain keyevals.evaluationreport)."""
    evaluation = make_evaluation()
    report = with_report(evaluation)
    assert report.current_role == "performance_section" and report.status == ReviewStatus.DRAFT
    assert "涉及资金 3,250,000.00 元" in report.basic_facts and "86.50" in report.conclusion
    report = approve(evaluation)
    assert report.status == ReviewStatus.APPROVED


def test_only_the_agency_writes_a_commissioned_report():
    evaluation = make_evaluation(agency=True)
    with pytest.raises(PermissionDenied):
        report_actions.create_report(user("perf"), evaluation)
    report = report_actions.create_report(user("agency"), evaluation)
    assert report.current_role == "agency"
    assert AuditEntry.objects.filter(object_type="keyevals.evaluationreport", object_id=str(report.pk)).exists()


def test_sections_are_saved_with_the_version_and_a_stale_one_is_refused():
    evaluation = make_evaluation()
    report = with_report(evaluation)
    saved = report_actions.save_sections(user("perf"), report, report.version, {"analysis": "绩效分析", "status": "x"})
    assert saved.analysis == "绩效分析" and saved.status == ReviewStatus.DRAFT
    with pytest.raises(StaleDocument):
        report_actions.save_sections(user("perf"), report, 1, {"analysis": "旧版本"})
    with pytest.raises(PermissionDenied):
        report_actions.save_sections(user("agency"), saved, saved.version, {"analysis": "不是撰写人"})


def test_a_submitted_report_is_no_longer_editable_nor_are_its_problems():
    evaluation = make_evaluation()
    report = with_report(evaluation)
    report = report_actions.transition(user("perf"), report, "submit", report.version)
    with pytest.raises(PermissionDenied):
        report_actions.save_sections(user("perf"), report, report.version, {"analysis": "x"})
    with pytest.raises(ValidationError, match="不能再修改"):
        report_actions.add_problem(
            user("perf"), evaluation, {"category": "funds", "description": "x", "responsible": evaluation.evaluated_id}
        )


def test_a_report_without_problems_is_not_submitted():
    evaluation = make_evaluation()
    report = with_report(evaluation, problems=0)
    with pytest.raises(ValidationError, match="评价发现的问题"):
        report_actions.transition(user("perf"), report, "submit", report.version)


def test_problems_are_structured_and_checked_field_by_field():
    evaluation = make_evaluation()
    with_report(evaluation, problems=0)
    perf = user("perf")
    unit = user("edu_preparer").organisation
    indicator = report_actions.indicator_choices(evaluation).first()
    problem = report_actions.add_problem(
        perf,
        evaluation,
        {
            "category": "funds",
            "description": "资金未专账核算",
            "suggestion": "设立专账",
            "responsible": unit.pk,
            "indicator": indicator.pk,
            "amount": "186,000",
        },
    )
    assert (problem.order, problem.responsible, problem.indicator, str(problem.amount)) == (
        1,
        unit,
        indicator,
        "186000.00",
    )
    other = make_evaluation("另一项评价")
    elsewhere = user("health_reviewer").organisation
    with pytest.raises(ValidationError) as refused:
        report_actions.add_problem(
            perf,
            evaluation,
            {
                "category": "nonsense",
                "description": " ",
                "responsible": elsewhere.pk,
                "indicator": other.indicators.first().pk,
                "amount": "-5",
            },
        )
    assert set(refused.value.error_dict) == {"category", "description", "responsible", "indicator", "amount"}
    assert "被评价单位" in refused.value.error_dict["responsible"][0].message
    assert Problem.objects.filter(evaluation=evaluation).count() == 1
    updated = report_actions.update_problem(perf, problem, {"description": "资金混用"})
    assert updated.description == "资金混用" and updated.responsible == unit
    report_actions.delete_problem(perf, updated)
    assert not Problem.objects.filter(evaluation=evaluation).exists()
    assert AuditEntry.objects.filter(object_type="keyevals.problem", action="delete").exists()


def test_the_edited_word_becomes_the_report_of_record(media_root):
    evaluation = make_evaluation()
    report = with_report(evaluation)
    assert report_actions.current_document(report) == "generated"
    from keyevals import report_docx

    upload = SimpleUploadedFile("报告修改稿.docx", report_docx.report_document(evaluation, report))
    report = report_actions.upload_edited(user("perf"), report, upload)
    assert report_actions.current_document(report) == "edited" and report.edited_file.name.endswith(".docx")
    with pytest.raises(ValidationError, match="文件内容与扩展名不符"):
        report_actions.upload_edited(user("perf"), report, SimpleUploadedFile("x.docx", b"MZ\x90\x00program"))
    with pytest.raises(ValidationError, match="只能上传"):
        report_actions.upload_edited(user("perf"), report, SimpleUploadedFile("x.exe", b"MZ"))


def test_after_approval_only_the_organiser_uploads_the_final_version(media_root):
    evaluation = make_evaluation(agency=True)
    with_report(evaluation)
    report = approve(evaluation)
    from keyevals import report_docx

    content = report_docx.report_document(evaluation, report)
    with pytest.raises(PermissionDenied):
        report_actions.upload_edited(user("agency"), report, SimpleUploadedFile("定稿.docx", content))
    report = report_actions.upload_edited(user("perf"), report, SimpleUploadedFile("定稿.docx", content))
    assert report.status == ReviewStatus.APPROVED and report.edited_file


def test_filings_due_follow_the_major_flag_and_the_contract():
    """seed 004 三(七): approved reports of major subjects go to the government; the contract adds the party committee
    and the People's Congress."""
    evaluation = make_evaluation(major=True)
    assert report_actions.filings_due(evaluation) == [FilingTo.GOVERNMENT]
    assert report_actions.filings_due(make_evaluation("一般评价")) == []

    from agencies.models import AgencyContract, AgencyProfile

    agency = user("agency").organisation
    profile = AgencyProfile.objects.filter(organisation=agency).first() or AgencyProfile.objects.create(
        organisation=agency, agency_type="consulting"
    )
    contract = AgencyContract.objects.create(
        agency=profile,
        commissioner=user("perf").organisation,
        number="报送测试-1",
        title="委托评价",
        signed_on=datetime.date(2026, 1, 5),
        file_with_party_committee=True,
        file_with_peoples_congress=True,
    )
    plain = make_evaluation("合同约定报送")
    plain.contract = contract
    assert report_actions.filings_due(plain) == [FilingTo.PARTY_COMMITTEE, FilingTo.PEOPLES_CONGRESS]


def test_a_filing_needs_the_approved_report_and_is_recorded_once():
    evaluation = make_evaluation(major=True)
    with_report(evaluation)
    with pytest.raises(ValidationError, match="审核通过后"):
        report_actions.record_filing(user("perf"), evaluation, FilingTo.GOVERNMENT)
    approve(evaluation)
    with pytest.raises(PermissionDenied):
        report_actions.record_filing(user("leader"), evaluation, FilingTo.GOVERNMENT)
    filing = report_actions.record_filing(
        user("perf"), evaluation, FilingTo.GOVERNMENT, document_number="示财〔2026〕1号"
    )
    assert filing.filed_by == user("perf")
    with pytest.raises(ValidationError, match="不能重复"):
        report_actions.record_filing(user("perf"), evaluation, FilingTo.GOVERNMENT)
    rows = report_actions.filing_rows(evaluation)
    assert [(r["to"], r["due"], bool(r["filing"])) for r in rows] == [(FilingTo.GOVERNMENT, True, True)]
    with pytest.raises(ValidationError, match="晚于今天"):
        report_actions.record_filing(
            user("perf"), evaluation, FilingTo.PEOPLES_CONGRESS, filed_on=datetime.date(2999, 1, 1)
        )


def test_conclusion_needs_the_approved_report_and_the_settled_letter():
    """seed 003 附件6 and 第四十条: the final report after the unit's feedback (or no reply by the date)."""
    evaluation = make_evaluation()
    with_report(evaluation)
    letter = send_letter(evaluation)
    approve(evaluation)
    evaluation.refresh_from_db()
    with pytest.raises(ValidationError, match="反馈"):
        report_actions.conclude(user("perf"), evaluation, evaluation.version)
    letters.reply(user("edu_reviewer"), letter, objection=False, sections={})
    with pytest.raises(PermissionDenied):
        report_actions.conclude(user("leader"), evaluation, evaluation.version)
    evaluation = report_actions.conclude(user("perf"), evaluation, evaluation.version)
    assert evaluation.status == KeyStatus.CONCLUDED

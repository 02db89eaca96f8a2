"""The evaluation report of a key evaluation (seed 003 第四十条, 附件5), its problems found and its filings (seed 004
三(七)): one action per change, each one transaction that checks who may act, changes the record and writes the
audit row. Pages (keyevals/views_report.py), the API (keyevals/api_report.py) and the demo call these.

* The report is created once the scoring is closed (评价进入“报告”阶段) by its preparer: the commissioned agency, or
  else the organising office's working group (the chain's step 0, keyevals/migrations/0002). Its sections are saved
  through ``workflow.actions.save_edit`` (draft or returned only), submitted and approved through the review chain.
* The Word draft (keyevals/report_docx.py) is generated from the data; the preparer may upload an edited Word
  (``edited_file``), which is from then on the report of record. After approval the organising office may still
  upload the signed final version (the only field of an approved report that may change, keyevals/apps.py).
* Problems are structured items (category, description, suggestion, responsible organisation — the evaluated
  organisation or one of its units —, related indicator, amount): they feed the Word's 评价发现的问题 and are the
  items results use (rectification, seed 003 第四十五条) will take over.
* Approved reports of major subjects, or where the contract says so, are filed with the government, the party
  committee and the People's Congress (ReportFiling).
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.urls import reverse

from accounts.roles import Role
from audit import trail
from audit.models import AuditAction
from core import clock, files, services
from core.templatetags.jixiao import yuan
from keyevals import lifecycle as keyeval_lifecycle
from keyevals.lifecycle import ORGANISER_ROLES
from keyevals.models import (
    EvaluationReport,
    FilingTo,
    KeyEvaluation,
    KeyStatus,
    PlanIndicator,
    Problem,
    ProblemCategory,
    ReportFiling,
)
from organisations.models import Organisation
from workflow import actions as review
from workflow import guards
from workflow.models import ReviewStatus

SECTIONS = ("summary", "basic_facts", "work_done", "analysis", "conclusion", "suggestions", "annexes")
EDITED_EXTENSIONS = ("docx", "doc", "wps", "pdf", "ofd")
NOT_REPORTING = "评价结束评分、进入“报告”阶段后才能撰写评价报告"
NOT_PREPARER = "只有评价报告的撰写人（受托第三方机构，或组织单位的评价工作组）可以撰写报告"
NOT_EDITABLE = "评价报告已提交审核或已审核通过，不能再修改；被退回后可修改"
NOT_ORGANISER = "只有组织本次评价的单位可以办理"


def _report_url(report) -> str:
    return reverse("keyevals:report", args=[report.evaluation_id])


# keyevals/models.py is fixed for issue 14 and gives the report no page of its own: the 待办 (workflow/todo.py) and
# the review pages link to the report page of its evaluation.
EvaluationReport.get_absolute_url = _report_url


def _refuse(obj, user, message: str) -> PermissionDenied:
    trail.record(AuditAction.PERMISSION_DENIED, obj, actor=user, reason=message)
    return PermissionDenied(message)


def is_organiser(user, evaluation) -> bool:
    return guards.holds_role_over(user, evaluation, ORGANISER_ROLES)


def is_agency(user, evaluation) -> bool:
    return bool(evaluation.agency_id) and guards.holds_role_over(user, evaluation, {Role.AGENCY})


def report_of(evaluation) -> EvaluationReport | None:
    return EvaluationReport.objects.filter(evaluation=evaluation).select_related("chain").first()


def may_prepare(user, evaluation) -> bool:
    """The preparer of the report: the commissioned agency, else the organising office."""
    return is_agency(user, evaluation) if evaluation.agency_id else is_organiser(user, evaluation)


# ---------------------------------------------------------------------------------------------- the report


def initial_sections(evaluation) -> dict:
    """What a new report starts with: the facts the system knows (the preparer rewrites them)."""
    subjects = "、".join(s.name for s in evaluation.subjects.all()) or evaluation.title
    facts = (
        f"本次评价对象为{subjects}，被评价单位为{evaluation.evaluated.name}，涉及资金 {yuan(evaluation.object_amount)} 元"
        f"（{evaluation.year}年度）。"
    )
    conclusion = ""
    if evaluation.total_score is not None:
        conclusion = f"经评价，综合得分 {evaluation.total_score} 分，评价等级为“{evaluation.grade}”。"
    return {"basic_facts": facts, "conclusion": conclusion}


def create_report(user, evaluation: KeyEvaluation) -> EvaluationReport:
    """The report of ``evaluation`` (one per evaluation), at the chain's first step, with the known facts."""
    if not may_prepare(user, evaluation):
        raise _refuse(evaluation, user, NOT_PREPARER)
    if evaluation.status != KeyStatus.REPORTING:
        raise ValidationError(NOT_REPORTING)
    if EvaluationReport.objects.filter(evaluation=evaluation).exists():
        raise ValidationError("本次评价已有评价报告")
    report = EvaluationReport(evaluation=evaluation, **initial_sections(evaluation))
    try:
        with transaction.atomic():
            services.create_record(report, reason="撰写评价报告")
    except IntegrityError:
        raise ValidationError("本次评价已有评价报告") from None
    return report


def save_sections(user, report: EvaluationReport, version: int, data: dict) -> EvaluationReport:
    """Save the sections (only those of ``SECTIONS``) of a draft or returned report; optimistic version."""
    if report.evaluation.status != KeyStatus.REPORTING:
        raise ValidationError(NOT_REPORTING)
    values = {k: (v or "").strip() for k, v in data.items() if k in SECTIONS}
    try:
        report, _ = review.save_edit(report, user, version, data=values, reason="修改评价报告")
    except PermissionDenied as exc:
        raise _refuse(report, user, NOT_EDITABLE if guards.can_act(user, report) else str(exc)) from None
    return report


def transition(user, report: EvaluationReport, action: str, version: int, opinion: str = "", target_step=None):
    """Submit, approve or return the report through its chain (workflow.actions)."""
    if report.evaluation.status != KeyStatus.REPORTING:
        raise ValidationError("评价已不在“报告”阶段，报告不能再流转")
    if action == "submit" and not Problem.objects.filter(evaluation_id=report.evaluation_id).exists():
        raise ValidationError("请先列出评价发现的问题（至少一条）再提交报告；确无问题的，写明“未发现明显问题”")
    return review.perform(action, report, user, version, opinion, target_step)


def may_upload_edited(user, report) -> bool:
    if report.evaluation.status == KeyStatus.ARCHIVED:
        return False
    if guards.can_edit(user, report):
        return True
    return report.status == ReviewStatus.APPROVED and is_organiser(user, report.evaluation)


def upload_edited(user, report: EvaluationReport, upload) -> EvaluationReport:
    """The Word the preparer edited (or, after approval, the organising office's signed final version): from now on
    the report of record. Checked like every upload (size, content matching the extension); audited."""
    if not may_upload_edited(user, report):
        raise _refuse(report, user, "只有报告撰写人在报告退回或未提交时、或组织单位在报告审核通过后，可以上传报告文件")
    if upload is None:
        raise ValidationError({"edited_file": "请选择修改后的报告文件"})
    if files.extension_of(upload.name) not in EDITED_EXTENSIONS:
        raise ValidationError({"edited_file": f"只能上传 {files.allowed_label(EDITED_EXTENSIONS)} 文件"})
    files.validate_upload_size(upload)
    files.validate_upload_content(upload, EDITED_EXTENSIONS)
    with transaction.atomic():
        fresh = EvaluationReport.objects.select_for_update().get(pk=report.pk)
        before = files.filename_of(fresh.edited_file) or None
        fresh.edited_file.save(upload.name, upload, save=False)
        EvaluationReport.objects.filter(pk=fresh.pk).update(edited_file=fresh.edited_file.name, updated_at=clock.now())
        trail.record(
            AuditAction.UPDATE,
            fresh,
            changes={"修改后的报告（Word）": [before, files.filename_of(fresh.edited_file)]},
            actor=user,
            reason="上传修改后的评价报告",
        )
    report.refresh_from_db()
    return report


def current_document(report) -> str:
    """Which document is the report of record: "edited" (the uploaded Word) or "generated" (from the data)."""
    return "edited" if report is not None and report.edited_file else "generated"


# ---------------------------------------------------------------------------------------------- problems


def responsible_choices(evaluation):
    """The organisations a problem may be laid at: the evaluated organisation and the units below it."""
    return Organisation.objects.filter(path__startswith=evaluation.evaluated.path).order_by("path")


def indicator_choices(evaluation):
    return PlanIndicator.objects.filter(evaluation=evaluation).order_by("order", "pk")


def _editable_report(user, evaluation) -> EvaluationReport:
    report = report_of(evaluation)
    if report is None:
        raise ValidationError("请先撰写评价报告，再列出评价发现的问题")
    if not guards.can_edit(user, report):
        if not may_prepare(user, evaluation):
            raise _refuse(evaluation, user, NOT_PREPARER)
        raise ValidationError(NOT_EDITABLE)
    return report


def _problem_values(evaluation, data: dict) -> dict:
    """Clean the fields of a problem, each message naming the field."""
    errors = {}
    category = (data.get("category") or "").strip()
    if category not in ProblemCategory.values:
        errors["category"] = "请选择问题类别"
    description = (data.get("description") or "").strip()
    if not description:
        errors["description"] = "请填写问题描述"
    responsible = data.get("responsible")
    if isinstance(responsible, Organisation):
        responsible = responsible.pk
    found = None
    if responsible not in (None, ""):
        try:
            found = responsible_choices(evaluation).filter(pk=int(responsible)).first()
        except (TypeError, ValueError):
            found = None
    if found is None:
        errors["responsible"] = f"责任单位须为被评价单位（{evaluation.evaluated.name}）或其所属单位"
    indicator = data.get("indicator")
    if isinstance(indicator, PlanIndicator):
        indicator = indicator.pk
    indicator_row = None
    if indicator not in (None, ""):
        try:
            indicator_row = indicator_choices(evaluation).filter(pk=int(indicator)).first()
        except (TypeError, ValueError):
            indicator_row = None
        if indicator_row is None:
            errors["indicator"] = "相关指标须为本次评价工作方案中的指标"
    amount = data.get("amount")
    if amount in (None, ""):
        amount = None
    else:
        try:
            amount = Decimal(str(amount).replace(",", "").strip())
            if not amount.is_finite() or amount < 0 or amount >= Decimal("1e12"):
                raise InvalidOperation
            amount = amount.quantize(Decimal("0.01"))
        except (InvalidOperation, ValueError):
            errors["amount"] = "涉及金额须为不小于 0 的数字（元，最多两位小数）"
    if errors:
        raise ValidationError(errors)
    return {
        "category": category,
        "description": description,
        "suggestion": (data.get("suggestion") or "").strip(),
        "responsible": found,
        "indicator": indicator_row,
        "amount": amount,
    }


def add_problem(user, evaluation, data: dict) -> Problem:
    _editable_report(user, evaluation)
    values = _problem_values(evaluation, data)
    with transaction.atomic():
        KeyEvaluation.objects.select_for_update().filter(pk=evaluation.pk).first()  # one numbering at a time
        last = Problem.objects.filter(evaluation=evaluation).aggregate(n=Max("order"))["n"] or 0
        problem = Problem(evaluation=evaluation, order=last + 1, **values)
        services.create_record(problem, reason="列出评价发现的问题")
    return problem


def update_problem(user, problem: Problem, data: dict) -> Problem:
    evaluation = problem.evaluation
    _editable_report(user, evaluation)
    merged = {
        "category": problem.category,
        "description": problem.description,
        "suggestion": problem.suggestion,
        "responsible": problem.responsible_id,
        "indicator": problem.indicator_id,
        "amount": problem.amount,
        **data,
    }
    values = _problem_values(evaluation, merged)
    problem, _ = services.update_record(problem, values, reason="修改评价发现的问题")
    return problem


def delete_problem(user, problem: Problem) -> None:
    _editable_report(user, problem.evaluation)
    services.delete_record(problem, reason="删除评价发现的问题")


def problems_of(evaluation):
    return Problem.objects.filter(evaluation=evaluation).select_related("responsible", "indicator").order_by("order")


# ---------------------------------------------------------------------------------------------- filings


def filings_due(evaluation) -> list[str]:
    """Where the approved report is to be filed (seed 004 三(七)): a major subject's report with the government; the
    contract adds the party committee and the People's Congress (and the government) where it says so."""
    due = []
    contract = evaluation.contract if evaluation.contract_id else None
    if evaluation.major or (contract and contract.file_with_government):
        due.append(FilingTo.GOVERNMENT)
    if contract and contract.file_with_party_committee:
        due.append(FilingTo.PARTY_COMMITTEE)
    if contract and contract.file_with_peoples_congress:
        due.append(FilingTo.PEOPLES_CONGRESS)
    return due


def filing_rows(evaluation) -> list[dict]:
    """Each place the report goes to: due (by the rules above), done (a filing recorded) or both."""
    done = {f.filed_with: f for f in ReportFiling.objects.filter(evaluation=evaluation).select_related("filed_by")}
    due = filings_due(evaluation)
    rows = []
    for value, label in FilingTo.choices:
        if value in due or value in done:
            rows.append({"to": value, "label": label, "due": value in due, "filing": done.get(value)})
    return rows


def record_filing(user, evaluation, filed_with: str, filed_on=None, document_number: str = "") -> ReportFiling:
    if not is_organiser(user, evaluation):
        raise _refuse(evaluation, user, NOT_ORGANISER)
    if filed_with not in FilingTo.values:
        raise ValidationError({"filed_with": "请选择报送对象（人民政府、党委或人大）"})
    if not EvaluationReport.objects.filter(evaluation=evaluation, status=ReviewStatus.APPROVED).exists():
        raise ValidationError("评价报告审核通过后才能报送")
    if ReportFiling.objects.filter(evaluation=evaluation, filed_with=filed_with).exists():
        raise ValidationError({"filed_with": f"已报送{FilingTo(filed_with).label}，不能重复登记"})
    filed_on = filed_on or clock.today()
    if filed_on > clock.today():
        raise ValidationError({"filed_on": "报送日期不能晚于今天"})
    filing = ReportFiling(
        evaluation=evaluation,
        filed_with=filed_with,
        filed_on=filed_on,
        document_number=(document_number or "").strip(),
        filed_by=user,
    )
    try:
        with transaction.atomic():
            services.create_record(filing, reason=f"报告报送{FilingTo(filed_with).label}")
    except IntegrityError:
        raise ValidationError({"filed_with": f"已报送{FilingTo(filed_with).label}，不能重复登记"}) from None
    return filing


# ---------------------------------------------------------------------------------------------- conclusion


def conclude(user, evaluation, version: int, reason: str = "") -> KeyEvaluation:
    """完成评价 (the lifecycle step): the report approved and the feedback letter settled (replied, or no reply by its
    date = no objection, seed 003 附件6). An overdue letter is deemed first, by the same rule as the daily task."""
    from keyevals import letters

    letters.deem_overdue(evaluation=evaluation)
    return keyeval_lifecycle.run("conclude", evaluation, user, version=version, reason=reason)


def may_conclude(user, evaluation) -> bool:
    return keyeval_lifecycle.LIFECYCLE.may(user, evaluation, "conclude")


# ---------------------------------------------------------------------------------------------- the panel


def panel(evaluation, user) -> dict:
    """The report card of the evaluation's page (templates/keyevals/_report_panel.html)."""
    from keyevals import letters

    report = report_of(evaluation)
    letter = evaluation.feedback_letters.order_by("-sent_at", "-id").first()
    started = evaluation.status in (KeyStatus.REPORTING, KeyStatus.CONCLUDED, KeyStatus.ARCHIVED)
    return {
        "evaluation": evaluation,
        "started": started,
        "report": report,
        "letter": letter,
        "letter_status": letters.status_label(letter) if letter else "",
        "problems": Problem.objects.filter(evaluation=evaluation).count() if report else 0,
        "current": current_document(report),
        "url": reverse("keyevals:report", args=[evaluation.pk]),
        "archive_url": reverse("keyevals:archive", args=[evaluation.pk]),
        "can_create": started
        and report is None
        and evaluation.status == KeyStatus.REPORTING
        and may_prepare(user, evaluation),
        "filings": filing_rows(evaluation) if report and report.status == ReviewStatus.APPROVED else [],
    }

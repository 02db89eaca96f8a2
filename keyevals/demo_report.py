"""The demo's report stage and archive (issue 14 §4, §5), for the two finished key evaluations of ``keyevals.demo``
once ``demo_scoring`` closed their scoring (评分 → 报告):

* 城区学生营养改善计划 (commissioned to 示范绩效评价咨询有限公司): the agency writes the report and its problems, finance
  sends the feedback letter, 教育局 replies with no objection, the agency submits and the performance section
  approves; finance concludes, files the report with the government and the People's Congress (a major subject),
  authorises the agency to export this evaluation's data, collects the archive (plus the contract scan) and archives
  it (已归档).
* 基层医疗卫生机构运行补助资金 (finance's own working group): the performance section writes the report, sends the letter,
  卫健委 does not reply, the daily task (keyevals.tasks.deem_unanswered_letters) runs with the business date after the
  reply date and deems it (逾期未反馈，视同无异议); the bureau leader approves, finance concludes and collects the archive
  (concluded, not archived).

Each step runs on a business date before the demo's today (core.clock.pinned), in the name of who takes it. Idempotent:
an evaluation not in 报告 is left alone, and each step checks whether it was already taken."""

from __future__ import annotations

import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from accounts.models import User
from audit.context import acting_as
from core import clock
from demo.seed import register
from keyevals import archive, export_auth, letters, report_actions
from keyevals.models import (
    ArchiveCategory,
    FeedbackLetter,
    FilingTo,
    KeyEvaluation,
    KeyStatus,
    LetterStatus,
    Problem,
    ProblemCategory,
    ReportFiling,
)
from keyevals.tasks import deem_unanswered_letters
from organisations.models import Organisation
from workflow.models import ReviewStatus

AGENCY_TITLE = "2025年度城区学生营养改善计划重点评价"
FINANCE_TITLE = "2025年度基层医疗卫生机构运行补助资金重点评价"
DAY = datetime.timedelta(days=1)

SECTIONS = {
    "agency": {
        "summary": "受市财政局委托，评价机构对城区学生营养改善计划2025年度资金使用和实施效果开展了重点评价。",
        "work_done": "评价工作组查阅了项目资料和财务凭证，实地走访了 6 所学校和 2 家供餐企业，"
        "发放学生及家长满意度问卷 420 份，召开专家论证会 1 次。",
        "analysis": "项目资金按计划足额到位，供餐覆盖城区全部义务教育学校，学生营养状况监测指标总体改善；"
        "但部分学校食堂管理和资金核算不够规范，供餐企业履约考核尚未常态化。",
        "suggestions": "建议主管部门完善供餐企业准入和退出机制，建立月度履约考核；学校按规定设立营养餐专账，"
        "加强食材采购和出入库管理。",
        "annexes": "1. 满意度调查结果汇总\n2. 现场勘查记录\n3. 专家论证意见",
    },
    "finance": {
        "summary": "预算绩效管理科组织评价工作组，对基层医疗卫生机构运行补助资金2025年度使用情况开展了重点评价。",
        "work_done": "评价工作组抽查了 8 个社区卫生服务中心和乡镇卫生院的账簿和业务数据，"
        "组织 5 名专家独立评分，采用去掉最高分和最低分后平均的方法汇总。",
        "analysis": "补助资金对保障基层医疗机构正常运转发挥了作用，基本公共卫生服务任务总体完成；"
        "但资金分配与服务量挂钩不够紧密，个别机构存在结余资金沉淀。",
        "suggestions": "建议完善以服务数量和质量为导向的补助分配办法，加强结余资金统筹，"
        "将绩效考核结果与下年度补助安排挂钩。",
        "annexes": "1. 专家评分汇总表\n2. 抽查机构名单",
    },
}

PROBLEMS = {
    "agency": [
        (
            ProblemCategory.MANAGEMENT,
            "部分学校营养餐食材出入库台账不完整，无法核实实际消耗量",
            "建立食材出入库台账，按月盘点",
            None,
        ),
        (
            ProblemCategory.FUNDS,
            "2 所学校营养餐资金未单独核算，与食堂其他收支混用",
            "设立营养餐专账，规范核算",
            "186000",
        ),
        (ProblemCategory.OUTPUT, "供餐企业履约考核未按合同约定每学期开展", "建立供餐企业月度履约考核和退出机制", None),
        (ProblemCategory.EFFECT, "学生对菜品口味和种类的满意度偏低（68%）", "定期征求学生和家长意见，优化食谱", None),
    ],
    "finance": [
        (
            ProblemCategory.DECISION,
            "补助资金分配以人员编制为主，与服务数量、质量挂钩不足",
            "完善因素法分配，提高服务量权重",
            None,
        ),
        (
            ProblemCategory.FUNDS,
            "3 家机构年末结余资金较大，沉淀时间超过一年",
            "统筹盘活结余资金，按规定收回",
            "1250000",
        ),
        (
            ProblemCategory.MANAGEMENT,
            "部分机构基本公共卫生服务数据与台账不一致",
            "加强信息系统数据核对，落实数据质量责任",
            None,
        ),
    ],
}


def _titles() -> dict[str, str]:
    from keyevals import demo

    return {
        "agency": getattr(demo, "DEMO_AGENCY_TITLE", AGENCY_TITLE),
        "finance": getattr(demo, "DEMO_FINANCE_TITLE", FINANCE_TITLE),
    }


def _base_day(evaluation) -> datetime.date:
    """The first day of the report stage: after the scoring deadline, with 40 days left before the demo's today."""
    base = (evaluation.scoring_due or clock.DEMO_TODAY - datetime.timedelta(days=60)) + 2 * DAY
    return min(base, clock.DEMO_TODAY - datetime.timedelta(days=40))


@register
def seed_report(seeder) -> None:
    perf = User.objects.filter(username="perf").first()
    if perf is None or perf.organisation_id is None:
        return
    for kind, title in _titles().items():
        evaluation = KeyEvaluation.objects.filter(title=title, organiser=perf.organisation).order_by("pk").first()
        if evaluation is None or evaluation.status != KeyStatus.REPORTING:
            continue
        try:
            seeder.created += (_agency if kind == "agency" else _finance)(evaluation, perf)
        except (ValidationError, PermissionDenied) as exc:
            seeder.out(f"  演示评价报告未能完成（{title}）：{'；'.join(getattr(exc, 'messages', [str(exc)]))}")


def _report(evaluation, writer, kind: str, day) -> int:
    """The report (with its sections and problems) as ``writer``; the records created."""
    created = 0
    with clock.pinned(day), acting_as(writer):
        report = report_actions.report_of(evaluation)
        if report is None:
            report = report_actions.create_report(writer, evaluation)
            created += 1
        if report.status in (ReviewStatus.DRAFT, ReviewStatus.RETURNED) and not report.summary:
            report = report_actions.save_sections(writer, report, report.version, SECTIONS[kind])
        if not Problem.objects.filter(evaluation=evaluation).exists():
            units = list(
                Organisation.objects.filter(path__startswith=evaluation.evaluated.path)
                .exclude(pk=evaluation.evaluated_id)
                .order_by("path")[:3]
            )
            indicators = list(report_actions.indicator_choices(evaluation))
            for n, (category, description, suggestion, amount) in enumerate(PROBLEMS[kind]):
                responsible = units[n % len(units)] if units and n % 2 else evaluation.evaluated
                report_actions.add_problem(
                    writer,
                    evaluation,
                    {
                        "category": category,
                        "description": description,
                        "suggestion": suggestion,
                        "responsible": responsible.pk,
                        "indicator": indicators[n % len(indicators)].pk if indicators else None,
                        "amount": amount,
                    },
                )
                created += 1
    return created


def _letter(evaluation, perf, day) -> FeedbackLetter:
    letter = FeedbackLetter.objects.filter(evaluation=evaluation).order_by("pk").first()
    if letter is None:
        with clock.pinned(day), acting_as(perf):
            letter = letters.send_letter(
                perf,
                evaluation,
                reply_due=day + datetime.timedelta(days=letters.feedback_days()),
                number=f"示财绩函〔{day.year}〕{evaluation.pk}号",
            )
    return letter


def _approve(evaluation, submitter, approver, day) -> None:
    report = report_actions.report_of(evaluation)
    if report.status in (ReviewStatus.DRAFT, ReviewStatus.RETURNED):
        with clock.pinned(day), acting_as(submitter):
            report = report_actions.transition(submitter, report, "submit", report.version, "报告初稿已完成，请审核")
    if report.status == ReviewStatus.IN_REVIEW:
        with clock.pinned(day + DAY), acting_as(approver):
            report_actions.transition(approver, report, "approve", report.version, "同意，报告定稿")


def _conclude(evaluation, perf, day) -> None:
    evaluation.refresh_from_db()
    if evaluation.status == KeyStatus.REPORTING:
        with clock.pinned(day), acting_as(perf):
            report_actions.conclude(perf, evaluation, evaluation.version, "报告已审核通过，被评价单位已反馈")
    evaluation.refresh_from_db()


def _collect(evaluation, perf, day) -> int:
    if evaluation.archive_files.exists():
        return 0
    with clock.pinned(day), acting_as(perf):
        result = archive.collect(perf, evaluation)
    return len(result.added)


def _agency(evaluation, perf) -> int:
    day = _base_day(evaluation)
    writer = User.objects.filter(username="agency").first()
    reviewer = User.objects.filter(username="edu_reviewer").first()
    if writer is None or reviewer is None:
        return 0
    created = _report(evaluation, writer, "agency", day)
    letter = _letter(evaluation, perf, day + 2 * DAY)
    created += 1
    if letter.status == LetterStatus.AWAITING:
        with clock.pinned(day + 6 * DAY), acting_as(reviewer):
            letters.reply(
                reviewer,
                letter,
                objection=False,
                sections={
                    "on_conclusion": "对评价结论无异议。",
                    "on_suggestions": "同意报告所提建议，将督促学校落实整改。",
                },
            )
    _approve(evaluation, writer, perf, day + 8 * DAY)
    _conclude(evaluation, perf, day + 12 * DAY)
    for n, to in enumerate((FilingTo.GOVERNMENT, FilingTo.PEOPLES_CONGRESS)):
        if not ReportFiling.objects.filter(evaluation=evaluation, filed_with=to).exists():
            with clock.pinned(day + (14 + n) * DAY), acting_as(perf):
                report_actions.record_filing(
                    perf, evaluation, to, day + (14 + n) * DAY, f"示财绩报〔{day.year}〕{evaluation.pk}{n + 1}号"
                )
                created += 1
    for assignment in export_auth.agency_assignments(evaluation).filter(may_export=False):
        with clock.pinned(day + 16 * DAY), acting_as(perf):
            export_auth.set_export(perf, evaluation, assignment, True, "合同终止前移交评价档案，同意导出本项目评价资料")
    created += _collect(evaluation, perf, day + 18 * DAY)
    if not evaluation.archive_files.filter(category=ArchiveCategory.CONTRACT).exists():
        with clock.pinned(day + 18 * DAY), acting_as(perf):
            archive.upload(
                perf,
                evaluation,
                category=ArchiveCategory.CONTRACT,
                title="委托评价合同（扫描件）",
                upload=SimpleUploadedFile("委托评价合同.pdf", _demo_pdf("委托评价合同"), "application/pdf"),
            )
            created += 1
    evaluation.refresh_from_db()
    if evaluation.status == KeyStatus.CONCLUDED:
        with clock.pinned(day + 20 * DAY), acting_as(perf):
            archive.finish(perf, evaluation, evaluation.version, "评价档案归集完成")
    return created


def _finance(evaluation, perf) -> int:
    day = _base_day(evaluation)
    leader = User.objects.filter(username="leader").first()
    if leader is None:
        return 0
    created = _report(evaluation, perf, "finance", day)
    letter = _letter(evaluation, perf, day + 2 * DAY)
    created += 1
    if letter.status == LetterStatus.AWAITING:
        # 卫健委 does not reply: the daily task, on the day after the reply date, deems the letter.
        with clock.pinned(letter.reply_due + DAY):
            deem_unanswered_letters.call()
    _approve(evaluation, perf, leader, letter.reply_due + 2 * DAY)
    _conclude(evaluation, perf, letter.reply_due + 5 * DAY)
    created += _collect(evaluation, perf, letter.reply_due + 7 * DAY)
    return created


def _demo_pdf(text: str) -> bytes:
    """A one-page PDF standing in for a scanned document (the demo has no real scans)."""
    body = f"BT /F1 18 Tf 72 720 Td ({text.encode('unicode_escape').decode()}) Tj ET".encode()
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length " + str(len(body)).encode() + b" >>\nstream\n" + body + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for n, obj in enumerate(objects, 1):
        offsets.append(len(out))
        out += f"{n} 0 obj\n".encode() + obj + b"\nendobj\n"
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    for offset in offsets:
        out += f"{offset:010d} 00000 n \n".encode()
    out += f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode()
    return bytes(out)

"""Demo monitoring round, tables, warnings and disposals (issue 5), through the real actions as the demo personas
(review history and audit trail are real). Runs after the execution figures' seeder (``MonitoringConfig.ready``).

A finished round of the city's key monitoring — data to 31 July, due 20 August of the demo year — over the school's
three funded subjects and three other funded subjects of the city: one table approved (the purchased service, with
its contract status), one returned by the department, one waiting for the unit head, the others never submitted
(overdue once the due date has passed). The scan raises the warnings; they end up in every state: open, disposed
with each decision, dismissed; one subject's disbursement stays suspended (the stopped one is lifted). A second run
creates nothing."""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError

from accounts.models import User
from audit.context import acting_as
from core import fiscal
from demo.seed import register

PERSONAS = ["perf", "edu_preparer", "edu_head", "edu_reviewer", "desk_edu"]
SCHOOL_SUBJECTS = ["第一中学校园安保服务", "第一中学食堂设施改造项目", "第一中学体育器材购置项目"]
OTHER_SUBJECTS = 3
ROUND_NAME = "{year}年7月重点绩效运行监控"
NOTICE = (
    "请各单位对照批复的绩效目标，填报截至 7 月 31 日的《绩效目标执行监控表》，于 8 月 20 日前经主管部门审核后报送"
    "财政业务科室。预计不能完成的指标须说明偏差原因并提出纠偏措施。"
)
# (decision, reason, amount) in the order the warnings are disposed of; the next one is dismissed.
DISPOSALS = [
    ("corrected", "单位已说明原因并加快支付，8 月支付进度明显提升", None),
    ("suspended", "支付进度严重滞后且未说明原因，暂缓拨付剩余资金，待整改到位后恢复", None),
    ("budget_adjusted", "项目实施内容调减，相应调减年度预算", Decimal("120000.00")),
    ("stopped", "项目无法继续实施，停止拨款", None),
    ("recovered", "已拨付资金闲置，收回财政统筹使用", Decimal("50000.00")),
]
DISMISS_REASON = "核实后为国库支付数据延迟入账，实际执行进度正常"


def _fill(table, user, *, not_met: bool, execution_note: bool, contract: str = "") -> None:
    from monitoring import actions

    rows = {}
    for i, row in enumerate(table.indicators.all()):
        values = {"will_be_met": True, "expected_full_year": row.annual_target}
        if row.comparator == "qualitative":
            values["qualitative_level"] = "partly" if i % 2 else "achieved"
        else:
            from targets.models import parse_number

            target = parse_number(row.annual_target) or Decimal("1")
            share = Decimal("0.45") if row.cumulative else Decimal("1")
            values["actual_to_date"] = f"{(target * share).quantize(Decimal('0.1')).normalize():f}"
        if not_met and i == 0:
            values.update(
                will_be_met=False,
                expected_full_year="0",
                deviation_reason="objective",
                deviation_explanation="受施工季节影响，部分工程推迟到明年实施",
                measures="调整实施计划，年底前完成招标，剩余工程明年一季度完工",
            )
        rows[row.pk] = values
    data = {"overall_judgement": "绩效目标总体能够按计划实现，个别指标存在偏差，已提出纠偏措施。"}
    if execution_note:
        data.update(
            execution_deviation_reason="funds",
            expected_full_year_rate=Decimal("0.95"),
            execution_measures="按合同节点加快支付，9 月底前支付进度达到 70%。",
        )
    if contract:
        data["contract_status"] = contract
    actions.save_table(table, user, table.version, data=data, rows=rows, reason="演示数据")


@register
def seed_monitoring(seeder) -> None:
    from monitoring import actions, alerts
    from monitoring.choices import RoundScope, WarningStatus
    from monitoring.models import MonitoringRound, MonitoringTable, PerformanceWarning
    from subjects.models import Subject
    from workflow import actions as workflow

    users = {u.username: u for u in User.objects.filter(username__in=PERSONAS)}
    school = seeder.index.get("city:unit:教育:0")
    if school is None or len(users) < len(PERSONAS):
        return
    year = fiscal.default_year()
    name = ROUND_NAME.format(year=year)
    if MonitoringRound.objects.filter(name=name, fiscal_year=year).exists():
        return
    perf = users["perf"]
    region = actions.round_organisation(perf).region
    mine = list(
        Subject.objects.filter(
            organisation=school, name__in=SCHOOL_SUBJECTS, stage__in=actions.MONITORED_STAGES
        ).order_by("code")
    )
    others = list(
        Subject.objects.filter(stage__in=actions.MONITORED_STAGES, organisation__region=region)
        .exclude(organisation=school)
        .order_by("code")[:OTHER_SUBJECTS]
    )
    if not mine:
        return
    try:
        with acting_as(perf):
            monitoring_round = actions.open_round(
                perf,
                name=name,
                fiscal_year=year,
                data_as_of=datetime.date(year, 7, 31),
                due_date=datetime.date(year, 8, 20),
                scope=RoundScope.KEY,
                notice=NOTICE,
                key_subjects=mine + others,
                reason="演示数据",
            )
    except (ValidationError, PermissionDenied) as exc:
        seeder.out(f"  演示监控轮次未能发起：{'；'.join(getattr(exc, 'messages', [str(exc)]))}")
        return
    seeder.created += 1 + monitoring_round.tables.count()
    tables = {
        t.subject.name: t for t in MonitoringTable.objects.filter(round=monitoring_round).select_related("subject")
    }
    preparer = users["edu_preparer"]
    plan = [(SCHOOL_SUBJECTS[0], "approved"), (SCHOOL_SUBJECTS[1], "returned"), (SCHOOL_SUBJECTS[2], "head")]
    for subject_name, until in plan:
        table = tables.get(subject_name)
        if table is None:
            continue
        try:
            with acting_as(preparer):
                _fill(
                    table,
                    preparer,
                    not_met=until != "head",
                    execution_note=until == "approved",
                    contract="服务合同已于 3 月签订，承接主体按月提供安保服务，未发现转包。"
                    if until == "approved"
                    else "",
                )
                table.refresh_from_db()
                workflow.submit(table, preparer, table.version, "请审核")
            if until == "head":
                continue
            steps = (
                [("edu_head", "approve", "同意"), ("edu_reviewer", "approve", "同意")]
                if until == "approved"
                else [("edu_head", "approve", "同意"), ("edu_reviewer", "return", "纠偏措施不够具体，请细化时间节点")]
            )
            if until == "approved":
                steps.append(("desk_edu", "approve", "审核通过"))
            for persona, action, opinion in steps:
                with acting_as(users[persona]):
                    workflow.perform(
                        action, table, users[persona], table.version, opinion, 0 if action == "return" else None
                    )
        except (ValidationError, PermissionDenied) as exc:
            seeder.out(f"  演示监控表“{subject_name}”停在当前环节：{'；'.join(getattr(exc, 'messages', [str(exc)]))}")

    with acting_as(perf):
        alerts.scan(monitoring_round, user=perf)
    warnings = list(
        PerformanceWarning.objects.filter(round=monitoring_round)
        .select_related("subject")
        .order_by("subject__code", "rule__code")
    )
    seeder.created += len(warnings)
    school_warning = next((w for w in warnings if w.subject.organisation_id == school.pk), None)
    if school_warning is not None:
        with acting_as(preparer):
            actions.reply(school_warning, preparer, "已督促承接主体按合同节点提交结算资料，8 月底前完成支付。")
    # The school's warning first (its reply precedes "corrected"), then round-robin over the subjects.
    order = ([school_warning] if school_warning else []) + [w for w in warnings if w is not school_warning]
    by_subject: dict[int, list] = {}
    for w in order:
        by_subject.setdefault(w.subject_id, []).append(w)
    queue = [
        ws[depth]
        for depth in range(max(map(len, by_subject.values()), default=0))
        for ws in by_subject.values()
        if depth < len(ws)
    ]
    for warning, (decision, reason, amount) in zip(queue, DISPOSALS, strict=False):
        with acting_as(perf):
            disposal = actions.dispose(warning, perf, decision, reason, amount)
            if decision == "stopped":
                hold = actions.active_holds(warning.subject).filter(disposal=disposal).first()
                if hold is not None:
                    actions.lift_hold(hold, perf, "单位补充实施方案并经财政审核，恢复拨款")
    remaining = [w for w in queue[len(DISPOSALS) :] if w.status == WarningStatus.OPEN]
    if remaining:
        with acting_as(perf):
            actions.dismiss(remaining[0], perf, DISMISS_REASON)
    with acting_as(perf):
        actions.close_round(monitoring_round, perf, "本轮监控结束")

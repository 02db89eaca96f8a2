"""The demo's department monitoring (issue 12 §1; docs/decisions/0035, 0037), through the real actions as 示范市教育局's
reviewer (edu_reviewer), so the guides can point to it:

* a department round (seed 001 第十七条 主管部门重点选择……项目开展绩效运行监控) over two of 第一中学's subjects, data to
  31 August, due 25 September of the demo year (open on the demo date): the security service's table filled,
  submitted and approved by the unit head, waiting for the department's review; the canteen's still with the unit;
* a department hold (seed 000 第二十一条 主管部门……可暂缓或停止预算拨款): 暂缓拨款 of 示范市第三中学信息化建设, waiting in
  the treasury's 待办.

A second run creates nothing. Runs after the finance round's seeder (``monitoring.demo``)."""

from __future__ import annotations

import datetime

from django.core.exceptions import PermissionDenied, ValidationError

from accounts.models import User
from audit.context import acting_as
from core import fiscal
from demo.seed import register

ROUND_NAME = "{year}年示范市教育局重点项目绩效运行监控"
ROUND_SUBJECTS = ["第一中学校园安保服务", "第一中学食堂设施改造项目"]
NOTICE = (
    "根据《区级部门单位预算绩效管理办法》第十七条，本局选取所属单位重点项目开展绩效运行监控。请填报截至 8 月 31 日的"
    "《绩效目标执行监控表》，经单位负责人审核后于 9 月 25 日前报本局审核。"
)
HOLD_SUBJECT = "示范市第三中学信息化建设"
HOLD_REASON = "监控发现设备采购合同尚未签订、资金闲置，暂缓拨付剩余资金；请学校 9 月底前完成采购并报送整改情况"


@register
def seed_department_monitoring(seeder) -> None:
    from monitoring import actions
    from monitoring.choices import RoundScope
    from monitoring.demo import _fill
    from monitoring.models import DisbursementHold, MonitoringRound
    from workflow import actions as workflow

    users = {u.username: u for u in User.objects.filter(username__in=["edu_reviewer", "edu_preparer", "edu_head"])}
    if len(users) < 3:
        return
    reviewer = users["edu_reviewer"]
    year = fiscal.default_year()
    name = ROUND_NAME.format(year=year)
    if not MonitoringRound.objects.filter(name=name, fiscal_year=year).exists():
        subjects = list(actions.key_subject_choices(reviewer).filter(name__in=ROUND_SUBJECTS))
        if subjects:
            try:
                with acting_as(reviewer):
                    monitoring_round = actions.open_round(
                        reviewer,
                        name=name,
                        fiscal_year=year,
                        data_as_of=datetime.date(year, 8, 31),
                        due_date=datetime.date(year, 9, 25),
                        scope=RoundScope.KEY,
                        notice=NOTICE,
                        key_subjects=subjects,
                        reason="演示数据",
                    )
                seeder.created += 1 + monitoring_round.tables.count()
                table = monitoring_round.tables.filter(subject__name=ROUND_SUBJECTS[0]).first()
                if table is not None:
                    preparer, head = users["edu_preparer"], users["edu_head"]
                    with acting_as(preparer):
                        _fill(table, preparer, not_met=False, execution_note=True, contract="服务合同履行正常。")
                        table.refresh_from_db()
                        workflow.submit(table, preparer, table.version, "请审核")
                    with acting_as(head):
                        table.refresh_from_db()
                        workflow.perform("approve", table, head, table.version, "同意，报主管部门审核", None)
            except (ValidationError, PermissionDenied) as exc:
                seeder.out(f"  演示部门监控轮次未完成：{'；'.join(getattr(exc, 'messages', [str(exc)]))}")
    subject = actions.hold_subject_choices(reviewer).filter(name=HOLD_SUBJECT).first()
    if subject is not None and not DisbursementHold.objects.filter(subject=subject, department__isnull=False).exists():
        try:
            with acting_as(reviewer):
                actions.hold(subject, reviewer, "suspended", HOLD_REASON)
            seeder.created += 1
        except (ValidationError, PermissionDenied) as exc:
            seeder.out(f"  演示暂缓拨款未能决定：{'；'.join(getattr(exc, 'messages', [str(exc)]))}")

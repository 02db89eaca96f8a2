"""The demo's scoring (issue 14 §3): the two finished key evaluations of ``keyevals.demo`` are scored by their working
groups and their scoring closed (评分 → 报告), so that the summary shows a trimmed mean, a disagreement flag and the
agreement measures, and the report part (``demo_report``, registered after this) finds a total and a grade.

* 基层医疗卫生机构运行补助资金 (finance's own working group): at least 5 scorers, so each indicator drops its highest
  and lowest score; one expert scores one indicator far below the others (the flag). Drawn experts without an account
  get one (password as every demo account); if the group is still short of 5 scorers, finance colleagues of the desk
  responsible for 卫健 and of the budget section join it.
* 城区学生营养改善计划 (commissioned to an agency): 3 scorers (the agency's staff, the expert, and the performance
  section if the group is short).

Scores are plausible (totals about 80–92), deterministic (a fixed random seed per evaluation) and carry a comment
wherever they are below full marks. Runs on the evaluation's scoring deadline (or the demo's business date).
Idempotent: an evaluation not in 评分 is left alone, so a second run changes nothing."""

from __future__ import annotations

import random
from decimal import Decimal

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied, ValidationError

from accounts.models import RoleAssignment, User
from accounts.roles import Role
from audit.context import acting_as
from core import clock, services
from core.models import Assignment
from demo.seed import DEMO_PASSWORD, register
from keyevals import scoring_actions
from keyevals.models import KeyEvaluation, KeyStatus, MemberRole, SheetStatus, WorkingGroupMember

FINANCE_TITLE = "2025年度基层医疗卫生机构运行补助资金重点评价"
AGENCY_TITLE = "2025年度城区学生营养改善计划重点评价"
HALF = Decimal("0.5")

# (share of the weight the group leans to, scorers wanted, random seed)
PROFILES = {
    "finance": (Decimal("0.87"), 5, 2025_14_1),
    "agency": (Decimal("0.885"), 3, 2025_14_2),
}
OFFSETS = [Decimal(x) for x in ("0", "0.03", "-0.02", "0.01", "-0.03", "0.02", "-0.01")]
COMMENTS = [
    "绩效目标细化量化不够，个别指标缺少可考核的目标值，酌情扣分",
    "资金拨付进度滞后于序时进度，部分资金到位不及时",
    "抽查凭证中有少量支出依据不充分，财务管理制度执行有待加强",
    "实际完成数量与计划基本一致，但有个别项目点未按期完成",
    "满意度问卷样本覆盖面偏窄，部分服务对象反映宣传不到位",
    "项目管理台账不完整，过程资料归档不及时",
    "长效机制尚未建立，后续运行经费保障不明确",
]
DISSENT = "现场核查发现该项工作存在明显短板，佐证材料不足以支撑较高得分"


def _titles() -> dict[str, str]:
    from keyevals import demo

    return {
        "finance": getattr(demo, "DEMO_FINANCE_TITLE", FINANCE_TITLE),
        "agency": getattr(demo, "DEMO_AGENCY_TITLE", AGENCY_TITLE),
    }


@register
def seed_scoring(seeder) -> None:
    perf = User.objects.filter(username="perf").first()
    if perf is None or perf.organisation_id is None:
        return
    for kind, title in _titles().items():
        evaluation = KeyEvaluation.objects.filter(title=title, organiser=perf.organisation).order_by("pk").first()
        if evaluation is None or evaluation.status != KeyStatus.SCORING:
            continue
        try:
            with clock.pinned(evaluation.scoring_due or clock.DEMO_TODAY):
                seeder.created += score_and_close(evaluation, perf, kind)
        except (ValidationError, PermissionDenied) as exc:
            seeder.out(f"  演示评分未能完成（{title}）：{'；'.join(getattr(exc, 'messages', [str(exc)]))}")


def score_and_close(evaluation, organiser: User, kind: str) -> int:
    """Fill and submit every draft sheet of ``evaluation`` (topping up its scorers to the profile's number first),
    then close the scoring as ``organiser``; the number of records created."""
    share, wanted, seed = PROFILES[kind]
    with acting_as(organiser):
        created = _top_up(evaluation, organiser, kind, wanted)
        scoring_actions.ensure_sheets(evaluation)
    rng = random.Random(seed)
    sheets = list(evaluation.score_sheets.select_related("scorer", "member").order_by("member__role", "member_id"))
    indicators = list(scoring_actions.plan_indicators(evaluation))
    dissenter = sheets[-1].pk if kind == "finance" and len(sheets) >= 5 else None
    for n, sheet in enumerate(sheets):
        if sheet.status == SheetStatus.SUBMITTED:
            continue
        rows = {}
        for i, indicator in enumerate(indicators):
            lean = share + OFFSETS[n % len(OFFSETS)] + Decimal(rng.randint(-5, 5)) / 100
            if sheet.pk == dissenter and i == 1:
                lean = Decimal("0.45")
            points = min(indicator.weight, (indicator.weight * lean / HALF).quantize(Decimal(1)) * HALF)
            comment = (
                "" if points >= indicator.weight else (DISSENT if lean < HALF else COMMENTS[(n + i) % len(COMMENTS)])
            )
            rows[indicator.pk] = {"points": f"{points:.2f}", "comment": comment}
        with acting_as(sheet.scorer):
            scoring_actions.submit_sheet(sheet.scorer, sheet, sheet.version, rows)
    evaluation.refresh_from_db()
    with acting_as(organiser):
        scoring_actions.close_scoring(organiser, evaluation, evaluation.version, reason="演示：评分人均已提交")
    return created + len(sheets)


# ---------------------------------------------------------------------------------------------- the scorers


def _top_up(evaluation, organiser: User, kind: str, wanted: int) -> int:
    """Accounts for the group's experts who have none; then colleagues until ``wanted`` members score."""
    created = 0
    for member in WorkingGroupMember.objects.filter(evaluation=evaluation, scores=True, user__isnull=True):
        if member.expert_id is not None:
            created += _expert_account(evaluation, member)
    scoring = WorkingGroupMember.objects.filter(evaluation=evaluation, scores=True, user__isnull=False)
    colleagues = ["desk_social", "budget"] if kind == "finance" else ["perf", "budget", "leader"]
    for username in colleagues:
        if scoring.count() >= wanted:
            break
        person = User.objects.filter(username=username).first()
        if person is None or WorkingGroupMember.objects.filter(evaluation=evaluation, user=person).exists():
            continue
        services.create_record(
            WorkingGroupMember(
                evaluation=evaluation,
                name=person.name or person.username,
                role=MemberRole.MEMBER,
                organisation_name=person.organisation.name if person.organisation_id else "",
                user=person,
                scores=True,
            ),
            reason="演示：评价工作组成员参与评分",
        )
        created += 1
    return created


def _expert_account(evaluation, member) -> int:
    """A demo account for a drawn expert (an expert scores in the system with his or her own account), assigned to
    the evaluation personally as every expert of a working group is."""
    expert = member.expert
    person = expert.user
    created = 0
    if person is None:
        username = f"expert{expert.pk}"
        person = User.objects.filter(username=username).first()
        if person is None:
            person = User(
                username=username,
                name=expert.name,
                organisation=expert.employer or evaluation.organiser,
                must_change_password=False,
                password_changed_at=clock.now(),
            )
            person.set_password(DEMO_PASSWORD)
            person.full_clean()
            person.save()
            RoleAssignment.objects.create(user=person, role=Role.EXPERT, organisation=person.organisation)
            created += 1
        type(expert).objects.filter(pk=expert.pk).update(user=person)
    if WorkingGroupMember.objects.filter(evaluation=evaluation, user=person).exists():
        return created  # the expert's account is already in the group (as another member row)
    services.update_record(member, {"user": person}, reason="演示：为抽取的专家开通评分账号")
    content_type = ContentType.objects.get_for_model(KeyEvaluation)
    if not Assignment.objects.filter(content_type=content_type, object_id=evaluation.pk, user=person).exists():
        services.create_record(
            Assignment(content_type=content_type, object_id=evaluation.pk, user=person), reason="演示：专家参与评价"
        )
        created += 1
    return created

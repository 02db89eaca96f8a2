"""Opening a self-evaluation round: every form on the list, prefilled, in set-based SQL (issue 13 "Scale").

``create_forms(round)`` inserts the missing forms with one ``INSERT … SELECT`` per chunk of subjects and their indicator
rows with a second, then moves the round's progress counter; re-running it creates nothing twice (each insert skips
what exists, and the unique constraint ``self_evaluation_unique`` holds when two runs overlap). ``open_forms`` is the
background task (django-tasks) the round page starts and can start again after a killed worker.

Prefill (never typed by the unit):
* 全年预算数 — the matched budget allocations (指标下达) of the subject and year issued by 31 December, else the amount
  finance arranged; 全年执行数 — the matched treasury payments of the year paid by 31 December. The same definitions as
  the monitoring figures (monitoring/figures.py), so the year-end light and the self-evaluation agree.
* 预算执行率 and 预算执行率得分 — computed in SQL in whole fen, with the scheme's rounding rule, equal to what
  ``evaluations.scoring.score_execution`` gives (tested on a grid of values): min(paid ÷ budget, 1) × execution points;
  none when the budget is 0 (the engine then rescales the indicators to 100 points).
* The indicator rows — the annual indicators of the year's last approved target sheet revision (an indicator added by
  an adjustment during the year is scored; one the adjustment removed is not).
* The scheme — the round's national one; when the round chose the 4E scheme for purchased services
  (``purchased_service_scheme``, seed 002 六（二）), a purchased service's form with annual indicators gets that one
  instead, no execution score, and each of its rows a default 4E dimension from the target's level-1/level-2 indicator
  (``FOUR_E_DEFAULTS``), which the unit may change; the rows of other forms get none. A purchased service without
  annual indicators has nothing for 4E to score: it keeps the national scheme (budget execution alone).
"""

from __future__ import annotations

import datetime
import time

from django.db import connection, transaction
from django.utils import timezone
from django_tasks import task

from audit import trail
from audit.models import AuditAction
from evaluations import roster
from evaluations.choices import FormKind, FourE, Rounding, RoundStatus
from execution.choices import MatchStatus

# The default 4E dimension of a row by the target's level-2 indicator (else its level 1), *practice* (seed 002 六（二）
# names the dimensions, not which indicator falls in which; docs/decisions/0040-four-e-for-purchased-services.md):
# cost → 经济性; quantity and timeliness → 效率性; quality and every benefit → 有效性; satisfaction → 公平性 (the service
# reaches its users evenly and they are content). The unit changes it on the form.
FOUR_E_DEFAULTS = {
    "level2": {
        "quantity": FourE.EFFICIENCY,
        "timeliness": FourE.EFFICIENCY,
        "quality": FourE.EFFECTIVENESS,
        "output_cost": FourE.ECONOMY,
        "economic_cost": FourE.ECONOMY,
        "social_cost": FourE.ECONOMY,
        "eco_cost": FourE.ECONOMY,
        "economic_benefit": FourE.EFFECTIVENESS,
        "social_benefit": FourE.EFFECTIVENESS,
        "eco_benefit": FourE.EFFECTIVENESS,
        "sustainable": FourE.EFFECTIVENESS,
        "service_satisfaction": FourE.EQUITY,
    },
    "level1": {
        "output": FourE.EFFICIENCY,
        "cost": FourE.ECONOMY,
        "effect": FourE.EFFECTIVENESS,
        "satisfaction": FourE.EQUITY,
    },
}
RATE_CAP_BP = 999999999  # 99,999.9999 (the field's largest): a rate above it is shown capped
CHUNK = 2000  # subjects per statement pair; the round's progress moves after each


def _tables() -> dict[str, str]:
    from evaluations.models import SelfEvaluation, SelfEvaluationIndicator
    from execution.models import BudgetAllocation, Payment
    from subjects.models import Subject, SubjectYearAmount
    from targets.models import TargetIndicator, TargetSheet

    return {
        "form": SelfEvaluation._meta.db_table,
        "row": SelfEvaluationIndicator._meta.db_table,
        "subject": Subject._meta.db_table,
        "amount": SubjectYearAmount._meta.db_table,
        "allocation": BudgetAllocation._meta.db_table,
        "payment": Payment._meta.db_table,
        "sheet": TargetSheet._meta.db_table,
        "indicator": TargetIndicator._meta.db_table,
    }


def _rounded_div(numerator: str, denominator: str, rounding: str) -> str:
    """SQL for numerator ÷ denominator rounded to a whole number by ``rounding``; both non-negative integers, the
    denominator not zero."""
    n, d = numerator, denominator
    if rounding == Rounding.DOWN:
        return f"({n} / {d})"
    if rounding == Rounding.HALF_EVEN:
        q, r = f"({n} / {d})", f"({n} - ({n} / {d}) * {d})"
        return f"(CASE WHEN 2 * {r} > {d} THEN {q} + 1 WHEN 2 * {r} = {d} THEN {q} + ({q} %% 2) ELSE {q} END)"
    return f"((2 * {n} + {d}) / (2 * {d}))"  # ROUND_HALF_UP


def _score_sql(rounding: str) -> str:
    """The execution score in cents from ``avail_fen``, ``paid_fen`` and the points in cents ``pts``."""
    share = _rounded_div("paid_fen * pts", "avail_fen", rounding)
    return f"CASE WHEN avail_fen <= 0 OR paid_fen < 0 THEN NULL WHEN paid_fen >= avail_fen THEN pts ELSE {share} END"


def forms_select(evaluation_round, lo: int, hi: int, *, towns: bool = False) -> tuple[str, list]:
    """(SELECT, params) of the missing forms of the listed subjects with ids in [lo, hi]; ``towns``: instead, the
    missing town forms of the round's integrated agricultural funds (转移支付办法 第二十八条), one per 区域绩效目标,
    budget its allocated amount, paid the fund's payments by payers in that town."""
    from evaluations.models import SelfEvaluation
    from workflow.chains import resolve_chain

    t = _tables()
    year = evaluation_round.fiscal_year
    year_end = datetime.date(year, 12, 31)
    scheme = evaluation_round.scheme
    chain = resolve_chain(SelfEvaluation(round=evaluation_round), evaluation_round.organisation)
    first = chain.step(0) if chain is not None else None
    role = first.role if first is not None else "unit_preparer"
    listed_sql, listed_params = roster.listed(evaluation_round).values("pk").query.sql_with_params()
    counted = ", ".join(f"'{s}'" for s in (MatchStatus.MATCHED, MatchStatus.MANUAL))  # fixed vocabulary
    kind_case = " ".join(f"WHEN '{k}' THEN '{v}'" for k, v in roster.FORM_KIND.items())
    pts = int(scheme.execution_points * 100)
    due = timezone.make_aware(datetime.datetime.combine(evaluation_round.due_date, datetime.time(23, 59, 59)))
    now = timezone.now()
    fence = " OFFSET 0" if connection.vendor == "postgresql" else " LIMIT -1 OFFSET 0"
    base = (
        f"SELECT s.id AS subject_id, s.organisation_id, s.department_id, s.kind AS subject_kind,"
        f" s.start_year, s.end_year,"
        f" CAST(ROUND(COALESCE(al.total, ya.arranged_amount, 0) * 100) AS BIGINT) AS avail_fen,"
        f" CAST(ROUND(COALESCE(pa.total, 0) * 100) AS BIGINT) AS paid_fen, CAST(%s AS BIGINT) AS pts,"
        f" (SELECT ts.id FROM {t['sheet']} ts WHERE ts.subject_id = s.id AND ts.fiscal_year = %s"
        f"  AND ts.status = 'approved' ORDER BY ts.revision DESC LIMIT 1) AS sheet_id"
        f" FROM {t['subject']} s"
        f" LEFT JOIN {t['amount']} ya ON ya.subject_id = s.id AND ya.fiscal_year = %s"
        f" LEFT JOIN (SELECT subject_id, SUM(amount) AS total FROM {t['allocation']}"
        f"  WHERE fiscal_year = %s AND issued_on <= %s AND match_status IN ({counted}) AND subject_id IS NOT NULL"
        f"  AND subject_id BETWEEN %s AND %s GROUP BY subject_id) al ON al.subject_id = s.id"
        f" LEFT JOIN (SELECT subject_id, SUM(amount) AS total FROM {t['payment']}"
        f"  WHERE fiscal_year = %s AND paid_on <= %s AND match_status IN ({counted}) AND subject_id IS NOT NULL"
        f"  AND subject_id BETWEEN %s AND %s GROUP BY subject_id) pa ON pa.subject_id = s.id"
        f" WHERE s.id BETWEEN %s AND %s AND s.id IN ({listed_sql})"
        f" AND NOT EXISTS (SELECT 1 FROM {t['form']} e WHERE e.round_id = %s AND e.subject_id = s.id"
        f" AND e.town_id IS NULL)"
    )
    params = [pts, year, year, year, year_end, lo, hi, year, year_end, lo, hi, lo, hi, *listed_params]
    params.append(evaluation_round.pk)
    town = "NULL"
    if towns:
        base, params = _town_base(evaluation_round, pts, counted)
        town = "b.town_id"
    rate = _rounded_div("paid_fen * 10000", "avail_fen", Rounding.HALF_UP)
    scheme_sql, scheme_params = _scheme_sql(evaluation_round)
    execution = f"({_score_sql(scheme.rounding)}) / 100.0"
    if evaluation_round.purchased_service_scheme_id:  # 4E: budget execution shown, not scored
        execution = f"CASE WHEN {_four_e_form()} THEN NULL ELSE {execution} END"
    select = (
        f"SELECT 'draft', %s, 0, %s, %s, 1, %s, b.subject_id, b.organisation_id, b.department_id, %s,"
        f" CASE b.subject_kind {kind_case} WHEN 'town' THEN 'town' ELSE 'project' END,"
        f" CASE WHEN b.end_year > %s THEN 'stage' WHEN b.start_year < %s THEN 'full_cycle' ELSE 'annual' END,"
        f" b.sheet_id, {scheme_sql}, b.avail_fen / 100.0, b.paid_fen / 100.0,"
        f" CASE WHEN b.avail_fen <= 0 OR b.paid_fen < 0 THEN NULL"
        f" WHEN ({rate}) > {RATE_CAP_BP} THEN {RATE_CAP_BP} / 10000.0 ELSE ({rate}) / 10000.0 END,"
        f" {execution},"
        f" NULL, NULL, '', '', '', '', NULL, NULL, %s, %s, {town}"
        f" FROM ({base}{fence}) b"
    )
    head = [chain.pk if chain is not None else None, role, due, evaluation_round.pk, year, year, year, *scheme_params]
    return select, [*head, now, now, *params]


def _four_e_form() -> str:
    """SQL over the derived table ``b``: the new form is a purchased service's with annual indicators to score (a
    purchased service without them is scored as any project, on its budget execution alone, by the round's scheme).
    Fixed vocabulary, no user input."""
    t = _tables()
    kinds = ", ".join(f"'{k}'" for k, v in roster.FORM_KIND.items() if v == FormKind.PURCHASED_SERVICE)
    return (
        f"(b.subject_kind IN ({kinds}) AND EXISTS (SELECT 1 FROM {t['indicator']} fi"
        f" WHERE fi.sheet_id = b.sheet_id AND fi.horizon = 'annual'))"
    )


def _scheme_sql(evaluation_round) -> tuple[str, list]:
    """(SQL, params) of a new form's scheme: the round's, or its 4E scheme for a purchased service when it chose one."""
    four_e = evaluation_round.purchased_service_scheme_id
    if not four_e:
        return "%s", [evaluation_round.scheme_id]
    return f"CASE WHEN {_four_e_form()} THEN %s ELSE %s END", [four_e, evaluation_round.scheme_id]


def _dimension_sql(evaluation_round) -> tuple[str, list]:
    """(SQL, params) of a new row's 4E dimension: the default of ``FOUR_E_DEFAULTS`` on a form scored by the round's
    4E scheme, "" on any other."""
    four_e = evaluation_round.purchased_service_scheme_id
    if not four_e:
        return "''", []
    by_level2 = " ".join(f"WHEN '{k}' THEN '{v}'" for k, v in FOUR_E_DEFAULTS["level2"].items())
    by_level1 = " ".join(f"WHEN '{k}' THEN '{v}'" for k, v in FOUR_E_DEFAULTS["level1"].items())
    default = f"CASE ti.level2 {by_level2} ELSE CASE ti.level1 {by_level1} ELSE '' END END"
    return f"CASE WHEN e.scheme_id = %s AND e.kind = '{FormKind.PURCHASED_SERVICE}' THEN {default} ELSE '' END", [
        four_e
    ]


def _town_base(evaluation_round, pts: int, counted: str) -> tuple[str, list]:
    """The derived table of the town forms: like the per-subject one, from the regional targets."""
    from organisations.models import Organisation, Region
    from targets.models import RegionalTarget

    t = _tables()
    year = evaluation_round.fiscal_year
    targets_sql, targets_params = roster.town_targets(evaluation_round).values("pk").query.sql_with_params()
    region, org, target = Region._meta.db_table, Organisation._meta.db_table, RegionalTarget._meta.db_table
    paid = (
        f"(SELECT SUM(p.amount) FROM {t['payment']} p JOIN {org} po ON po.id = p.organisation_id"
        f" JOIN {region} pr ON pr.id = po.region_id"
        f" WHERE p.subject_id = s.id AND p.fiscal_year = %s AND p.paid_on <= %s AND p.match_status IN ({counted})"
        f" AND pr.path LIKE (SELECT tr.path FROM {region} tr WHERE tr.id = rt.region_id) || '%%')"
    )
    base = (
        f"SELECT s.id AS subject_id, s.organisation_id, s.department_id, 'town' AS subject_kind,"
        f" s.start_year, s.end_year, CAST(ROUND(COALESCE(rt.amount, 0) * 100) AS BIGINT) AS avail_fen,"
        f" CAST(ROUND(COALESCE({paid}, 0) * 100) AS BIGINT) AS paid_fen, CAST(%s AS BIGINT) AS pts,"
        f" rt.sheet_id AS sheet_id, rt.region_id AS town_id"
        f" FROM {target} rt JOIN {t['sheet']} ts ON ts.id = rt.sheet_id JOIN {t['subject']} s ON s.id = ts.subject_id"
        f" WHERE rt.id IN ({targets_sql})"
        f" AND NOT EXISTS (SELECT 1 FROM {t['form']} e WHERE e.round_id = %s AND e.subject_id = s.id"
        f" AND e.town_id = rt.region_id)"
    )
    return base, [year, datetime.date(year, 12, 31), pts, *targets_params, evaluation_round.pk]


def _columns(names: str) -> str:
    """The column list, each name quoted (``current_role`` and ``order`` are reserved words in PostgreSQL)."""
    return ", ".join(connection.ops.quote_name(n.strip()) for n in names.split(","))


FORM_COLUMNS = (
    "status, chain_id, current_step, current_role, step_due_at, version, round_id, subject_id, organisation_id,"
    " department_id, fiscal_year, kind, stage, target_sheet_id, scheme_id, budget, paid, execution_rate,"
    " execution_score, indicator_score, total_score, grade, goal_completion, problems, measures, submitted_at,"
    " approved_at, created_at, updated_at, town_id"
)
ROW_COLUMNS = (
    "evaluation_id, target_indicator_id, order, level1, level2, name, kind, target_value, unit, weight, actual,"
    " applicable, surveyed, band, share, score, explanation, deviation_reason, improvement, dimension"
)


def rows_select(evaluation_round, lo: int, hi: int) -> tuple[str, list]:
    """(SELECT, params) of the indicator rows of the round's forms (subjects in [lo, hi]) that have none yet; a town
    form's targets are the town's regional values (区域指标值) where given."""
    from targets.models import RegionalIndicatorValue, RegionalTarget

    t = _tables()
    target, value = RegionalTarget._meta.db_table, RegionalIndicatorValue._meta.db_table
    kinds = "CASE ti.comparator WHEN 'ge' THEN 'positive' WHEN 'le' THEN 'negative' WHEN 'eq' THEN 'exact' ELSE 'qualitative' END"
    dimension, dimension_params = _dimension_sql(evaluation_round)
    select = (
        f'SELECT e.id, ti.id, ti."order", ti.level1, ti.level2, ti.name, {kinds},'
        f" CASE WHEN riv.value IS NULL OR riv.value = '' THEN ti.target_value ELSE riv.value END, ti.unit,"
        f" ti.weight, '', %s, %s, '', NULL, NULL, '', '', '', {dimension}"
        f" FROM {t['form']} e JOIN {t['indicator']} ti ON ti.sheet_id = e.target_sheet_id AND ti.horizon = 'annual'"
        f" LEFT JOIN {target} rt ON e.town_id IS NOT NULL AND rt.sheet_id = e.target_sheet_id"
        f" AND rt.region_id = e.town_id"
        f" LEFT JOIN {value} riv ON riv.regional_target_id = rt.id AND riv.indicator_id = ti.id"
        f" WHERE e.round_id = %s AND e.subject_id BETWEEN %s AND %s"
        f" AND NOT EXISTS (SELECT 1 FROM {t['row']} x WHERE x.evaluation_id = e.id)"
    )
    return select, [True, True, *dimension_params, evaluation_round.pk, lo, hi]


def chunks(ids: list[int], size: int = CHUNK) -> list[tuple[int, int]]:
    return [(ids[i], ids[min(i + size, len(ids)) - 1]) for i in range(0, len(ids), size)]


def create_forms(evaluation_round) -> int:
    """Create the round's missing forms and their rows, chunk by chunk, moving the progress; the number created."""
    from evaluations.models import SelfEvaluation, SelfEvaluationRound

    t = _tables()
    ids = list(roster.listed(evaluation_round).order_by("pk").values_list("pk", flat=True))
    town_count = roster.town_targets(evaluation_round).count()
    SelfEvaluationRound.objects.filter(pk=evaluation_round.pk).update(
        forms_expected=len(ids) + town_count,
        forms_created=SelfEvaluation.objects.filter(round=evaluation_round).count(),
    )
    created = 0
    for lo, hi in chunks(ids):
        forms, form_params = forms_select(evaluation_round, lo, hi)
        rows, row_params = rows_select(evaluation_round, lo, hi)
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(f"INSERT INTO {t['form']} ({_columns(FORM_COLUMNS)}) {forms}", form_params)
            created += max(cursor.rowcount, 0)
            cursor.execute(f"INSERT INTO {t['row']} ({_columns(ROW_COLUMNS)}) {rows}", row_params)
            done = SelfEvaluation.objects.filter(round=evaluation_round).count()
            SelfEvaluationRound.objects.filter(pk=evaluation_round.pk).update(forms_created=done)
    if town_count:
        forms, form_params = forms_select(evaluation_round, 0, 0, towns=True)
        ids = list(roster.integrated(evaluation_round).values_list("pk", flat=True))
        rows, row_params = rows_select(evaluation_round, min(ids), max(ids))
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(f"INSERT INTO {t['form']} ({_columns(FORM_COLUMNS)}) {forms}", form_params)
            created += max(cursor.rowcount, 0)
            cursor.execute(f"INSERT INTO {t['row']} ({_columns(ROW_COLUMNS)}) {rows}", row_params)
            done = SelfEvaluation.objects.filter(round=evaluation_round).count()
            SelfEvaluationRound.objects.filter(pk=evaluation_round.pk).update(forms_created=done)
    return created


def finish(evaluation_round) -> int:
    """Create the forms, record who is left off, and open the round (or keep it open); one audit row."""
    from evaluations.models import SelfEvaluation, SelfEvaluationRound

    started = time.perf_counter()
    created = create_forms(evaluation_round)
    with transaction.atomic():
        left = roster.left_out(evaluation_round)
        total = SelfEvaluation.objects.filter(round=evaluation_round).count()
        status = RoundStatus.OPEN if evaluation_round.status == RoundStatus.OPENING else evaluation_round.status
        SelfEvaluationRound.objects.filter(pk=evaluation_round.pk).update(
            status=status, left_out=left, forms_created=total, failure=""
        )
        trail.record(
            AuditAction.CREATE,
            object_type="evaluations.selfevaluation",
            object_repr=f"{evaluation_round.name}：绩效自评表",
            changes={"新生成自评表": [None, created], "自评表合计": [None, total]},
            reason=f"生成绩效自评表 {created} 份，用时 {time.perf_counter() - started:.2f} 秒",
        )
    return created


@task()
def open_forms(round_id: int) -> dict:
    """``finish`` in the background, acting as the user who opened the round."""
    from audit.context import acting_as
    from evaluations.models import SelfEvaluationRound

    evaluation_round = (
        SelfEvaluationRound.objects.select_related("opened_by", "scheme", "region", "organisation")
        .filter(pk=round_id)
        .first()
    )
    if evaluation_round is None or evaluation_round.status == RoundStatus.CLOSED:
        return {"round": round_id, "skipped": True}
    try:
        with acting_as(user=evaluation_round.opened_by):
            created = finish(evaluation_round)
    except Exception as exc:  # recorded on the round, so its page says why and offers to run it again
        SelfEvaluationRound.objects.filter(pk=round_id).update(failure=f"{type(exc).__name__}: {exc}"[:1000])
        raise
    return {"round": round_id, "created": created}

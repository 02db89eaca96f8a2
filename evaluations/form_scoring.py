"""A self-evaluation form scored by the engine: the bridge between the stored rows and ``evaluations.scoring``.

The server always recomputes: the page shows a score as the unit types (``score_form`` on the posted values, nothing
saved), and every save and every submission stores what ``score_form`` gives on the stored values (``apply``).

The form's scheme decides the engine (``form.scheme.kind``):
* national (单位自评): ``scoring.score_national`` — execution 10 + indicators 90;
* 4E (a purchased service in a round that chose it, seed 002 六（二）): ``scoring.score_four_e`` over the rows grouped by
  their ``dimension`` (经济性、效率性、有效性、公平性). The target sheet's weights were set for the national sheet and do not
  add up to a dimension's points: within each dimension they are rescaled in proportion to the dimension's points
  (*practice*, docs/decisions/0040-four-e-for-purchased-services.md), to the cent, the last row taking the remainder
  so the dimension adds up exactly; each row's explanation says so. 4E has no execution part: budget, paid and the
  execution rate are shown, not scored (``FormScore.execution`` is "not applicable" and says why).

``FormScore.execution`` and ``FormScore.indicators`` read the same for both: the indicators' part of a 4E form is its
four dimensions together (out of 100); ``FormScore.dimensions`` lists the four subtotals (empty for a national form).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from evaluations import scoring
from evaluations.choices import FourE, IndicatorKind, SchemeKind, Status
from evaluations.rules import ZERO, Problem, fmt

CENT = Decimal("0.01")


@dataclass(frozen=True)
class DimensionScore:
    """One 4E dimension of a form: its subtotal (None while a problem stands) out of its points."""

    code: str
    label: str
    total: Decimal | None
    full: Decimal
    explanation: str


@dataclass(frozen=True)
class FormScore:
    evaluation: scoring.Evaluation
    rows: list  # the SelfEvaluationIndicator rows, in order, each with .result (Scored), .deviation, .scored_weight
    problems: tuple[Problem, ...]
    execution: scoring.Scored  # 4E: not applicable (budget execution is not scored), the rate still explained
    indicators: scoring.Part  # 4E: the four dimensions together, out of 100
    dimensions: tuple[DimensionScore, ...] = ()  # 4E only, in the scheme's order


def is_four_e(form) -> bool:
    """Whether ``form`` is scored by the 4E scheme (a purchased service in a round that chose it)."""
    return form.scheme.kind == SchemeKind.FOUR_E


def engine_indicator(row, values: dict | None = None) -> scoring.Indicator:
    """The engine's view of a row, with ``values`` (as typed) over the stored ones."""
    values = values or {}

    def get(name):
        return values.get(name, getattr(row, name))

    return scoring.Indicator(
        name=row.name,
        kind=row.kind,
        weight=row.weight,
        target=row.target_value if row.kind != IndicatorKind.QUALITATIVE else None,
        actual=get("actual"),
        applicable=bool(get("applicable")),
        satisfaction=row.is_satisfaction,
        surveyed=bool(get("surveyed")),
        band=get("band") or "",
        share=get("share"),
    )


def score_form(form, rows, typed: dict | None = None) -> FormScore:
    """Score ``form`` with ``rows`` (its indicator rows) and ``typed`` ({row id: {field: value}}) over them."""
    typed = typed or {}
    rules = form.scheme.rules()
    indicators = [engine_indicator(row, typed.get(row.pk)) for row in rows]
    if rules.kind == SchemeKind.FOUR_E:
        return _score_four_e(form, rows, typed, indicators, rules)
    result = scoring.score_national(form.budget, form.paid, indicators, rules)
    items = result.parts["indicators"].items
    by_position = list(items) if len(items) == len(rows) else [None] * len(rows)
    for row, ind, item in zip(rows, indicators, by_position, strict=True):
        row.result = item
        row.deviation = scoring.check_deviation(ind, rules)
        row.scored_weight = row.weight
    return FormScore(result, list(rows), result.problems, result.parts["execution"], result.parts["indicators"])


def dimension_of(row, values: dict | None = None) -> str:
    """The row's 4E dimension: as typed, else as stored ("" when none is chosen)."""
    return str((values or {}).get("dimension", row.dimension) or "")


def rescaled_weights(weights: list, points: Decimal) -> list[Decimal] | None:
    """The sheet's ``weights`` of one dimension in proportion to the dimension's ``points``, each to the cent (half
    up), the last taking the remainder so that they add up to ``points`` exactly. None when a weight is not a
    positive number (the engine then names the row)."""
    try:
        values = [scoring.number(w) for w in weights]
    except ValueError:
        return None
    if any(v is None or v <= ZERO for v in values):
        return None
    total = sum(values, ZERO)
    shares = [(v * points / total).quantize(CENT, rounding=ROUND_HALF_UP) for v in values[:-1]]
    return [*shares, points - sum(shares, ZERO)]


def _execution_shown(form) -> scoring.Scored:
    """Budget execution under 4E: shown, not scored (seed 002 六（二） scores the four dimensions only)."""
    budget, paid = Decimal(form.budget or 0), Decimal(form.paid or 0)
    if budget > ZERO:
        rate = paid / budget
        text = (
            f"执行率 {scoring.percent(rate)}（全年执行数 {scoring.yuan(paid)} ÷ 全年预算数 {scoring.yuan(budget)}）；"
        )
    else:
        rate, text = None, "全年预算数为 0，执行率无法计算；"
    text += "本表按政府购买服务 4E 方案评价，预算执行率不单独计分，只评价经济性、效率性、有效性、公平性四个维度"
    return scoring.Scored(Status.NOT_APPLICABLE, None, ZERO, text, rate=rate)


def _score_four_e(form, rows, typed: dict, indicators: list, rules) -> FormScore:
    """seed 002 六（二）: the rows grouped by dimension, the sheet's weights rescaled to each dimension's points."""
    split = rules.dimension_points()
    chosen = [dimension_of(row, typed.get(row.pk)) for row in rows]
    found = [
        Problem("dimension", f"第 {n} 项指标“{row.name}”未选择 4E 维度")
        if not code
        else Problem("dimension", f"第 {n} 项指标“{row.name}”的 4E 维度“{code}”无效")
        for n, (row, code) in enumerate(zip(rows, chosen, strict=True), start=1)
        if code not in split
    ]
    positions: dict[str, list[int]] = {code: [] for code in split}
    for n, code in enumerate(chosen):
        if code in positions:
            positions[code].append(n)
    scaled = list(indicators)
    for code, where in positions.items():
        weights = rescaled_weights([indicators[n].weight for n in where], split[code]) if where else None
        for n, weight in zip(where, weights or [], strict=False):
            scaled[n] = dataclasses.replace(indicators[n], weight=weight)
    result = scoring.score_four_e({code: [scaled[n] for n in where] for code, where in positions.items()}, rules)
    for row, ind, code in zip(rows, scaled, chosen, strict=True):
        row.result, row.scored_weight = None, ind.weight
        row.scored_dimension = FourE(code).label if code in split else ""
        row.deviation = scoring.check_deviation(ind, rules)
    dimensions = []
    for code, where in positions.items():
        label, part = FourE(code).label, result.parts.get(code)
        given = sum((scoring.number(rows[n].weight) or ZERO for n in where), ZERO)
        note = (
            f"本维度指标在绩效目标中的分值合计 {fmt(given)} 分，按比例折算为本维度 {fmt(split[code])} 分"
            if where and given != split[code]
            else ""
        )
        if part is not None and len(part.items) == len(where):
            for n, item in zip(where, part.items, strict=True):
                rows[n].result = _with_rescale(item, rows[n].weight, scaled[n].weight, label)
        explanation = "；".join(
            t for t in (part.explanation if part else f"{label}（{fmt(split[code])} 分）", note) if t
        )
        total = part.total if part is not None else None
        full = part.full if part is not None else split[code]
        dimensions.append(DimensionScore(code, label, total, full, explanation))
    problems = (*found, *result.problems)
    total = result.total if not found else None
    evaluation = scoring.Evaluation(result.parts, total, result.grade if not found else "", problems)
    subtotals = "，".join(
        f"{d.label} {scoring.score_text(d.total) if d.total is not None else '—'} / {fmt(d.full)}" for d in dimensions
    )
    indicators_part = scoring.Part(
        tuple(row.result for row in rows if row.result is not None),
        total,
        sum((d.full for d in dimensions), ZERO),
        problems,
        f"按 4E 方案分维度计分（{subtotals}）；各维度内绩效目标的分值按比例折算为该维度分值",
    )
    return FormScore(evaluation, list(rows), problems, _execution_shown(form), indicators_part, tuple(dimensions))


def _with_rescale(item, weight, scaled, label: str):
    """``item`` with the rescaling of its weight said, when the sheet's weight was rescaled."""
    if item is None or item.status == Status.NOT_APPLICABLE or scoring.number(weight) == scaled:
        return item
    note = f"（4E {label}维度：绩效目标分值 {fmt(scoring.number(weight))} 分按比例折算为 {fmt(scaled)} 分）"
    return dataclasses.replace(item, explanation=item.explanation + note)


def deviation_problems(score: FormScore, typed: dict | None = None) -> list[str]:
    """Rows that need a reason and an improvement measure (*practice*: deviation above the scheme's threshold, or
    not met) and lack one: submission is refused until each is given."""
    typed = typed or {}
    found = []
    for position, row in enumerate(score.rows, start=1):
        if not row.deviation.needs_reason:
            continue
        values = typed.get(row.pk, {})
        missing = [
            label
            for label, field in (("偏差原因", "deviation_reason"), ("改进措施", "improvement"))
            if not str(values.get(field, getattr(row, field)) or "").strip()
        ]
        if missing:
            found.append(f"第 {position} 项指标“{row.name}”{row.deviation.explanation}，尚未填写{'和'.join(missing)}")
    return found


def stored_values(score: FormScore) -> dict:
    """The form's computed fields from a score."""
    evaluation = score.evaluation
    execution = score.execution
    return {
        "execution_score": execution.score if execution.status != Status.NOT_APPLICABLE else None,
        "indicator_score": score.indicators.total,
        "total_score": evaluation.total,
        "grade": evaluation.grade,
    }

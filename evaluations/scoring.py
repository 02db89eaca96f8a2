"""The scoring engine of performance evaluation: pure functions over a scheme's ``Rules`` (no database).

Every function answers with a result object, never an exception: a number that cannot be scored comes back with a
status (``choices.Status``), a Chinese explanation the user sees, and, for input that must be corrected, the
``Problem`` naming the field. Scores are ``Decimal``; each indicator is rounded to two places once, at its end, with
the scheme's rounding rule (``Rules.rounding``); totals add the rounded indicators.

National self-evaluation (DOMAIN.md "Rules with numbers", *practice* of 财预〔2020〕10号):
    execution score   = 全年执行数 ÷ 全年预算数 × 10, at most 10
    positive (≥)      = 全年实际值 ÷ 年度指标值 × weight, at most the weight
    negative (≤)      = 年度指标值 ÷ 全年实际值 × weight, at most the weight
    exact (=)         = the weight when met, else 0
    qualitative       = the share of the weight the evaluator chooses within the band (达成 80–100 %, …)
    not applicable    = left out, the others rescaled to the scheme's indicator points
    grade             = the scheme's grade lines (优 ≥ 90, 良 ≥ 80, 中 ≥ 60, 差 < 60; seed 000 第二十八条)

Composite scheme (seed 003 附件2 第三部分): 综合评价得分 = 定量指标得分 (共性 40 + 个性 30) + 定性指标得分
(∑ 单项评议指标得分 × 权数 × 30 %) + 加分 (0, or 3–5); grades A ≥ 85, B ≥ 70, C ≥ 60, D < 60.

4E view of a purchased service (seed 002 六（二）): the indicators grouped into 经济性, 效率性, 有效性, 公平性, each
dimension worth the scheme's points (20 / 25 / 35 / 20 by default, *practice*), each indicator scored by the rules
above; a dimension none of whose indicators applies is left out and the others rescaled to 100; grades 优 ≥ 90,
良 ≥ 80, 中 ≥ 60, 差 < 60 (seed 000 第二十八条).

Every number in an explanation is printed with thousands separators (``rules.fmt``, ``yuan``, ``percent``,
``score_text``), amounts in yuan to the fen: "全年执行数 1,125,000.00 元".
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from evaluations.choices import Band, FourE, IndicatorKind, Status
from evaluations.rules import HUNDRED, ZERO, Problem, Rules, fmt

CENT = Decimal("0.01")
ONE = Decimal("1")


@dataclass(frozen=True)
class Indicator:
    """One indicator as the form holds it: values as typed (text or numbers), checked here."""

    name: str
    kind: str = IndicatorKind.POSITIVE
    weight: object = None
    target: object = None
    actual: object = None
    applicable: bool = True
    satisfaction: bool = False  # a 满意度 indicator, measured by a survey
    surveyed: bool = True
    band: str = ""  # qualitative: the band chosen
    share: object = None  # qualitative: percent of the weight chosen within the band


@dataclass(frozen=True)
class Scored:
    """The score of one item: ``score`` rounded (None when left out or not computable), out of ``full`` points."""

    status: str
    score: Decimal | None
    full: Decimal
    explanation: str
    problems: tuple[Problem, ...] = ()
    rate: Decimal | None = None  # the execution rate (a fraction), for the execution score


@dataclass(frozen=True)
class Part:
    """A group of scored items (the indicators, the common indicators…) and its total."""

    items: tuple[Scored, ...]
    total: Decimal | None
    full: Decimal
    problems: tuple[Problem, ...] = ()
    explanation: str = ""


@dataclass(frozen=True)
class Evaluation:
    """A whole evaluation: its parts, total and grade (None and "" while a problem stands)."""

    parts: dict[str, Part | Scored]
    total: Decimal | None
    grade: str
    problems: tuple[Problem, ...]


@dataclass(frozen=True)
class DeviationCheck:
    """Whether an indicator needs a reason and an improvement measure before submission."""

    needs_reason: bool
    deviation: Decimal | None  # |actual − target| ÷ |target|, None when it cannot be computed
    explanation: str


def number(value) -> Decimal | None:
    """``value`` as a Decimal; None when empty. Raises ValueError when it is not a finite number."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, float):
        value = repr(value)
    try:
        result = Decimal(str(value).strip().replace(",", ""))
    except (InvalidOperation, ValueError):
        raise ValueError(value) from None
    if not result.is_finite():
        raise ValueError(value)
    return result


def _read(value, field: str, label: str) -> tuple[Decimal | None, Problem | None]:
    try:
        return number(value), None
    except ValueError:
        return None, Problem(field, f"“{label}”必须是数字，现为“{value}”")


def _round(value: Decimal, rules: Rules) -> Decimal:
    return value.quantize(CENT, rounding=rules.rounding)


def percent(rate: Decimal) -> str:
    """A fraction as a percentage to two places: 1.125 → "112.50%", 12.5 → "1,250.00%"."""
    return f"{(rate * HUNDRED).quantize(CENT):,}%"


def yuan(amount: Decimal) -> str:
    """An amount in yuan, to the fen, with thousands separators: "1,234,567.89 元"."""
    return f"{amount:,.2f} 元"


def score_text(value: Decimal) -> str:
    """A score to two places, with thousands separators: "9.25"."""
    return f"{value:,.2f}"


# --- execution ---------------------------------------------------------------------------------------------------


def score_execution(budget, paid, rules: Rules) -> Scored:
    """The execution score: 全年执行数 ÷ 全年预算数 × execution points, at most the execution points."""
    full = rules.execution_points
    amounts = {}
    found = []
    for field, label, value in (("budget", "全年预算数", budget), ("paid", "全年执行数", paid)):
        amount, problem = _read(value, field, label)
        if problem is None and amount is not None and amount < ZERO:
            problem = Problem(field, f"“{label}”不能为负数，现为 {yuan(amount)}")
        if problem:
            found.append(problem)
        amounts[field] = amount
    if found:
        return Scored(Status.INVALID, None, full, "预算数或执行数有误，执行率未计分", tuple(found))
    budget, paid = amounts["budget"], amounts["paid"]
    if not budget:
        return Scored(
            Status.NOT_APPLICABLE,
            None,
            full,
            "该评价对象全年预算数为 0（没有安排预算），预算执行率无法计算，本项不计分，总分按其余得分折算为 100 分",
        )
    if paid is None:
        return Scored(Status.MISSING, ZERO, full, "尚未取得全年执行数（国库支付数据），预算执行率暂计 0 分", rate=None)
    rate = paid / budget
    score = _round(min(rate, ONE) * full, rules)
    if rate > ONE:
        text = (
            f"全年执行数 {yuan(paid)}超过全年预算数 {yuan(budget)}（执行率 {percent(rate)}），"
            f"执行率得分以满分 {fmt(full)} 分为限；超预算支出须说明原因"
        )
    else:
        text = (
            f"执行率 {percent(rate)}：全年执行数 {yuan(paid)} ÷ 全年预算数 {yuan(budget)} × {fmt(full)} "
            f"= {score_text(score)} 分"
        )
    return Scored(Status.SCORED, score, full, text, rate=rate)


# --- one indicator -----------------------------------------------------------------------------------------------


def _ratio(ind: Indicator, rules: Rules) -> tuple[str, Decimal | None, str, tuple[Problem, ...]]:
    """(status, the share of the weight earned 0–1, explanation, problems) of one applicable indicator."""
    if ind.kind == IndicatorKind.QUALITATIVE:
        return _qualitative(ind, rules)
    target, bad_target = _read(ind.target, "target", "年度指标值")
    actual, bad_actual = _read(ind.actual, "actual", "全年实际值")
    found = tuple(p for p in (bad_target, bad_actual) if p)
    if found:
        return Status.INVALID, None, "指标值或实际值不是数字，本指标未计分", found
    if target is None:
        problem = Problem("target", "“年度指标值”未填写，本指标无法计分")
        return Status.INVALID, None, "年度指标值未填写，本指标无法计分", (problem,)
    if actual is None:
        return Status.MISSING, ZERO, "未填写全年实际值，本指标暂计 0 分；请填写实际值，或说明未能取得的原因", ()
    if ind.kind == IndicatorKind.EXACT:
        if actual == target:
            return Status.SCORED, ONE, f"实际值 {fmt(actual)} 等于指标值，得满分", ()
        return Status.SCORED, ZERO, f"实际值 {fmt(actual)} 不等于指标值 {fmt(target)}，得 0 分", ()
    if ind.kind == IndicatorKind.NEGATIVE:
        return _negative(target, actual)
    return _positive(target, actual)


def _positive(target: Decimal, actual: Decimal):
    if target <= ZERO:
        met = actual >= target
        text = f"年度指标值为 {fmt(target)}，无法按“实际值 ÷ 指标值”计算；" + (
            "实际值不低于指标值，视为达成，得满分" if met else "实际值低于指标值，未达成，得 0 分"
        )
        return Status.SCORED, ONE if met else ZERO, text, ()
    ratio = max(min(actual / target, ONE), ZERO)
    if actual >= target:
        return Status.SCORED, ratio, f"实际值 {fmt(actual)} 不低于指标值 {fmt(target)}，得满分", ()
    return Status.SCORED, ratio, f"实际值 {fmt(actual)} ÷ 指标值 {fmt(target)} × 分值（正向指标）", ()


def _negative(target: Decimal, actual: Decimal):
    if actual <= ZERO:
        if actual <= target:
            return Status.SCORED, ONE, f"全年实际值为 {fmt(actual)}，未超过上限 {fmt(target)}，得满分", ()
        return Status.SCORED, ZERO, f"全年实际值 {fmt(actual)} 超过上限 {fmt(target)}，得 0 分", ()
    if target <= ZERO:
        text = f"年度指标值为 {fmt(target)}（不得发生），全年实际发生 {fmt(actual)}，超过上限，得 0 分"
        return Status.SCORED, ZERO, text, ()
    ratio = min(target / actual, ONE)
    if actual <= target:
        return Status.SCORED, ratio, f"实际值 {fmt(actual)} 未超过上限 {fmt(target)}，得满分", ()
    return Status.SCORED, ratio, f"指标值 {fmt(target)} ÷ 实际值 {fmt(actual)} × 分值（反向指标）", ()


def _qualitative(ind: Indicator, rules: Rules):
    if not ind.band:
        return Status.MISSING, ZERO, "尚未选择评价档次（达成、部分达成、未达成），本指标暂计 0 分", ()
    rule = rules.band(ind.band)
    if rule is None:
        problem = Problem("band", f"“评价档次”无效：{ind.band}")
        return Status.INVALID, None, "评价档次无效，本指标未计分", (problem,)
    label = Band(ind.band).label
    share, bad = _read(ind.share, "share", "得分比例")
    if bad is None and share is None:
        bad = Problem("share", f"“得分比例”未填写：“{label}”档应在 {fmt(rule.low)}%–{fmt(rule.high)}% 之间选择")
    if bad is None and not rule.low <= share <= rule.high:
        bad = Problem("share", f"“得分比例”{fmt(share)}% 不在“{label}”档的 {fmt(rule.low)}%–{fmt(rule.high)}% 之内")
    if bad:
        return Status.INVALID, None, "定性指标的得分比例有误，本指标未计分", (bad,)
    return Status.SCORED, share / HUNDRED, f"定性指标评为“{label}”，按分值的 {fmt(share)}% 计分", ()


# --- a group of indicators ---------------------------------------------------------------------------------------


def score_indicators(indicators: Sequence[Indicator], rules: Rules, points=None, weights_total=None) -> Part:
    """Score ``indicators`` out of ``points`` (default the scheme's indicator points). Their weights must add up to
    ``weights_total`` (default ``points``); indicators that do not apply are left out and the others rescaled, so
    that the applicable weights together are worth ``points``. Each indicator is rounded once, at its end."""
    points = rules.indicator_points if points is None else points
    weights_total = points if weights_total is None else weights_total
    weights, found = [], []
    for position, ind in enumerate(indicators, start=1):
        weight, problem = _read(ind.weight, "weight", f"第 {position} 项指标“{ind.name}”的分值")
        if problem is None and (weight is None or weight <= ZERO):
            problem = Problem("weight", f"第 {position} 项指标“{ind.name}”的“分值”须大于 0")
        if problem:
            found.append(problem)
        weights.append(weight or ZERO)
    if found:
        return Part((), None, points, tuple(found), "指标分值有误，未计分")
    given = sum(weights, ZERO)
    if given != weights_total:
        problem = Problem("weight", f"各项指标“分值”合计应为 {fmt(weights_total)} 分，现为 {fmt(given)} 分")
        return Part((), None, points, (problem,), "指标分值合计不符，未计分")
    outcomes = [_applicable(ind, rules) for ind in indicators]
    counted = sum((w for w, o in zip(weights, outcomes, strict=True) if o is None), ZERO)
    if not counted:
        problem = Problem("indicators", "没有适用的绩效指标，无法计算指标得分")
        return Part(tuple(o for o in outcomes if o), None, points, (problem,), problem.message)
    factor = points / counted
    items, found = [], []
    for ind, weight, outcome in zip(indicators, weights, outcomes, strict=True):
        if outcome is not None:
            items.append(outcome)
            continue
        full = weight * factor
        if ind.satisfaction and not ind.surveyed:  # the scheme says: no survey, no points
            items.append(Scored(Status.MISSING, ZERO, _round(full, rules), "未开展满意度调查，按评价方案本指标计 0 分"))
            continue
        status, ratio, text, problems = _ratio(ind, rules)
        found += problems
        score = None if ratio is None else _round(ratio * full, rules)
        if factor != ONE:
            text += f"（因有指标不适用，分值 {fmt(weight)} 按比例折算为 {score_text(full.quantize(CENT))} 分）"
        items.append(Scored(status, score, _round(full, rules), text, problems))
    if found:
        return Part(tuple(items), None, points, tuple(found), "有指标数据有误，请更正后再计分")
    total = sum((item.score for item in items if item.score is not None), ZERO)
    note = "" if factor == ONE else f"适用指标分值合计 {fmt(counted)} 分，按比例折算为 {fmt(points.quantize(CENT))} 分"
    return Part(tuple(items), total, points, (), note)


def _applicable(ind: Indicator, rules: Rules) -> Scored | None:
    """The result of an indicator that is left out or scored 0 without data; None when it is scored normally."""
    if not ind.applicable:
        return Scored(Status.NOT_APPLICABLE, None, ZERO, "本指标不适用，不计分，其余指标按比例折算")
    if ind.satisfaction and not ind.surveyed:
        if rules.no_survey_scores_zero:
            return None  # scored below as missing: 0 points
        return Scored(Status.NOT_APPLICABLE, None, ZERO, "未开展满意度调查，本满意度指标不计分，其余指标按比例折算")
    return None


# --- whole evaluations -------------------------------------------------------------------------------------------


def grade(total: Decimal, rules: Rules) -> str:
    """The grade of ``total``: the first grade line (highest first) whose minimum it reaches."""
    for line in rules.grade_lines:
        if total >= line.minimum:
            return line.label
    return rules.grade_lines[-1].label


def score_national(budget, paid, indicators: Sequence[Indicator], rules: Rules) -> Evaluation:
    """The unit self-evaluation: execution score + indicator scores, and the grade. A subject without a budget
    has no execution score: its indicators are then worth the whole 100 points."""
    execution = score_execution(budget, paid, rules)
    points = rules.indicator_points
    if execution.status == Status.NOT_APPLICABLE:
        points = rules.indicator_points + rules.execution_points
    part = score_indicators(indicators, rules, points=points, weights_total=rules.indicator_points)
    found = execution.problems + part.problems
    if found:
        return Evaluation({"execution": execution, "indicators": part}, None, "", found)
    total = (execution.score or ZERO) + part.total
    return Evaluation({"execution": execution, "indicators": part}, total, grade(total, rules), ())


def score_composite(
    common: Sequence[Indicator],
    sector: Sequence[Indicator],
    qualitative: Mapping[str, object],
    bonus,
    rules: Rules,
) -> Evaluation:
    """seed 003 附件2 第三部分: common indicators out of 40, sector indicators out of 30 (each group's weights add
    up to its points), qualitative items scored 0–100 each and weighted (× 权数 × 30 %), plus a bonus of 0 or
    3–5 points. The total may pass 100 by the bonus, as the article's formula has it."""
    common_part = _group(common, rules, rules.common_points, "common", "共性指标")
    sector_part = _group(sector, rules, rules.sector_points, "sector", "个性指标")
    qualitative_part = score_qualitative_items(qualitative, rules)
    bonus_score = score_bonus(bonus, rules)
    parts = {"common": common_part, "sector": sector_part, "qualitative": qualitative_part, "bonus": bonus_score}
    found = common_part.problems + sector_part.problems + qualitative_part.problems + bonus_score.problems
    if found:
        return Evaluation(parts, None, "", found)
    total = common_part.total + sector_part.total + qualitative_part.total + bonus_score.score
    return Evaluation(parts, total, grade(total, rules), ())


def _group(indicators: Sequence[Indicator], rules: Rules, points: Decimal, field: str, label: str) -> Part:
    part = score_indicators(indicators, rules, points=points)
    renamed = tuple(
        Problem(field, f"{label}：{p.message}") if p.field in ("weight", "indicators") else p for p in part.problems
    )
    return Part(part.items, part.total, part.full, renamed, part.explanation)


def score_qualitative_items(scores: Mapping[str, object], rules: Rules) -> Part:
    """定性指标得分 = ∑(单项评议指标得分 × 权数) × 30 % (seed 003 附件2 第三部分 二（五）), each item rounded once."""
    items, found = [], []
    for item in rules.qualitative_items:
        full = item.weight / HUNDRED * rules.qualitative_points
        value, problem = _read(scores.get(item.code), f"qualitative.{item.code}", f"{item.label}得分")
        if problem is None and value is not None and not ZERO <= value <= HUNDRED:
            problem = Problem(f"qualitative.{item.code}", f"“{item.label}得分”应在 0–100 之间，现为 {fmt(value)}")
        if problem:
            found.append(problem)
            items.append(Scored(Status.INVALID, None, full, problem.message, (problem,)))
        elif value is None:
            items.append(Scored(Status.MISSING, ZERO, full, f"“{item.label}”尚未评议，暂计 0 分"))
        else:
            score = _round(value / HUNDRED * full, rules)
            text = f"{item.label}：{fmt(value)} 分 × 权数 {fmt(item.weight)}% × {fmt(rules.qualitative_points)}%"
            items.append(Scored(Status.SCORED, score, full, text))
    if found:
        return Part(tuple(items), None, rules.qualitative_points, tuple(found), "定性指标得分有误")
    total = sum((i.score for i in items), ZERO)
    return Part(tuple(items), total, rules.qualitative_points)


def score_bonus(bonus, rules: Rules) -> Scored:
    """The bonus for evident leverage of social investment: none (0), or between the scheme's bounds (3–5)."""
    value, problem = _read(bonus, "bonus", "加分")
    if problem is None and value and not rules.bonus_min <= value <= rules.bonus_max:
        problem = Problem(
            "bonus",
            f"“加分”只能为 0（不加分）或 {fmt(rules.bonus_min)}–{fmt(rules.bonus_max)} 分，现为 {fmt(value)} 分",
        )
    if problem:
        return Scored(Status.INVALID, None, rules.bonus_max, problem.message, (problem,))
    value = value or ZERO
    text = "不加分" if not value else f"带动社会投入效果明显，加 {fmt(value)} 分"
    return Scored(Status.SCORED, _round(value, rules), rules.bonus_max, text)


# --- the 4E view of a purchased service ---------------------------------------------------------------------------


def score_four_e(dimensions: Mapping[str, Sequence[Indicator]], rules: Rules) -> Evaluation:
    """seed 002 六（二）: a purchased service's indicators grouped into 经济性, 效率性, 有效性 and 公平性
    (``dimensions``: {``FourE`` code: indicators}), each dimension out of the scheme's points for it, its indicators'
    weights adding up to those points and each indicator scored by the rules of ``score_indicators`` (indicators
    that do not apply are rescaled within their dimension). A dimension none of whose indicators applies is left
    out and the other dimensions are rescaled to 100 points; the total is graded by the scheme's grade lines."""
    split = rules.dimension_points()
    found: list[Problem] = [
        Problem("dimension", f"未知的评价维度“{code}”，应为经济性、效率性、有效性、公平性之一")
        for code in dimensions
        if code not in split
    ]
    for code, full in split.items():
        if not dimensions.get(code):
            label = FourE(code).label
            found.append(Problem(code, f"{label}：本方案该维度 {fmt(full)} 分，至少需要一项指标"))
    if found:
        return Evaluation({}, None, "", tuple(found))
    live = {code for code in split if any(_applicable(ind, rules) is None for ind in dimensions[code])}
    live_points = sum((split[code] for code in live), ZERO)
    if not live_points:
        problem = Problem("indicators", "没有适用的绩效指标，无法计算得分")
        return Evaluation({}, None, "", (problem,))
    factor = HUNDRED / live_points
    left_out = "、".join(FourE(code).label for code in split if code not in live)
    parts: dict[str, Part] = {}
    for code, full in split.items():
        label = FourE(code).label
        indicators = dimensions[code]
        if code not in live:  # its weights are still checked: the form must add up even where nothing applies
            part = score_indicators(indicators, rules, points=full)
            renamed = _in_dimension(code, [p for p in part.problems if p.field != "indicators"])
            items = tuple(_applicable(ind, rules) for ind in indicators)
            text = f"{label}：本维度指标均不适用，不计分，其余维度按比例折算为 100 分"
            parts[code] = Part(items, None, ZERO, renamed, text)
            continue
        part = score_indicators(indicators, rules, points=full * factor, weights_total=full)
        renamed = _in_dimension(code, part.problems)
        text = f"{label}（{fmt(full)} 分）"
        if factor != ONE:
            text += (
                f"：因{left_out}维度的指标均不适用，本维度按比例折算为 {score_text((full * factor).quantize(CENT))} 分"
            )
        if part.explanation:
            text += f"；{part.explanation}"
        parts[code] = Part(part.items, part.total, _round(full * factor, rules), renamed, text)
    found = [p for part in parts.values() for p in part.problems]
    if found:
        return Evaluation(parts, None, "", tuple(found))
    total = sum((part.total for part in parts.values() if part.total is not None), ZERO)
    return Evaluation(parts, total, grade(total, rules), ())


def _in_dimension(code: str, problems) -> tuple[Problem, ...]:
    """A dimension's weight problems under the dimension's name and field (the code: ``economy``…)."""
    label = FourE(code).label
    return tuple(Problem(code, f"{label}：{p.message}") if p.field in ("weight", "indicators") else p for p in problems)


# --- deviation ---------------------------------------------------------------------------------------------------


def is_met(ind: Indicator) -> bool | None:
    """Whether the indicator reached its target (None when that cannot be told: a value missing or not a number)."""
    if ind.kind == IndicatorKind.QUALITATIVE:
        return None if not ind.band else ind.band == Band.ACHIEVED
    try:
        target, actual = number(ind.target), number(ind.actual)
    except ValueError:
        return None
    if target is None or actual is None:
        return None
    if ind.kind == IndicatorKind.NEGATIVE:
        return actual <= target
    if ind.kind == IndicatorKind.EXACT:
        return actual == target
    return actual >= target


def check_deviation(ind: Indicator, rules: Rules) -> DeviationCheck:
    """*practice*: an indicator not met, or whose actual deviates from its target by more than the threshold
    (20 %; exactly 20 % is not more), needs a reason and an improvement measure before submission."""
    threshold = rules.deviation_threshold
    if not ind.applicable:
        return DeviationCheck(False, None, "本指标不适用")
    met = is_met(ind)
    if ind.kind == IndicatorKind.QUALITATIVE:
        if met is None:
            return DeviationCheck(True, None, "尚未选择评价档次，须选择档次并说明情况")
        if met:
            return DeviationCheck(False, None, "定性指标已达成")
        return DeviationCheck(True, None, "定性指标未达成，须说明原因并提出改进措施")
    if met is None:
        return DeviationCheck(True, None, "缺少年度指标值或全年实际值，须说明未能取得的原因")
    target, actual = number(ind.target), number(ind.actual)
    if target == ZERO:
        if actual == ZERO:
            return DeviationCheck(False, ZERO, "实际值与指标值均为 0，无偏差")
        return DeviationCheck(
            True, None, "年度指标值为 0，偏差率无法计算；实际值与指标值不一致，须说明原因并提出改进措施"
        )
    deviation = abs(actual - target) / abs(target)
    shown = percent(deviation)
    if not met:
        return DeviationCheck(True, deviation, f"指标未完成（偏差 {shown}），须说明原因并提出改进措施")
    if deviation > threshold:
        return DeviationCheck(
            True, deviation, f"实际值与指标值偏差 {shown}，超过 {percent(threshold)}，须说明原因并提出改进措施"
        )
    return DeviationCheck(False, deviation, f"偏差 {shown}，未超过 {percent(threshold)}")

"""Aggregating a key evaluation's score sheets: pure functions over numbers (no model, no database).

Seed 003 第三十九条 has the working group score each indicator of the plan; 附件5 prints one score per indicator, their
total and the grade. How several scorers' points become that one score is left open; this module follows the
*practice* of expert review in China (专家评审 "去掉一个最高分和一个最低分"), with every number a parameter:

    per indicator   the mean of the submitted scores; with ``trim_from`` (5) or more scorers, the mean after
                    dropping ``trim_each`` (1) highest and ``trim_each`` lowest score (trimmed mean); with ties, one
                    of the tied scores is dropped, whichever — the mean is the same
    rounding        half-up to 2 places, once per indicator (``Params.rounding``)
    total           the sum of the indicator aggregates (each already rounded)
    grade           the plan framework's grade lines: the first line, highest minimum first, that the total reaches
                    (seed 000 第二十八条 优 ≥ 90 / 良 ≥ 80 / 中 ≥ 60 / 差; 附件5-2 优秀 ≥ 85 …)
    disagreement    an indicator is flagged when the range of its scores (highest − lowest) exceeds ``flag_share``
                    (30 %) of its weight
    agreement       per indicator: the share of scorers whose score lies within ``agree_band`` (10 %) of the weight
                    from the median of the scores (1 = everyone close to the middle); per scorer: the mean absolute
                    deviation of his or her scores from the indicator aggregates, as a share of each weight

Every function answers with a result object carrying a Chinese explanation, never an exception (as
``evaluations/scoring.py``, ADR 0038); input a scorer must correct comes back as a message naming the indicator.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

ZERO = Decimal("0")
CENT = Decimal("0.01")
HUNDRED = Decimal("100")

METHOD_MEAN = "mean"
METHOD_TRIMMED = "trimmed"
METHOD_NONE = "none"


@dataclass(frozen=True)
class Params:
    """The aggregation rules. Defaults are *practice* (expert review as deployed), not a quoted text."""

    trim_from: int = 5  # with this many scorers or more, drop the extremes
    trim_each: int = 1  # how many highest and how many lowest scores are dropped
    flag_share: Decimal = Decimal("0.30")  # flag when max − min exceeds this share of the weight
    agree_band: Decimal = Decimal("0.10")  # "close to the median": within this share of the weight
    rounding: str = ROUND_HALF_UP

    def problems(self) -> list[str]:
        found = []
        if self.trim_each < 0:
            found.append("去掉的最高分、最低分个数不能为负数")
        if self.trim_from < 2 * self.trim_each + 1:
            found.append(
                f"去掉最高分和最低分各 {self.trim_each} 个时，至少须有 {2 * self.trim_each + 1} 名评分人才能采用"
            )
        if not ZERO < self.flag_share <= 1:
            found.append("分歧提示线须大于 0、不超过分值的 100%")
        if not ZERO < self.agree_band <= 1:
            found.append("一致度区间须大于 0、不超过分值的 100%")
        return found

    def rule_text(self) -> str:
        """The rule in Chinese, for the page and the export."""
        return (
            f"各指标得分取已提交评分的算术平均值；评分人达到 {self.trim_from} 人时，去掉 {self.trim_each} 个最高分和 "
            f"{self.trim_each} 个最低分后再平均（专家评审的通行做法）。每项指标得分四舍五入保留两位小数，总分为各指标得分"
            f"之和。同一指标最高分与最低分之差超过该指标分值的 {fmt(self.flag_share * HUNDRED)}% 时提示评分分歧。"
        )

    def agreement_text(self) -> str:
        return (
            f"指标一致度：评分与全体评分中位数相差不超过该指标分值 {fmt(self.agree_band * HUNDRED)}% 的评分人所占比例，"
            "100% 表示所有评分人意见接近。评分人偏离度：该评分人各指标评分与指标得分（汇总值）之差的绝对值占分值比例的"
            "平均数，越小表示与评价组整体意见越接近。"
        )


DEFAULT = Params()


@dataclass(frozen=True)
class IndicatorScores:
    """One indicator and the submitted scores it received: ``scores`` maps a scorer's key to his or her points."""

    key: object
    name: str
    weight: Decimal
    scores: Mapping[object, Decimal] = field(default_factory=dict)


@dataclass(frozen=True)
class IndicatorResult:
    key: object
    name: str
    weight: Decimal
    scores: tuple[tuple[object, Decimal], ...]  # (scorer, points) in the order given
    method: str  # mean / trimmed / none
    dropped: tuple[object, ...]  # the scorers whose score was dropped (highest first, then lowest)
    aggregate: Decimal | None
    spread: Decimal | None  # highest − lowest
    flagged: bool
    agreement: Decimal | None  # share 0–1
    explanation: str

    @property
    def count(self) -> int:
        return len(self.scores)


@dataclass(frozen=True)
class ScorerResult:
    key: object
    indicators: int  # indicators he or she scored
    deviation: Decimal | None  # mean |score − aggregate| ÷ weight, share 0–1
    explanation: str


@dataclass(frozen=True)
class Aggregate:
    indicators: tuple[IndicatorResult, ...]
    scorers: tuple[ScorerResult, ...]
    total: Decimal | None
    grade: str
    scorer_count: int
    problems: tuple[str, ...]
    explanation: str

    @property
    def flagged(self) -> tuple[IndicatorResult, ...]:
        return tuple(i for i in self.indicators if i.flagged)

    @property
    def full(self) -> Decimal:
        return sum((i.weight for i in self.indicators), ZERO)


# ---------------------------------------------------------------------------------------------- numbers


def fmt(value: Decimal) -> str:
    """A number as a person writes it: thousands separators, no trailing zeros (90, 12.5, 1,250)."""
    value = Decimal(value)
    if value == value.to_integral_value():
        return f"{value.quantize(Decimal(1)):,}"
    return f"{value.normalize():,f}"


def points_text(value: Decimal) -> str:
    """Points to two places: 8.50."""
    return f"{Decimal(value):,.2f}"


def percent(share: Decimal) -> str:
    """A share as a percentage with one decimal: 0.875 → 87.5%."""
    return f"{(Decimal(share) * HUNDRED).quantize(Decimal('0.1'), rounding=ROUND_HALF_UP)}%"


def check_points(raw, weight: Decimal, name: str = "") -> tuple[Decimal | None, str]:
    """A scorer's typed points for an indicator worth ``weight``: (value, "") or (None, the Chinese problem).
    Empty is (None, ""): not scored yet. At most two decimals, between 0 and the weight."""
    label = f"“{name}”" if name else "得分"
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        return None, ""
    if isinstance(raw, bool):
        return None, f"{label}须为数字"
    if isinstance(raw, float):
        raw = repr(raw)
    try:
        value = Decimal(str(raw).strip().replace(",", ""))
    except (InvalidOperation, ValueError):
        return None, f"{label}须为数字，现为“{raw}”"
    if not value.is_finite():
        return None, f"{label}须为数字，现为“{raw}”"
    if value < ZERO:
        return None, f"{label}不能为负数，现为 {fmt(value)}"
    if value > weight:
        return None, f"{label}不能超过该指标分值 {fmt(weight)} 分，现为 {fmt(value)}"
    if value != value.quantize(CENT):
        return None, f"{label}最多保留两位小数，现为 {raw}"
    return value.quantize(CENT), ""


def comment_required(points: Decimal | None, weight: Decimal) -> bool:
    """A score below full marks needs a comment saying why (the rule of this system: the 扣分理由 that seed 003
    附件5's score table prints beside each indicator)."""
    return points is not None and points < weight


def grade(total: Decimal, grade_lines: Sequence[Mapping]) -> str:
    """The label of the first grade line (highest minimum first) whose minimum ``total`` reaches; the lowest line's
    label when none is reached; "" without lines. Lines are ``{"label": "优", "min": "90"}`` (text decimals)."""
    lines = sorted(((Decimal(str(line["min"])), str(line["label"])) for line in grade_lines), reverse=True)
    for minimum, label in lines:
        if total >= minimum:
            return label
    return lines[-1][1] if lines else ""


def grade_text(grade_lines: Sequence[Mapping]) -> str:
    """ "优 ≥ 90、良 ≥ 80、中 ≥ 60、差 < 60"."""
    lines = sorted(((Decimal(str(line["min"])), str(line["label"])) for line in grade_lines), reverse=True)
    parts = [f"{label} ≥ {fmt(minimum)}" for minimum, label in lines[:-1]]
    if lines:
        parts.append(f"{lines[-1][1]} < {fmt(lines[-2][0])}" if len(lines) > 1 else lines[-1][1])
    return "、".join(parts)


def _median(values: Sequence[Decimal]) -> Decimal:
    ordered = sorted(values)
    middle = len(ordered) // 2
    if len(ordered) % 2:
        return ordered[middle]
    return (ordered[middle - 1] + ordered[middle]) / 2


# ---------------------------------------------------------------------------------------------- one indicator


def aggregate_indicator(indicator: IndicatorScores, params: Params = DEFAULT) -> IndicatorResult:
    """The aggregate of one indicator's submitted scores, with its disagreement flag and agreement."""
    pairs = tuple((key, Decimal(points)) for key, points in indicator.scores.items())
    weight = Decimal(indicator.weight)
    if not pairs:
        return IndicatorResult(
            indicator.key, indicator.name, weight, (), METHOD_NONE, (), None, None, False, None, "尚无已提交的评分"
        )
    count = len(pairs)
    trim = params.trim_each if count >= params.trim_from and count > 2 * params.trim_each else 0
    # Stable sort: among tied scores the one given first is dropped (which one does not change the mean).
    low_first = sorted(range(count), key=lambda i: pairs[i][1])
    high_first = sorted(range(count), key=lambda i: -pairs[i][1])
    dropped_high = high_first[:trim]
    dropped_low = [i for i in low_first if i not in dropped_high][:trim]
    kept = [points for i, (_, points) in enumerate(pairs) if i not in dropped_high and i not in dropped_low]
    exact = sum(kept, ZERO) / len(kept)
    aggregate = exact.quantize(CENT, rounding=params.rounding)
    values = [points for _, points in pairs]
    spread = max(values) - min(values)
    line = weight * params.flag_share
    flagged = weight > 0 and spread > line
    median = _median(values)
    band = weight * params.agree_band
    agreement = Decimal(sum(1 for v in values if abs(v - median) <= band)) / count
    if trim:
        highs = "、".join(points_text(pairs[i][1]) for i in dropped_high)
        lows = "、".join(points_text(pairs[i][1]) for i in dropped_low)
        text = f"{count} 人评分，去掉最高分 {highs} 和最低分 {lows} 后，{len(kept)} 个评分平均为 {points_text(aggregate)} 分"
        method = METHOD_TRIMMED
    else:
        text = f"{count} 人评分，平均为 {points_text(aggregate)} 分"
        method = METHOD_MEAN
    if flagged:
        text += (
            f"；最高分与最低分相差 {points_text(spread)} 分，超过分值 {fmt(weight)} 分的 "
            f"{fmt(params.flag_share * HUNDRED)}%（{points_text(line)} 分），评分分歧较大，请评价组核实"
        )
    return IndicatorResult(
        indicator.key,
        indicator.name,
        weight,
        pairs,
        method,
        tuple(pairs[i][0] for i in dropped_high + dropped_low),
        aggregate,
        spread,
        flagged,
        agreement,
        text,
    )


# ---------------------------------------------------------------------------------------------- the whole sheet


def aggregate(
    indicators: Sequence[IndicatorScores],
    grade_lines: Sequence[Mapping] = (),
    params: Params = DEFAULT,
    scorers: Sequence[object] | None = None,
) -> Aggregate:
    """Aggregate every indicator, total and grade them, and measure each scorer's deviation. ``scorers`` (the keys
    of the submitted sheets, in display order) defaults to everyone who scored an indicator. The total and grade are
    given only when every indicator has a score."""
    problems = tuple(params.problems())
    if problems:
        return Aggregate((), (), None, "", 0, problems, "汇总规则设置有误，未汇总")
    results = tuple(aggregate_indicator(indicator, params) for indicator in indicators)
    if scorers is None:
        seen: dict = {}
        for result in results:
            for key, _ in result.scores:
                seen.setdefault(key, None)
        scorers = list(seen)
    found = []
    if not results:
        found.append("工作方案没有评价指标，无法汇总")
    missing = [r.name for r in results if r.aggregate is None]
    if missing:
        found.append("以下指标尚无已提交的评分：" + "、".join(missing))
    by_scorer = []
    for key in scorers:
        shares = [
            abs(points - result.aggregate) / result.weight
            for result in results
            if result.aggregate is not None and result.weight > 0
            for scorer, points in result.scores
            if scorer == key
        ]
        if shares:
            deviation = sum(shares, ZERO) / len(shares)
            text = f"{len(shares)} 项指标的评分与指标得分平均相差分值的 {percent(deviation)}"
        else:
            deviation, text = None, "没有已提交的评分"
        by_scorer.append(ScorerResult(key, len(shares), deviation, text))
    if found:
        return Aggregate(results, tuple(by_scorer), None, "", len(scorers), tuple(found), "；".join(found))
    total = sum((r.aggregate for r in results), ZERO)
    label = grade(total, grade_lines) if grade_lines else ""
    trimmed = sum(1 for r in results if r.method == METHOD_TRIMMED)
    text = f"{len(scorers)} 名评分人已提交评分；总分为 {len(results)} 项指标得分之和 {points_text(total)} 分"
    if label:
        text += f"，评价等级“{label}”（{grade_text(grade_lines)}）"
    if trimmed:
        text += f"；{trimmed} 项指标去掉最高分和最低分后平均"
    return Aggregate(results, tuple(by_scorer), total, label, len(scorers), (), text)

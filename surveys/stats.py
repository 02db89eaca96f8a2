"""The numbers of a satisfaction survey, as pure functions (seed 000 第二十三条 服务对象满意度; seed 003 第三十四条
公众评判法: 公众问卷及抽样调查).

* A satisfaction question's rate is the share of its answers that count as satisfied (a rating at or above
  ``satisfied_from``, or one of the ``satisfied_options`` of a single-choice question).
* The overall rate is the mean, over the respondents who answered at least one satisfaction question, of the share
  of their satisfaction answers that are satisfied; with one satisfaction question it is that question's rate.
* The margin of error at 95 % is ``1.96 · sqrt(p(1 − p) / n)``, times the finite population correction
  ``sqrt((N − n) / (N − 1))`` when the survey's population N is known. For the overall rate (a mean of shares
  between 0 and 1, whose variance is at most p(1 − p)) the same formula is an upper bound.
* Below ``MIN_SAMPLE`` answers the normal approximation is not to be trusted: the page says "样本量不足".
"""

from __future__ import annotations

import math
from dataclasses import dataclass

Z95 = 1.96
MIN_SAMPLE = 30


def margin_of_error(p: float, n: int, population: int | None = None) -> float | None:
    """The half-width of the 95 % interval of a proportion ``p`` from ``n`` answers (None when n is 0). With a known
    ``population`` N the finite population correction applies; a census (n ≥ N) has no sampling error."""
    if n <= 0:
        return None
    if not 0 <= p <= 1:
        raise ValueError("比例应在 0 与 1 之间")
    margin = Z95 * math.sqrt(p * (1 - p) / n)
    if population:
        if n >= population:
            return 0.0
        if population > 1:
            margin *= math.sqrt((population - n) / (population - 1))
    return margin


@dataclass(frozen=True)
class Estimate:
    """A satisfaction rate: ``satisfied`` of ``n`` (for the overall rate ``satisfied`` is the sum of the respondents'
    shares), with its margin of error."""

    satisfied: float
    n: int
    population: int | None = None

    @property
    def rate(self) -> float | None:
        return self.satisfied / self.n if self.n else None

    @property
    def margin(self) -> float | None:
        rate = self.rate
        if rate is None:
            return None
        return margin_of_error(rate, self.n, self.population if self.population_applies else None)

    @property
    def enough(self) -> bool:
        """Enough answers for the margin of error to mean something (n ≥ 30)."""
        return self.n >= MIN_SAMPLE

    @property
    def population_applies(self) -> bool:
        """The population is known and not smaller than the sample (a smaller one is a typing error: ignored)."""
        return bool(self.population) and self.n <= self.population

    @property
    def population_too_small(self) -> bool:
        return bool(self.population) and self.n > self.population

    def percent(self) -> str:
        rate = self.rate
        return "—" if rate is None else f"{rate * 100:.1f}%"

    def margin_percent(self) -> str:
        margin = self.margin
        return "—" if margin is None else f"±{margin * 100:.1f}%"


def is_satisfied(question, *, choices=(), rating=None) -> bool | None:
    """Does one answer count as satisfied? None when the question does not count or was not answered."""
    if not question.counts_toward_satisfaction:
        return None
    if question.kind == "rating":
        if rating is None or question.satisfied_from is None:
            return None
        return rating >= question.satisfied_from
    if question.kind == "single":
        if not choices:
            return None
        return choices[0] in set(question.satisfied_options or [])
    return None


def overall(per_respondent: dict[int, list[bool]], population: int | None = None) -> Estimate:
    """The overall rate from ``{response id: [satisfied?, …]}`` (each respondent's satisfaction answers)."""
    shares = [sum(flags) / len(flags) for flags in per_respondent.values() if flags]
    return Estimate(satisfied=sum(shares), n=len(shares), population=population)

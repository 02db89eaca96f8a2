"""Pure scoring rules of the ex-ante assessment: no database, unit-tested with worked numbers.

Each point of a template carries a weight; the assessor gives a score between 0 and that weight.
The total is the sum of the scores (the weights of a template sum to 100), and the conclusion
follows from the total and the thresholds the template version carries (configurable data,
*practice* defaults: 80 and above 予以支持, 60 and above 完善后予以支持, below 60 不予支持).
"""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal

from assessments.choices import Conclusion

HUNDRED = Decimal("100")
CENT = Decimal("0.01")


def to_decimal(value) -> Decimal | None:
    if value is None or value == "":
        return None
    return Decimal(str(value))


def total(scores: Iterable) -> Decimal:
    """The sum of the given scores (None = not scored yet, counted as 0), to the hundredth."""
    return sum((to_decimal(s) or Decimal("0") for s in scores), Decimal("0")).quantize(CENT)


def conclusion(total_score, template) -> str:
    """予以支持 at or above ``template.support_min``, 完善后予以支持 at or above ``template.improve_min``,
    else 不予支持. ``template`` is anything with those two attributes (a template version)."""
    value = to_decimal(total_score) or Decimal("0")
    if value >= to_decimal(template.support_min):
        return Conclusion.SUPPORT
    if value >= to_decimal(template.improve_min):
        return Conclusion.IMPROVE
    return Conclusion.REJECT


def weight_problems(weights: Iterable) -> list[str]:
    """Why a list of point weights is not a valid template: each positive, together exactly 100."""
    values = [to_decimal(w) for w in weights]
    problems = []
    if not values:
        problems.append("评估模板至少需要一个评估要点")
    if any(v is None or v <= 0 for v in values):
        problems.append("每个评估要点的分值必须大于 0")
    elif values and sum(values, Decimal("0")) != HUNDRED:
        problems.append(f"各评估要点分值合计应为 100，现为 {sum(values, Decimal('0')).normalize():f}")
    return problems


def threshold_problems(support_min, improve_min) -> dict[str, str]:
    support, improve = to_decimal(support_min), to_decimal(improve_min)
    errors = {}
    if support is None or not Decimal("0") < support <= HUNDRED:
        errors["support_min"] = "“予以支持”分数线应在 0（不含）至 100 之间"
    if improve is None or improve < 0:
        errors["improve_min"] = "“完善后予以支持”分数线不能为负"
    elif support is not None and improve >= support:
        errors["improve_min"] = "“完善后予以支持”分数线应低于“予以支持”分数线"
    return errors


def score_problem(score, weight) -> str:
    """'' when 0 ≤ score ≤ weight, else why not."""
    value = to_decimal(score)
    if value is None:
        return ""
    if value < 0 or value > to_decimal(weight):
        return f"得分应在 0 至 {to_decimal(weight).normalize():f} 之间"
    return ""


def subtotals(rows: Iterable[tuple[str, object, object]]) -> list[tuple[str, Decimal, Decimal]]:
    """[(dimension, weight, score)] from rows (dimension, weight, score) in order of first appearance."""
    result: dict[str, list[Decimal]] = {}
    for dimension, weight, score in rows:
        entry = result.setdefault(dimension, [Decimal("0"), Decimal("0")])
        entry[0] += to_decimal(weight) or Decimal("0")
        entry[1] += to_decimal(score) or Decimal("0")
    return [(d, w.quantize(CENT), s.quantize(CENT)) for d, (w, s) in result.items()]

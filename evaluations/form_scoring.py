"""A self-evaluation form scored by the engine: the bridge between the stored rows and ``evaluations.scoring``.

The server always recomputes: the page shows a score as the unit types (``score_form`` on the posted values, nothing
saved), and every save and every submission stores what ``score_form`` gives on the stored values (``apply``).
"""

from __future__ import annotations

from dataclasses import dataclass

from evaluations import scoring
from evaluations.choices import IndicatorKind, Status
from evaluations.rules import Problem


@dataclass(frozen=True)
class FormScore:
    evaluation: scoring.Evaluation
    rows: list  # the SelfEvaluationIndicator rows, in order, each with .result (Scored) and .deviation
    problems: tuple[Problem, ...]

    @property
    def execution(self) -> scoring.Scored:
        return self.evaluation.parts["execution"]

    @property
    def indicators(self) -> scoring.Part:
        return self.evaluation.parts["indicators"]


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
    result = scoring.score_national(form.budget, form.paid, indicators, rules)
    items = result.parts["indicators"].items
    by_position = list(items) if len(items) == len(rows) else [None] * len(rows)
    for row, ind, item in zip(rows, indicators, by_position, strict=True):
        row.result = item
        row.deviation = scoring.check_deviation(ind, rules)
    return FormScore(result, list(rows), result.problems)


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

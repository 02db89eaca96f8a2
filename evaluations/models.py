"""绩效评价 (performance evaluation, seed 000 第二十二–二十八条; seed 001 第二十、二十一条; seed 003 第二十三–二十七条).

* ``EvaluationScheme`` — the numbers a self-evaluation, a composite evaluation or a purchased service's 4E evaluation
  is scored by, as versioned data per region (core/versioning.py; docs/decisions/0038-evaluation-schemes.md). A
  version is never edited in place: a region clones one (``evaluations.actions.clone_scheme``) and publishes its
  own. ``scheme.rules()`` hands the numbers to the pure scoring functions of ``evaluations.scoring``.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models

from core.versioning import VersionedRule, Versioning
from evaluations import rules as scheme_rules
from evaluations.choices import Rounding, SchemeKind

POINTS = {"max_digits": 6, "decimal_places": 2, "validators": [MinValueValidator(Decimal("0"))]}

# The JSON fields, each with the shape it holds (decimals as text, so no float ever touches a score).
GRADE_LINES_HELP = '从高到低的等级分数线，如 [{"label": "优", "min": "90"}, …, {"label": "差", "min": "0"}]'
BANDS_HELP = '定性指标三档的得分比例（%），如 [{"band": "achieved", "low": "80", "high": "100"}, …]'
ITEMS_HELP = '综合评价定性指标及权数，如 [{"code": "efficiency", "label": "职能目标完成效率", "weight": "30"}, …]'
FOUR_E_HELP = "政府购买服务 4E 评价的维度分值，四项合计 100 分；文件未规定具体分值，默认值为实践做法，可按区划调整"


class EvaluationScheme(VersionedRule):
    """One version of an evaluation scheme for a region (empty: the default line). Each kind is its own line."""

    kind = models.CharField("评价方案类型", max_length=20, choices=SchemeKind.choices)
    name = models.CharField("方案名称", max_length=100)
    rounding = models.CharField(
        "舍入规则",
        max_length=20,
        choices=Rounding.choices,
        default=Rounding.HALF_UP,
        help_text="每项指标得分计算完毕后保留两位小数，只舍入一次",
    )
    deviation_threshold = models.DecimalField(
        "偏差阈值",
        max_digits=5,
        decimal_places=4,
        default=Decimal("0.20"),
        help_text="实际值与指标值偏差超过此比例（不含本数）或未完成的，须说明原因和改进措施",
    )
    no_survey_scores_zero = models.BooleanField(
        "未开展满意度调查计 0 分", default=False, help_text="否：该满意度指标不计分，其余指标按比例折算"
    )
    execution_points = models.DecimalField("预算执行率分值", default=Decimal("10"), **POINTS)
    indicator_points = models.DecimalField("绩效指标分值", default=Decimal("90"), **POINTS)
    output_points = models.DecimalField("产出指标分值", default=Decimal("50"), **POINTS)
    effect_points = models.DecimalField("效益指标分值", default=Decimal("30"), **POINTS)
    satisfaction_points = models.DecimalField("满意度指标分值", default=Decimal("10"), **POINTS)
    common_points = models.DecimalField("共性指标分值", default=Decimal("40"), **POINTS)
    sector_points = models.DecimalField("个性指标分值", default=Decimal("30"), **POINTS)
    qualitative_points = models.DecimalField("定性指标分值", default=Decimal("30"), **POINTS)
    bonus_min = models.DecimalField("加分下限", default=Decimal("3"), **POINTS)
    bonus_max = models.DecimalField("加分上限", default=Decimal("5"), **POINTS)
    # the 4E view of a purchased service (seed 002 六（二）); seed 002 fixes no numbers: the split is *practice*
    economy_points = models.DecimalField("经济性分值", default=Decimal("20"), help_text=FOUR_E_HELP, **POINTS)
    efficiency_points = models.DecimalField("效率性分值", default=Decimal("25"), help_text=FOUR_E_HELP, **POINTS)
    effectiveness_points = models.DecimalField("有效性分值", default=Decimal("35"), help_text=FOUR_E_HELP, **POINTS)
    equity_points = models.DecimalField("公平性分值", default=Decimal("20"), help_text=FOUR_E_HELP, **POINTS)
    grade_lines = models.JSONField("等级分数线", default=list, help_text=GRADE_LINES_HELP)
    bands = models.JSONField("定性指标档次", default=list, help_text=BANDS_HELP)
    qualitative_items = models.JSONField("定性指标权数", default=list, blank=True, help_text=ITEMS_HELP)

    versioning = Versioning(keys=("kind",))  # a line per kind and region (core/versioning.py)

    access_public_read = True
    access_org_field = None

    class Meta:
        verbose_name = "绩效评价方案"
        verbose_name_plural = "绩效评价方案"
        ordering = ["kind", "region", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["kind", "region", "version"], name="evaluation_scheme_version"),
        ]

    def __str__(self) -> str:
        return f"{self.name}（{self.region or '默认'} 第 {self.version} 版，{self.effective_from} 起）"

    def rules(self) -> scheme_rules.Rules:
        """The numbers of this version for ``evaluations.scoring``. Raises ValidationError on a malformed JSON field."""
        return scheme_rules.Rules(
            kind=self.kind,
            grade_lines=_parse(self.grade_lines, "grade_lines", _grade_line),
            rounding=self.rounding,
            bands=_parse(self.bands, "bands", _band),
            deviation_threshold=Decimal(self.deviation_threshold),
            no_survey_scores_zero=self.no_survey_scores_zero,
            execution_points=Decimal(self.execution_points),
            indicator_points=Decimal(self.indicator_points),
            output_points=Decimal(self.output_points),
            effect_points=Decimal(self.effect_points),
            satisfaction_points=Decimal(self.satisfaction_points),
            common_points=Decimal(self.common_points),
            sector_points=Decimal(self.sector_points),
            qualitative_points=Decimal(self.qualitative_points),
            qualitative_items=_parse(self.qualitative_items, "qualitative_items", _item),
            bonus_min=Decimal(self.bonus_min),
            bonus_max=Decimal(self.bonus_max),
            economy_points=Decimal(self.economy_points),
            efficiency_points=Decimal(self.efficiency_points),
            effectiveness_points=Decimal(self.effectiveness_points),
            equity_points=Decimal(self.equity_points),
        )

    def clean(self) -> None:
        super().clean()
        numbers = [f.name for f in self._meta.fields if isinstance(f, models.DecimalField)]
        if any(getattr(self, name) is None for name in numbers) or self.kind not in SchemeKind.values:
            return  # the field validation reports it
        problems = scheme_rules.problems(self.rules())
        if problems:
            errors: dict[str, list[str]] = {}
            for problem in problems:
                errors.setdefault(problem.field, []).append(problem.message)
            raise ValidationError(errors)


def _parse(rows, field: str, make) -> tuple:
    label = EvaluationScheme._meta.get_field(field).verbose_name
    if not isinstance(rows, list):
        raise ValidationError({field: f"“{label}”格式有误：应为列表"})
    try:
        return tuple(make(row) for row in rows)
    except (KeyError, TypeError, ValueError, AttributeError, InvalidOperation):
        raise ValidationError({field: f"“{label}”格式有误：{_example(field)}"}) from None


def _example(field: str) -> str:
    return {"grade_lines": GRADE_LINES_HELP, "bands": BANDS_HELP, "qualitative_items": ITEMS_HELP}[field]


def _decimal(value) -> Decimal:
    if isinstance(value, bool) or not isinstance(value, (str, int)):
        raise TypeError(value)
    result = Decimal(value)
    if not result.is_finite():
        raise ValueError(value)
    return result


def _grade_line(row: dict) -> scheme_rules.GradeLine:
    return scheme_rules.GradeLine(str(row["label"]), _decimal(row["min"]))


def _band(row: dict) -> scheme_rules.BandRule:
    return scheme_rules.BandRule(str(row["band"]), _decimal(row["low"]), _decimal(row["high"]))


def _item(row: dict) -> scheme_rules.QualitativeItem:
    return scheme_rules.QualitativeItem(str(row["code"]), str(row["label"]), _decimal(row["weight"]))


# The self-evaluation's models live in their own module (one aggregate per module, STYLE.md); importable from here.
from evaluations.self_models import (  # noqa: E402
    DepartmentSummary,
    ProviderDataRequest,
    SelfEvaluation,
    SelfEvaluationEvidence,
    SelfEvaluationIndicator,
    SelfEvaluationRound,
)

__all__ = [
    "DepartmentSummary",
    "EvaluationScheme",
    "ProviderDataRequest",
    "SelfEvaluation",
    "SelfEvaluationEvidence",
    "SelfEvaluationIndicator",
    "SelfEvaluationRound",
]
from evaluations.recheck_models import RecheckIndicator, RecheckItem, RecheckSample  # noqa: E402

__all__ += ["RecheckIndicator", "RecheckItem", "RecheckSample"]

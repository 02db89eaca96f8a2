"""The numbers of an evaluation scheme as plain data, with their defaults and their validation (pure: no database).

An ``EvaluationScheme`` version (``evaluations.models``) turns into a ``Rules`` value with ``scheme.rules()``; the
scoring functions of ``evaluations.scoring`` read nothing else. Two defaults:

* ``NATIONAL`` — the unit self-evaluation sheet: budget execution 10 + indicators 90 (产出 50, 效益 30, 满意度 10),
  grades 优 ≥ 90, 良 ≥ 80, 中 ≥ 60, 差 < 60 (DOMAIN.md "Rules with numbers"; *practice* of 财预〔2020〕10号; grades
  seed 000 第二十八条).
* ``COMPOSITE`` — seed 003 附件2 第三部分: quantitative 70 (common 40 + sector 30), qualitative 30 with item weights
  30/20/20/20/10, a bonus of 3–5 points, grades A ≥ 85, B ≥ 70, C ≥ 60, D < 60.
* ``FOUR_E`` — the 4E view of a purchased service (seed 002 六（二）: 经济性、效率性、有效性、公平性): the indicators
  grouped into the four dimensions, 经济性 20 + 效率性 25 + 有效性 35 + 公平性 20 = 100. Seed 002 names the dimensions
  but fixes no numbers: the split is *practice* (效率性 + 有效性 at 60 %, as the key evaluation's 产出 + 效益 ≥ 60 %)
  and a region changes it; grades 优 ≥ 90, 良 ≥ 80, 中 ≥ 60, 差 < 60 (seed 000 第二十八条, purchased services).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import ROUND_DOWN, ROUND_HALF_EVEN, ROUND_HALF_UP, Decimal

from evaluations.choices import Band, FourE, SchemeKind

ZERO = Decimal("0")
HUNDRED = Decimal("100")
ROUNDINGS = (ROUND_HALF_UP, ROUND_HALF_EVEN, ROUND_DOWN)


@dataclass(frozen=True)
class Problem:
    """Why an input or a scheme is refused: the field it concerns and a Chinese message naming it."""

    field: str
    message: str


@dataclass(frozen=True)
class GradeLine:
    label: str
    minimum: Decimal  # a total at or above it takes this grade


@dataclass(frozen=True)
class BandRule:
    """A qualitative band: the evaluator chooses a share of the weight between ``low`` and ``high`` percent
    (both included: the notes print 达成 as 100–80 % and 部分达成 as 80–60 %)."""

    band: str
    low: Decimal
    high: Decimal


@dataclass(frozen=True)
class QualitativeItem:
    code: str
    label: str
    weight: Decimal  # 权数, the items' weights add up to 100


DEFAULT_BANDS = (
    BandRule(Band.ACHIEVED, Decimal("80"), Decimal("100")),
    BandRule(Band.PARTLY, Decimal("60"), Decimal("80")),
    BandRule(Band.NOT_ACHIEVED, Decimal("0"), Decimal("60")),
)

# seed 003 附件2 第三部分 二（三）: 定性指标权重
COMPOSITE_ITEMS = (
    QualitativeItem("efficiency", "职能目标完成效率", Decimal("30")),
    QualitativeItem("service", "提供公共服务效能", Decimal("20")),
    QualitativeItem("management", "基础管理水平", Decimal("20")),
    QualitativeItem("innovation", "发展创新能力", Decimal("20")),
    QualitativeItem("impact", "对社会或环境影响程度", Decimal("10")),
)


@dataclass(frozen=True)
class Rules:
    """One version of a scheme, as the scoring functions see it."""

    kind: str
    grade_lines: tuple[GradeLine, ...]
    rounding: str = ROUND_HALF_UP
    bands: tuple[BandRule, ...] = DEFAULT_BANDS
    deviation_threshold: Decimal = Decimal("0.20")  # *practice*: more than 20 % needs a reason
    no_survey_scores_zero: bool = False  # a satisfaction indicator without a survey: 0 points, else left out
    # the national self-evaluation
    execution_points: Decimal = Decimal("10")
    indicator_points: Decimal = Decimal("90")
    output_points: Decimal = Decimal("50")
    effect_points: Decimal = Decimal("30")
    satisfaction_points: Decimal = Decimal("10")
    # the composite scheme of seed 003 附件2 第三部分
    common_points: Decimal = Decimal("40")
    sector_points: Decimal = Decimal("30")
    qualitative_points: Decimal = Decimal("30")
    qualitative_items: tuple[QualitativeItem, ...] = field(default=COMPOSITE_ITEMS)
    bonus_min: Decimal = Decimal("3")
    bonus_max: Decimal = Decimal("5")
    # the 4E view of a purchased service (seed 002 六（二）); the split is *practice*, configurable
    economy_points: Decimal = Decimal("20")
    efficiency_points: Decimal = Decimal("25")
    effectiveness_points: Decimal = Decimal("35")
    equity_points: Decimal = Decimal("20")

    def band(self, code: str) -> BandRule | None:
        return next((b for b in self.bands if b.band == code), None)

    def dimension_points(self) -> dict[str, Decimal]:
        """The 4E dimensions in their order (经济性, 效率性, 有效性, 公平性) with their points."""
        return {dimension: getattr(self, FOUR_E_FIELDS[dimension]) for dimension in FourE.values}


# The field of ``Rules`` (and of ``EvaluationScheme``) holding each 4E dimension's points.
FOUR_E_FIELDS = {
    FourE.ECONOMY: "economy_points",
    FourE.EFFICIENCY: "efficiency_points",
    FourE.EFFECTIVENESS: "effectiveness_points",
    FourE.EQUITY: "equity_points",
}


NATIONAL = Rules(
    kind=SchemeKind.NATIONAL,
    grade_lines=(
        GradeLine("优", Decimal("90")),
        GradeLine("良", Decimal("80")),
        GradeLine("中", Decimal("60")),
        GradeLine("差", Decimal("0")),
    ),
)

COMPOSITE = Rules(
    kind=SchemeKind.COMPOSITE,
    grade_lines=(
        GradeLine("优（A）", Decimal("85")),
        GradeLine("良（B）", Decimal("70")),
        GradeLine("中（C）", Decimal("60")),
        GradeLine("低（D）", Decimal("0")),
    ),
)


FOUR_E = Rules(kind=SchemeKind.FOUR_E, grade_lines=NATIONAL.grade_lines)  # seed 000 第二十八条


def fmt(value: Decimal) -> str:
    """A number as the user reads it: thousands separated, no exponent, no trailing zeros (100, 12.5,
    1,234,567.89)."""
    text = f"{value:,f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def problems(rules: Rules) -> list[Problem]:
    """Everything that makes ``rules`` unusable, each naming its field (empty: the scheme is sound)."""
    found: list[Problem] = []
    if rules.rounding not in ROUNDINGS:
        found.append(Problem("rounding", f"舍入规则“{rules.rounding}”无效"))
    if not ZERO < rules.deviation_threshold < Decimal("10"):
        found.append(Problem("deviation_threshold", "“偏差阈值”应大于 0（以小数表示，0.20 即 20%）"))
    found += _grade_problems(rules.grade_lines)
    found += _band_problems(rules.bands)
    if rules.kind == SchemeKind.NATIONAL:
        found += _national_problems(rules)
    elif rules.kind == SchemeKind.FOUR_E:
        found += _four_e_problems(rules)
    else:
        found += _composite_problems(rules)
    return found


def _four_e_problems(rules: Rules) -> list[Problem]:
    """Each of the four dimensions is worth something (seed 002 六（二）: the indicators cover all four) and together
    they are worth 100 points."""
    found = []
    points = rules.dimension_points()
    for dimension, value in points.items():
        if value <= ZERO:
            label = FourE(dimension).label
            found.append(Problem(FOUR_E_FIELDS[dimension], f"“{label}分值”须大于 0，现为 {fmt(value)} 分"))
    total = sum(points.values(), ZERO)
    if total != HUNDRED:
        found.append(
            Problem(
                "equity_points",
                f"“经济性、效率性、有效性、公平性分值”合计应为 100 分，现为 {fmt(total)} 分",
            )
        )
    return found


def _national_problems(rules: Rules) -> list[Problem]:
    found = []
    points = {
        "execution_points": rules.execution_points,
        "indicator_points": rules.indicator_points,
        "output_points": rules.output_points,
        "effect_points": rules.effect_points,
        "satisfaction_points": rules.satisfaction_points,
    }
    for name, value in points.items():
        if value < ZERO:
            found.append(Problem(name, "分值不能为负数"))
    total = rules.execution_points + rules.indicator_points
    if total != HUNDRED:
        found.append(
            Problem("indicator_points", f"“预算执行率分值”与“绩效指标分值”合计应为 100 分，现为 {fmt(total)} 分")
        )
    split = rules.output_points + rules.effect_points + rules.satisfaction_points
    if split != rules.indicator_points:
        found.append(
            Problem(
                "satisfaction_points",
                f"“产出、效益、满意度指标分值”合计应等于绩效指标分值 {fmt(rules.indicator_points)} 分，"
                f"现为 {fmt(split)} 分",
            )
        )
    return found


def _composite_problems(rules: Rules) -> list[Problem]:
    found = []
    for name in ("common_points", "sector_points", "qualitative_points", "bonus_min", "bonus_max"):
        if getattr(rules, name) < ZERO:
            found.append(Problem(name, "分值不能为负数"))
    total = rules.common_points + rules.sector_points + rules.qualitative_points
    if total != HUNDRED:
        found.append(
            Problem(
                "qualitative_points",
                f"“共性指标分值”“个性指标分值”与“定性指标分值”合计应为 100 分，现为 {fmt(total)} 分",
            )
        )
    weights = sum((item.weight for item in rules.qualitative_items), ZERO)
    if not rules.qualitative_items:
        found.append(Problem("qualitative_items", "“定性指标权数”至少需要一项"))
    elif any(item.weight <= ZERO or not item.label.strip() for item in rules.qualitative_items):
        found.append(Problem("qualitative_items", "“定性指标权数”每项须有名称，权数须大于 0"))
    elif weights != HUNDRED:
        found.append(Problem("qualitative_items", f"“定性指标权数”合计应为 100，现为 {fmt(weights)}"))
    if len({item.code for item in rules.qualitative_items}) != len(rules.qualitative_items):
        found.append(Problem("qualitative_items", "“定性指标权数”中的代码不能重复"))
    if rules.bonus_min > rules.bonus_max:
        found.append(Problem("bonus_max", "“加分上限”不能低于“加分下限”"))
    return found


def _grade_problems(lines: tuple[GradeLine, ...]) -> list[Problem]:
    if len(lines) < 2:
        return [Problem("grade_lines", "“等级分数线”至少需要两个等级")]
    minimums = [line.minimum for line in lines]
    if any(not line.label.strip() for line in lines):
        return [Problem("grade_lines", "“等级分数线”每个等级都须有名称")]
    if len({line.label for line in lines}) != len(lines):
        return [Problem("grade_lines", "“等级分数线”中的等级名称不能重复")]
    if any(minimums[i] <= minimums[i + 1] for i in range(len(minimums) - 1)):
        return [Problem("grade_lines", "“等级分数线”须从高到低排列，且各不相同")]
    if minimums[-1] != ZERO or minimums[0] > HUNDRED:
        return [Problem("grade_lines", "“等级分数线”最低一级应从 0 分起，最高一级不超过 100 分")]
    return []


def _band_problems(bands: tuple[BandRule, ...]) -> list[Problem]:
    if sorted(b.band for b in bands) != sorted(Band.values):
        return [Problem("bands", "“定性指标档次”须包括达成、部分达成、未达成三档，各一次")]
    for rule in bands:
        if not ZERO <= rule.low <= rule.high <= HUNDRED:
            label = Band(rule.band).label
            return [Problem("bands", f"“定性指标档次”中“{label}”的比例应在 0–100% 之间，且下限不高于上限")]
    return []

"""智能审核: the automatic quality review of a target sheet.

The rules are pure functions over plain data (``SheetData``): no database writes, so they are cheap to run
on every save, before submission and on any reviewer's page. ``from_sheet`` reads a sheet into that data;
``run`` applies every active rule with its configured severity; ``store`` (the one writer) keeps the result
on the sheet. Each finding names its rule and severity; a blocking finding refuses submission
(the target sheets' workflow hook, targets.actions.sheets.before_transition).

Review criteria (seed 003 第十三条): 完整性 — is everything filled in, clearly; 相关性 — are there enough
quantified indicators, matching the goal; 适当性 — do the targets match the money available;
可行性 — are the targets reasonable and the measures workable.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from decimal import Decimal, InvalidOperation

from targets.choices import COST_LEVEL2, QUANTITATIVE, Comparator, Horizon, Level1, Level2, Severity


def parse_number(value) -> Decimal | None:
    """A target value as a number ("95", "1,200", "95%", "  3.5 "), or None when it is not one."""
    text = str(value or "").strip().replace(",", "").replace("，", "").rstrip("%％").strip()
    if not text:
        return None
    try:
        number = Decimal(text)
    except InvalidOperation:
        return None
    return number if number.is_finite() else None


@dataclass(frozen=True)
class Finding:
    rule: str
    rule_name: str
    severity: str
    message: str
    indicator: int | None = None

    def as_dict(self) -> dict:
        return asdict(self)

    @property
    def severity_label(self) -> str:
        return Severity(self.severity).label


@dataclass
class IndicatorData:
    id: int | None
    horizon: str
    level1: str
    level2: str
    name: str
    comparator: str
    target_value: str
    unit: str = ""
    weight: Decimal = Decimal("0")
    last_year_actual: str = ""
    library_id: int | None = None

    @property
    def label(self) -> str:
        return f"“{self.name}”"


@dataclass
class SheetData:
    annual_goal: str = ""
    long_term_goal: str = ""
    measures: str = ""
    stages: int = 0
    serves_public: bool = True
    buys_outputs: bool = True
    continuing: bool = False
    requested_amount: Decimal | None = None
    # 支出明细预算: the total of the lines' 本年度申请资金 (None: no lines entered).
    budget_total: Decimal | None = None
    indicators: list[IndicatorData] = field(default_factory=list)
    # 部门整体: the common indicators finance requires, as (library indicator id, name).
    required_common: list[tuple[int, str]] = field(default_factory=list)
    # 转移支付（整体）: the regions below and each region's values by indicator id (None: not decomposed).
    regions: list[str] | None = None
    regional: dict[str, dict[int, str]] = field(default_factory=dict)

    def annual(self) -> list[IndicatorData]:
        return [i for i in self.indicators if i.horizon == Horizon.ANNUAL]


@dataclass(frozen=True)
class Rule:
    code: str
    name: str
    default_severity: str
    check: Callable  # (SheetData, params) → [(message, indicator id or None)]
    basis: str = ""
    default_params: dict = field(default_factory=dict)


# --- the rules ---------------------------------------------------------------------------------------------


def _has(indicators, level1=None, level2=None) -> bool:
    return any((level1 is None or i.level1 == level1) and (level2 is None or i.level2 == level2) for i in indicators)


def _is_cost(indicator) -> bool:
    return indicator.level1 == Level1.COST or indicator.level2 in COST_LEVEL2


def check_completeness(data: SheetData, params: dict):
    """完整性: goals, every required level present (产出, 效益; 满意度 when the subject serves people; a cost
    indicator when money buys outputs; long-term targets for a continuing subject)."""
    out = []
    annual = data.annual()
    if not data.annual_goal.strip():
        out.append(("未填写年度目标", None))
    if data.continuing and not data.long_term_goal.strip():
        out.append(("延续性项目须填写长期目标", None))
    if not annual:
        out.append(("未设置年度绩效指标", None))
        return out
    if not _has(annual, Level1.OUTPUT):
        out.append(("缺少产出指标（数量、质量、时效）", None))
    if not _has(annual, Level1.EFFECT):
        out.append(("缺少效益指标", None))
    if data.serves_public and not _has(annual, Level1.SATISFACTION):
        out.append(("项目有服务对象，须设置服务对象满意度指标", None))
    if data.buys_outputs and not any(_is_cost(i) for i in annual):
        out.append(("资金用于购买产出，须设置成本指标", None))
    return out


def check_relevance(data: SheetData, params: dict):
    """相关性: enough quantified indicators (at least one quantified output indicator, and quantified
    indicators at least ``min_share`` of the annual ones)."""
    annual = data.annual()
    if not annual:
        return []
    out = []
    quantified = [i for i in annual if i.comparator in QUANTITATIVE]
    if not any(i.level1 == Level1.OUTPUT for i in quantified):
        out.append(("产出指标中没有量化指标，无法衡量目标的实现程度", None))
    share = Decimal(str(params.get("min_share", "0.5")))
    if Decimal(len(quantified)) < share * len(annual):
        out.append((f"量化指标仅 {len(quantified)} 个，少于年度指标的 {share:.0%}", None))
    return out


VAGUE_WORDS = (
    "进一步",
    "有所提高",
    "有所提升",
    "有所改善",
    "明显",
    "较好",
    "较大",
    "逐步",
    "大幅",
    "显著",
    "基本",
    "不断",
    "稳步",
    "切实",
    "努力",
    "争取",
    "尽量",
    "适当",
)
DIGIT = re.compile(r"\d")


def check_vague(data: SheetData, params: dict):
    """可衡量 (seed 003 第十三条（二）): a quantitative indicator (≥ ≤ =) whose target value or name is in words such as
    进一步、有所提高、明显、较好 with no number. A 定性 indicator is described in words by nature ("明显改善" is how its
    value is written, 附件1 填报说明), so it is not checked."""
    words = tuple(params.get("words") or VAGUE_WORDS)
    out = []
    for i in data.indicators:
        if i.comparator not in QUANTITATIVE:
            continue
        for text, what in ((i.target_value, "指标值"), (i.name, "指标名称")):
            hits = [w for w in words if w in (text or "")]
            if hits and not DIGIT.search(text or ""):
                out.append((f"{i.label}的{what}“{text}”使用了“{'、'.join(hits)}”等模糊表述，未量化", i.id))
                break
    return out


PERCENT_UNITS = {"%", "％", "百分比"}


def check_value_unit(data: SheetData, params: dict):
    """指标值、计量单位与指标性质一致: ≥/≤/= need a number and a unit; 定性 must not be a bare number;
    a percentage cannot exceed 100 (rates) or be negative."""
    out = []
    for i in data.indicators:
        number = parse_number(i.target_value)
        if i.comparator in QUANTITATIVE:
            if number is None:
                out.append((f"{i.label}为定量指标，指标值“{i.target_value}”不是数值", i.id))
                continue
            if not (i.unit or "").strip():
                out.append((f"{i.label}为定量指标，须填写计量单位", i.id))
            elif i.unit.strip() in PERCENT_UNITS and not Decimal("0") <= number <= Decimal("100"):
                out.append((f"{i.label}以百分比计，指标值 {i.target_value} 超出 0—100 的范围", i.id))
        elif number is not None:
            out.append(
                (
                    f"{i.label}为定性指标，指标值却只有数字“{i.target_value}”；请改为定量（≥、≤、=）并填写单位，"
                    f"或用文字描述定性目标",
                    i.id,
                )
            )
    return out


def check_duplicates(data: SheetData, params: dict):
    """重复指标: the same level-2 indicator and name twice within a horizon."""
    seen: dict[tuple, IndicatorData] = {}
    out = []
    for i in data.indicators:
        key = (i.horizon, i.level2, re.sub(r"\s+", "", i.name or ""))
        if key in seen:
            out.append((f"{Level2(i.level2).label}下的{i.label}重复设置", i.id))
        else:
            seen[key] = i
    return out


DEFAULT_WEIGHTS = {Level1.OUTPUT.value: 50, Level1.EFFECT.value: 30, Level1.SATISFACTION.value: 10}


def weight_groups(indicators, params: dict | None = None) -> dict[str, Decimal]:
    """Annual weights summed by the scheme's groups (成本 counts with 产出 unless the scheme gives it its own)."""
    params = params or {}
    scheme = params.get("weights") or DEFAULT_WEIGHTS
    totals: dict[str, Decimal] = defaultdict(Decimal)
    for i in indicators:
        if i.horizon != Horizon.ANNUAL:
            continue
        group = i.level1
        if group == Level1.COST and Level1.COST.value not in scheme:
            group = Level1.OUTPUT.value
        totals[str(group)] += Decimal(str(i.weight or 0))
    return totals


def check_weights(data: SheetData, params: dict):
    """分值: annual weights by level 1 as the scoring scheme requires (DOMAIN.md, *practice* 财预〔2020〕10号:
    产出 50 (成本 included), 效益 30, 满意度 10 — 90 in all, execution the other 10). Only levels present are
    checked when ``serves_public`` is off (no satisfaction indicator)."""
    scheme = {k: Decimal(str(v)) for k, v in (params.get("weights") or DEFAULT_WEIGHTS).items()}
    annual = data.annual()
    if not annual:
        return []
    totals = weight_groups(annual, params)
    out = []
    labels = dict(Level1.choices)
    for group, required in scheme.items():
        if group == Level1.SATISFACTION and not data.serves_public and not totals.get(group):
            continue
        got = totals.get(group, Decimal("0"))
        if got != required:
            out.append((f"{labels.get(group, group)}分值合计 {got:g}，评分方案要求 {required:g}", None))
    return out


def check_below_last_year(data: SheetData, params: dict):
    """目标值低于上年实际: a positive (≥) target below last year's actual, or a negative (≤) one above it —
    targets set low to be met (seed 003 第十三条(四) 可行性: 绩效目标设定是否合理)."""
    out = []
    for i in data.annual():
        target, actual = parse_number(i.target_value), parse_number(i.last_year_actual)
        if target is None or actual is None:
            continue
        if i.comparator == Comparator.GE and target < actual:
            out.append((f"{i.label}的年度指标值 {i.target_value} 低于上年实际完成值 {i.last_year_actual}", i.id))
        elif i.comparator == Comparator.LE and target > actual:
            out.append((f"{i.label}的年度指标值 {i.target_value} 宽于上年实际值 {i.last_year_actual}", i.id))
    return out


MONEY_UNITS = {
    "元": Decimal("1"),
    "千元": Decimal("1000"),
    "万元": Decimal("10000"),
    "百万元": Decimal("1000000"),
    "亿元": Decimal("100000000"),
}


def check_cost_amount(data: SheetData, params: dict):
    """适当性 (seed 003 第十三条(三) 预算资金可供量与目标之间的匹配性): a cost indicator in 元/万元 whose value
    exceeds the amount requested for the year."""
    if data.requested_amount is None:
        return []
    out = []
    for i in data.annual():
        factor = MONEY_UNITS.get((i.unit or "").strip())
        number = parse_number(i.target_value)
        if not _is_cost(i) or factor is None or number is None:
            continue
        yuan = number * factor
        if yuan > data.requested_amount:
            out.append(
                (
                    f"成本指标{i.label}为 {i.target_value}{i.unit}，超过本年度申请金额 {data.requested_amount:,.2f} 元",
                    i.id,
                )
            )
    return out


def check_budget_total(data: SheetData, params: dict):
    """资金情况 (seed 003 附件1-2 填表说明 二（三）1: 本表“资金情况”栏的内容与部门预算《预算支出申报表》相应栏目内容相符):
    the 支出明细预算 lines add up to the amount requested for the year, within ``tolerance`` yuan."""
    if data.budget_total is None or data.requested_amount is None:
        return []
    tolerance = Decimal(str(params.get("tolerance") or "0"))
    gap = data.budget_total - data.requested_amount
    if abs(gap) <= tolerance:
        return []
    more = "多" if gap > 0 else "少"
    return [
        (
            f"支出明细预算合计 {data.budget_total:,.2f} 元，与本年度申请金额 {data.requested_amount:,.2f} 元不一致"
            f"（{more} {abs(gap):,.2f} 元）",
            None,
        )
    ]


def check_feasibility(data: SheetData, params: dict):
    """可行性 (seed 003 第十三条(四) 保障措施是否可行): measures and an implementation schedule are given."""
    out = []
    if not data.measures.strip():
        out.append(("未填写保障措施（组织、制度、工作计划）", None))
    if not data.stages:
        out.append(("未填写实施进度计划", None))
    return out


def check_common_required(data: SheetData, params: dict):
    """部门整体绩效目标的共性指标 (张店区《区级部门单位预算绩效管理办法》第十二条（二）: 共性指标按区财政部门规定
    设置): every common indicator finance requires is present, with a value."""
    out = []
    by_library = {i.library_id: i for i in data.indicators if i.library_id}
    for library_id, name in data.required_common:
        row = by_library.get(library_id)
        if row is None:
            out.append((f"缺少财政部门规定的共性指标“{name}”", None))
        elif not (row.target_value or "").strip():
            out.append((f"共性指标“{name}”未填写指标值", row.id))
    return out


def additive(indicator) -> bool:
    """Quantity indicators (数量指标) with a number add up across regions; rates and qualities do not."""
    return (
        indicator.horizon == Horizon.ANNUAL
        and indicator.level2 == Level2.QUANTITY
        and indicator.comparator in QUANTITATIVE
        and parse_number(indicator.target_value) is not None
    )


def check_regional_coverage(data: SheetData, params: dict):
    """区域绩效目标 (张店区《区对下转移支付资金预算绩效管理办法》第十五条（二）、第十七条): an overall transfer-payment
    sheet is decomposed for every region below, each annual indicator with a regional value."""
    if data.regions is None:
        return []
    out = []
    annual = data.annual()
    for region in data.regions:
        values = data.regional.get(region)
        if values is None:
            out.append((f"{region}尚未分解区域绩效目标", None))
            continue
        missing = [i.name for i in annual if not (values.get(i.id) or "").strip()]
        if missing:
            out.append((f"{region}的区域绩效目标缺少指标值：{'、'.join(missing)}", None))
    return out


def check_regional_sum(data: SheetData, params: dict):
    """区域分解合计 (同上第十五条（二）): the regions' values of a quantity indicator add up to the overall value."""
    if not data.regions:
        return []
    out = []
    for i in data.annual():
        if not additive(i):
            continue
        numbers = [parse_number(data.regional.get(r, {}).get(i.id)) for r in data.regions]
        if any(n is None for n in numbers):
            continue  # coverage reports the gaps
        total, overall = sum(numbers, Decimal("0")), parse_number(i.target_value)
        if total != overall:
            out.append((f"{i.label}各区域指标值合计 {total:g}{i.unit}，与整体指标值 {overall:g}{i.unit} 不一致", i.id))
    return out


# Bases: seed 003 (长治市预算绩效管理办法) 第十三条 and 附件1; weights per DOMAIN.md (practice).
RULES: dict[str, Rule] = {
    r.code: r
    for r in [
        Rule(
            "completeness", "完整性", Severity.BLOCKING, check_completeness, "《长治市预算绩效管理办法》第十三条（一）"
        ),
        Rule(
            "relevance",
            "相关性",
            Severity.WARNING,
            check_relevance,
            "《长治市预算绩效管理办法》第十三条（二）",
            {"min_share": "0.5"},
        ),
        Rule("vague_wording", "量化表述", Severity.BLOCKING, check_vague, "《长治市预算绩效管理办法》第十三条（二）"),
        Rule(
            "value_unit",
            "指标值与单位一致",
            Severity.BLOCKING,
            check_value_unit,
            "《长治市预算绩效管理办法》附件1 填报说明",
        ),
        Rule("duplicate", "重复指标", Severity.BLOCKING, check_duplicates, "《长治市预算绩效管理办法》第十三条（一）"),
        Rule(
            "weights",
            "分值分配",
            Severity.WARNING,  # national practice, not a seed's text, and 附件1 has no 分值 column: a region may block
            check_weights,
            "财预〔2020〕10号 自评表分值（通行做法，可配置）",
            {"weights": DEFAULT_WEIGHTS},
        ),
        Rule(
            "below_last_year",
            "目标值低于上年实际",
            Severity.WARNING,
            check_below_last_year,
            "《长治市预算绩效管理办法》第十三条（四）",
        ),
        Rule(
            "cost_amount",
            "适当性（成本与申请金额）",
            Severity.BLOCKING,
            check_cost_amount,
            "《长治市预算绩效管理办法》第十三条（三）",
        ),
        Rule(
            "budget_total",
            "支出明细与申请金额一致",
            Severity.WARNING,
            check_budget_total,
            "《长治市预算绩效管理办法》附件1-2 填表说明 二（三）1",
            {"tolerance": "0"},
        ),
        Rule(
            "feasibility",
            "可行性（保障措施与进度）",
            Severity.WARNING,
            check_feasibility,
            "《长治市预算绩效管理办法》第十三条（四）",
        ),
        Rule(
            "common_required",
            "部门整体共性指标",
            Severity.BLOCKING,
            check_common_required,
            "张店区《区级部门单位预算绩效管理办法》第十二条（二）",
        ),
        Rule(
            "regional_coverage",
            "区域绩效目标分解",
            Severity.WARNING,
            check_regional_coverage,
            "张店区《区对下转移支付资金预算绩效管理办法》第十五条（二）、第十七条",
        ),
        Rule(
            "regional_sum",
            "区域分解合计",
            Severity.WARNING,
            check_regional_sum,
            "张店区《区对下转移支付资金预算绩效管理办法》第十五条（二）",
        ),
    ]
}


@dataclass(frozen=True)
class RuleConfig:
    severity: str
    is_active: bool = True
    params: dict = field(default_factory=dict)


def configuration(overrides: dict[str, RuleConfig] | None = None) -> dict[str, RuleConfig]:
    """Every rule's severity, switch and parameters: code defaults, then ``overrides``."""
    config = {code: RuleConfig(rule.default_severity, True, dict(rule.default_params)) for code, rule in RULES.items()}
    for code, value in (overrides or {}).items():
        if code in config:
            config[code] = RuleConfig(value.severity, value.is_active, {**config[code].params, **(value.params or {})})
    return config


def run(data: SheetData, config: dict[str, RuleConfig] | None = None) -> list[Finding]:
    """Apply every active rule; blocking findings first."""
    config = config or configuration()
    findings = []
    for code, rule in RULES.items():
        setting = config.get(code)
        if setting is None or not setting.is_active:
            continue
        for message, indicator in rule.check(data, setting.params):
            findings.append(Finding(code, rule.name, setting.severity, message, indicator))
    findings.sort(key=lambda f: 0 if f.severity == Severity.BLOCKING else 1)
    return findings


def findings_of(sheet) -> list[Finding]:
    return [Finding(**f) for f in sheet.findings or []]

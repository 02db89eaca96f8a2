"""The indicator handbook of seed 003 附件2 (长治市财政预算支出绩效评价指标体系参考手册, 2014), transcribed by hand.

Definitions and formulas are the seed's text (line breaks joined; the seed's own wording and slips kept).
Level-1/level-2 placement is ours (the handbook groups indicators differently; its grouping is kept in
``group``). The data is in ``common`` (一、共性指标) and ``families`` (二、个性指标); the qualitative part and the
builder are here. ``INDICATORS`` is a list of dicts with the fields of ``indicators.Indicator``; the data
migration 0003 loads it. Nothing here reads the seed at runtime.
"""

from __future__ import annotations

from indicators.handbook.common import COMMON, COMMON_GROUPS
from indicators.handbook.families import EXPERT, FAMILIES, NEGATIVE

SOURCE = "seed 003 附件2"

# Placement shorthand → (level1, level2).
P = {
    "SL": ("产出", "数量"),
    "ZL": ("产出", "质量"),
    "SX": ("产出", "时效"),
    "CB": ("成本", "经济成本"),
    "JJ": ("效益", "经济效益"),
    "SH": ("效益", "社会效益"),
    "KC": ("效益", "可持续影响"),
    "MY": ("满意度", "服务对象满意度"),
    "MB": ("决策", "目标设定"),
    "ZJ": ("过程", "资金管理"),
    "ZZ": ("过程", "组织实施"),
}

NO_FORMULA = "定性评判：手册未给出计算公式，由评价工作组对照指标解释评议计分"


# ---------------------------------------------------------------------------------------------------
# 第二部分 定性指标: the six qualitative factors (定性指标的构成) and the weighted 评议指标 (第三部分 二（三）).
# ---------------------------------------------------------------------------------------------------
QUALITATIVE_FACTORS = [
    (
        "支出项目预定目标规划、执行情况",
        "指财政支出项目单位申请支出项目时，对预定目标的设定、规划和执行基本情况是否合理、能否体现支出绩效的经济性、效率性和有效性，"
        "以及单位的组织能力和科学决策水平等因素。",
    ),
    (
        "项目单位工作人员素质",
        "指财政支出项目部门（单位）的公务员和在岗职工的文化水平、道德水准、专业技能、组织纪律、参与社会建设事业的积极性及爱岗敬业精神"
        "等方面的综合因素。",
    ),
    (
        "支出项目的基础管理水平",
        "指财政支出项目部门和单位按照国家政策法规规定和本单位实际情况，在事业建设和发展过程中形成的维持单位正常运作及生存与发展的"
        "组织结构、管理模式、各项基础管理制度、激励与约束机制、信息支持系统、依法行政、精神文明建设等方面的建设及贯彻执行状况。",
    ),
    (
        "发展创新能力与战略",
        "指部门（单位）在市场经济条件下，围绕经济建设中心和目标，不断根据外部环境进行的结构调整和创新的能力。包括制度创新、管理创新、"
        "技术创新、服务创新、观念创新等方面的意识和能力。在发展战略方面包括科技投入、市场开拓、项目规划、资源配置、资本筹措及"
        "人力资源等方面的谋划和策略。",
    ),
    (
        "服务环境与服务满意度",
        "指部门（单位）办公条件和主要专用设备的先进程度，以及适用性、技术水平、使用及闲置状况、更新改造情况、技术投入水平和采用环保"
        "技术措施等情况。在推动事业改革和发展中，服务的种类、速度、方便程度、服务态度和质量，以及群众接受服务的心理满足程度等。",
    ),
    (
        "综合社会贡献",
        "指部门（单位）对经济增长、社会发展、环境保护等方面的综合影响。主要包括对国民经济及区域经济增长的贡献、提供就业和再就业机会、"
        "履行社会责任与义务以及信用操守情况、对财政税收的贡献和对环境的保护影响等等。",
    ),
]

QUALITATIVE_FORMULA = "定性指标得分=∑(单项评议指标得分 X 权数) x30%"
QUALITATIVE_METHOD = (
    "评议方法：专家判断、问卷测试、横向比较。定性指标依据层次分析法设定不同层次指标的权重，"
    "然后采用综合指数法根据各项指标的权数进行加权汇总得出量化的评价结果。"
)

# 定性指标权重 (权数, 总计 100), with the qualitative factor each one assesses (our reading).
QUALITATIVE_WEIGHTED = [
    ("职能目标完成效率", 30, "支出项目预定目标规划、执行情况", "SL"),
    ("提供公共服务效能", 20, "服务环境与服务满意度", "MY"),
    ("基础管理水平", 20, "支出项目的基础管理水平", "ZZ"),
    ("发展创新能力", 20, "发展创新能力与战略", "KC"),
    ("对社会或环境影响程度", 10, "综合社会贡献", "SH"),
]

SCORING_NOTE = (
    "绩效评价总分 100 分：定量指标占 70%，其中共性指标占 40%，个性指标占 30%；定性指标占 30%。"
    "部门使用财政资金用于社会公共项目，带动社会投入效果明显的，酌情加 3-5 分。"
)


def _unit(formula: str) -> str:
    if "×100%" in formula.replace(" ", ""):
        return "%"
    return ""


def _build() -> list[dict]:
    rows: list[dict] = []
    for number, group, name, definition, formula, placement, unit in COMMON:
        level1, level2 = P[placement]
        category, _group_definition = COMMON_GROUPS[group]
        rows.append(
            {
                "code": f"GX{number:02d}",
                "name": name,
                "kind": "common",
                "level1": level1,
                "level2": level2,
                "group": f"共性指标·{category}·{group}",
                "sector": "",
                "definition": definition,
                "formula": formula or NO_FORMULA,
                "unit": unit,
                "direction": "positive" if formula else "qualitative",
                "weight": None,
                "subject_kinds": [],
                "reference_values": "",
            }
        )
    for sector, family, _intro, items in FAMILIES:
        for index, (name, formula, note, placement, group) in enumerate(items, start=1):
            level1, level2 = P[placement]
            formula = formula or ""
            expert = formula in (EXPERT, "由专家评议") or "调查" in formula or "如项目" in formula
            direction = "qualitative" if expert or not formula else "negative" if name in NEGATIVE else "positive"
            if not formula and name in NEGATIVE:
                direction = "negative"
            rows.append(
                {
                    "code": f"HY-{sector}-{index:02d}",
                    "name": name,
                    "kind": "sector",
                    "level1": level1,
                    "level2": level2,
                    "group": f"{family}·{group}" if group else family,
                    "sector": sector,
                    "definition": note,
                    "formula": formula,
                    "unit": _unit(formula),
                    "direction": direction,
                    "weight": None,
                    "subject_kinds": [],
                    "reference_values": "",
                }
            )
    for index, (name, definition) in enumerate(QUALITATIVE_FACTORS, start=1):
        rows.append(
            {
                "code": f"DX{index:02d}",
                "name": name,
                "kind": "qualitative",
                "level1": "",
                "level2": "",
                "group": "定性指标·定性指标的构成",
                "sector": "",
                "definition": definition,
                "formula": QUALITATIVE_METHOD,
                "unit": "",
                "direction": "qualitative",
                "weight": None,
                "subject_kinds": [],
                "reference_values": "",
            }
        )
    for index, (name, weight, factor, placement) in enumerate(QUALITATIVE_WEIGHTED, start=1):
        level1, level2 = P[placement]
        definition = next(d for n, d in QUALITATIVE_FACTORS if n == factor)
        rows.append(
            {
                "code": f"DX-QZ-{index:02d}",
                "name": name,
                "kind": "qualitative",
                "level1": level1,
                "level2": level2,
                "group": "定性指标·定性指标权重",
                "sector": "",
                "definition": f"评议“{factor}”：{definition}",
                "formula": QUALITATIVE_FORMULA,
                "unit": "分",
                "direction": "qualitative",
                "weight": weight,
                "subject_kinds": [],
                "reference_values": f"权数 {weight}（定性指标权数总计 100）。{SCORING_NOTE}",
            }
        )
    return rows


INDICATORS: list[dict] = _build()

SECTOR_LABELS = {code: family for code, family, _intro, _items in FAMILIES}
SECTOR_INTROS = {code: intro for code, _family, intro, _items in FAMILIES}


def search_text(row: dict) -> str:
    """The text searched by the library's q filter (mirrors Indicator.build_search_text)."""
    parts = [
        row["code"],
        row["name"],
        row["group"],
        row["definition"],
        row["formula"],
        SECTOR_LABELS.get(row["sector"], ""),
        row["reference_values"],
    ]
    return " ".join(p for p in parts if p)

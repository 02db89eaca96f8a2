"""The layout of the 项目绩效目标申报表 (《长治市预算绩效管理办法》附件1) as an Excel worksheet: the labels,
columns and rows that ``xlsx_write`` writes and ``xlsx_read`` looks for, the accepted spellings, the styles
(A4, borders, 宋体), and the order of the indicators (also used by the Word form, ``word``)."""

from __future__ import annotations

from openpyxl.styles import Alignment, Border, Font, PatternFill, Side

from targets.choices import LEVEL2_OF, Comparator, Horizon, Level1, Level2
from targets.models import TargetIndicator

TITLE = "项目绩效目标申报表"
NOTES_SHEET = "填写说明"
FONT = "宋体"
COLUMNS = 10  # A–J
WIDTHS = [14, 15, 26, 8, 12, 15, 7, 16, 11, 12]
MIN_SCHEDULE_ROWS = 3  # blank rows offered for the 实施进度计划 when there is none

# Labels of the information block: column A (value B–E) and column F (value G–J).
CODE, YEAR, SERVES, BUYS = "项目编码", "预算年度", "有服务对象", "资金用于购买产出"
GOAL_LABELS = {
    "长期目标": "long_term_goal",
    "年度目标": "annual_goal",
    "组织保障措施": "measure_organisation",
    "制度保障措施": "measure_rules",
    "工作计划": "measure_plan",
}
SCHEDULE_TITLE = "实施进度计划"
SCHEDULE_HEADERS = ["序号", "实施内容", "开始时间", "完成时间"]
SCHEDULE_COLUMNS = {"stage": 2, "start": 7, "finish": 9}  # 1-based first column of each merged cell
HORIZON_TITLES = {"长期绩效指标": Horizon.LONG_TERM, "年度绩效指标": Horizon.ANNUAL}
# The sections of 附件1, in the paper's order (the goals, schedule and indicator tables come between 资金情况 and 评价情况).
BASICS_TITLE = "支出基本情况"
PROJECT_TITLE = "支出立项情况"
FUNDS_TITLE = "资金情况（万元）"
EVALUATION_TITLE = "评价情况"
OPINIONS_TITLE = "审核意见"
# Rows of column A where the reading of a table stops (the sections after the indicator tables).
STOP_LABELS = {EVALUATION_TITLE, OPINIONS_TITLE}
BUDGET_TITLE = "支出明细预算"
BUDGET_HEADERS = ["序号", "支出名称", "上年度资金", "本年度申请资金", "测算依据及说明"]
BUDGET_COLUMNS = {"name": 2, "previous_amount": 4, "requested_amount": 6, "basis": 8}  # first column of each cell
FUND_TITLE = "资金来源计划"
FUND_HEADERS = ["资金来源", "上年度资金", "本年度申请资金", "本年度实际安排资金（由财政部门填）"]
PRIOR_TITLE = "以前年度绩效评价情况"
PRIOR_HEADERS = ["年度（前三年）", "单位自评等级", "市财政局审核等级", "重点评价等级（专家评定）"]
PRIOR_COLUMNS = {"year": 1, "self": 2, "review": 5, "key": 8}
SELF_EVALUATION = "本年度自评计划"
OTHER_NOTES = "其他需要说明的情况"
MIN_BUDGET_ROWS = 3  # blank rows offered for the 支出明细预算 when there is none
INDICATOR_HEADERS = [
    "一级指标",
    "二级指标",
    "三级指标",
    "指标性质",
    "指标值",
    "计量单位",
    "分值",
    "数据来源",
    "设定依据",
    "上年实际值",
]
INDICATOR_KEYS = [
    "level1",
    "level2",
    "name",
    "comparator",
    "target_value",
    "unit",
    "weight",
    "data_source",
    "standard",
    "last_year_actual",
]
TOTAL_LABEL = "合计"
FOOTER = "填报单位负责人（签名）："
COMPARATOR_TEXT = {
    "≥": Comparator.GE,
    ">=": Comparator.GE,
    "≤": Comparator.LE,
    "<=": Comparator.LE,
    "=": Comparator.EQ,
    "==": Comparator.EQ,
    "定性": Comparator.QUALITATIVE,
}
# Older printings of 附件1 name two level-2 indicators differently; both spellings are accepted.
LEVEL2_ALIASES = {(Level1.OUTPUT, "成本指标"): Level2.OUTPUT_COST, (Level1.EFFECT, "环境效益指标"): Level2.ECO_BENEFIT}

THIN = Side(style="thin", color="000000")
BORDER = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)
SECTION_FILL = PatternFill("solid", fgColor="E7EEF7")
WRAP = Alignment(wrap_text=True, vertical="center")
CENTER = Alignment(wrap_text=True, vertical="center", horizontal="center")


def font(bold: bool = False, size: float = 10.5) -> Font:
    return Font(name=FONT, size=size, bold=bold)


def ordered_indicators(sheet) -> dict[str, list[TargetIndicator]]:
    """The sheet's indicators by horizon (长期 first, as in 附件1), each in level-1/level-2 order."""
    level1_rank = {l1: n for n, l1 in enumerate(LEVEL2_OF)}
    level2_rank = {l2: n for l2s in LEVEL2_OF.values() for n, l2 in enumerate(l2s)}
    rows = sorted(
        sheet.indicators.all(),
        key=lambda i: (level1_rank.get(i.level1, 9), level2_rank.get(i.level2, 9), i.order, i.pk),
    )
    return {h: [i for i in rows if i.horizon == h] for h in (Horizon.LONG_TERM, Horizon.ANNUAL)}

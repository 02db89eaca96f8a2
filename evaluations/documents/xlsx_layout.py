"""The 项目支出绩效自评表 (*practice*: the self-evaluation sheet of 财预〔2020〕10号 as deployed) as one worksheet: the
labels ``xlsx_write`` writes and ``xlsx_read`` looks for, the indicator table's columns, which of them the unit may type,
and the hidden key column that ties a file to its form, its version and its rows. Styles are the target sheet's
(``targets.documents.xlsx_layout``: 宋体, thin borders, wrapped text)."""

from __future__ import annotations

from evaluations.choices import Band, FourE

TITLE = "项目支出绩效自评表"
SHEET_TITLE = "绩效自评表"
NOTES_SHEET = "填写说明"

# The indicator table, A–O; P is the hidden key column.
COLUMNS = 15
KEY_COLUMN = 16
HEADERS = [
    "一级指标",
    "二级指标",
    "三级指标",
    "指标性质",
    "年度指标值",
    "计量单位",
    "分值",
    "全年实际值",
    "是否适用",
    "已开展满意度调查",
    "评价档次",
    "档次内得分比例（%）",
    "得分",
    "偏差原因",
    "改进措施",
]
WIDTHS = [10, 12, 20, 8, 11, 8, 7, 12, 8, 9, 12, 10, 8, 22, 22]
ACTUAL, APPLICABLE, SURVEYED, BAND, SHARE, SCORE, REASON, IMPROVEMENT = 8, 9, 10, 11, 12, 13, 14, 15
# The cells of a row the unit may type (column → field of SelfEvaluationIndicator); J only on a satisfaction row,
# K and L only on a qualitative one.
ROW_FIELDS = {
    ACTUAL: "actual",
    APPLICABLE: "applicable",
    SURVEYED: "surveyed",
    BAND: "band",
    SHARE: "share",
    REASON: "deviation_reason",
    IMPROVEMENT: "improvement",
}

# Labels in column A (found by label on reading, so rows may be inserted above them).
EXECUTION_TITLE = "预算执行情况（金额单位：元）"
EXECUTION_LABEL = "年度资金总额"
GOAL_TITLE = "年度总体目标"
GOAL_HEADERS = ("预期目标", "实际完成情况")
GOAL_SPLIT = 7  # 预期目标 A–G, 实际完成情况 H–O
INDICATORS_TITLE = "绩效指标"
TOTAL_LABEL = "绩效指标合计"
SCORE_LABEL = "自评得分（预算执行率得分＋绩效指标得分）"
FOUR_E_SCORE_LABEL = "自评得分（经济性＋效率性＋有效性＋公平性）"
GRADE_LABEL = "自评等级"
# The narrative rows below the totals (the 绩效报告 outline of seed 003 附件4, in its order; 年度总体目标完成情况 is the
# goal block's 实际完成情况): label in A–B, the text in C–O.
NARRATIVE = {
    "项目主要内容": "main_content",
    "目标、计划调整情况及采取的措施": "plan_adjustment",
    "项目管理制度及执行情况": "management",
    "资金超支（节约）原因": "variance_reason",
    "项目实施对社会的影响及效益": "social_impact",
    "项目实施的经验": "experience",
    "存在的问题和原因": "problems",
    "改进措施和结果应用": "measures",
}
FOOTER = "填报单位负责人（签名）："

KEY_PREFIX = "自评表#"  # P1: the form's key; P2: the version downloaded; each indicator row: its row id
KEY_HEADER = "行标识"

YES, NO = "是", "否"
BAND_LABELS = [str(label) for label in Band.labels]

# A 4E form (a purchased service scored by the 4E scheme, seed 002 六（二）) has one more column in its indicator table,
# after the hidden key: each row's 4E dimension (Q), typed by its Chinese name; other forms have no Q.
DIMENSION = 17
DIMENSION_HEADER = "4E 维度"
DIMENSION_WIDTH = 10
DIMENSION_LABELS = [str(label) for label in FourE.labels]
FOUR_E_SCORES_LABEL = "其中：4E 各维度得分"

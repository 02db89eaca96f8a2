"""The vocabularies of performance evaluation (绩效评价)."""

from django.db import models


class SchemeKind(models.TextChoices):
    """Which scoring scheme a version belongs to; each kind is its own line of versions (core/versioning.py)."""

    NATIONAL = "national", "单位自评（执行率 10 分 + 绩效指标 90 分）"
    COMPOSITE = "composite", "综合评价（定量 70 分 + 定性 30 分 + 加分）"
    FOUR_E = "four_e", "政府购买服务 4E 评价（经济性、效率性、有效性、公平性）"


class IndicatorKind(models.TextChoices):
    """How an indicator is compared with its target (the 指标值 sign on the approved target sheet)."""

    POSITIVE = "positive", "正向指标（≥）"
    NEGATIVE = "negative", "反向指标（≤）"
    EXACT = "exact", "等于（=）"
    QUALITATIVE = "qualitative", "定性指标"


class Dimension(models.TextChoices):
    """The first-level indicators of the self-evaluation sheet (*practice*, 财预〔2020〕10号)."""

    OUTPUT = "output", "产出指标"
    EFFECT = "effect", "效益指标"
    SATISFACTION = "satisfaction", "满意度指标"


class FourE(models.TextChoices):
    """The four dimensions of a purchased service's evaluation (seed 002 六（二）: 经济性、效率性、有效性和公平性)."""

    ECONOMY = "economy", "经济性"
    EFFICIENCY = "efficiency", "效率性"
    EFFECTIVENESS = "effectiveness", "有效性"
    EQUITY = "equity", "公平性"


class Band(models.TextChoices):
    """The three bands of a qualitative indicator (*practice*, the notes under the 10号 self-evaluation sheet)."""

    ACHIEVED = "achieved", "达成"
    PARTLY = "partly", "部分达成并具有一定效果"
    NOT_ACHIEVED = "not_achieved", "未达成且效果较差"


class Rounding(models.TextChoices):
    """How an indicator's score is rounded to two places (once, at the end of the indicator)."""

    HALF_UP = "ROUND_HALF_UP", "四舍五入"
    HALF_EVEN = "ROUND_HALF_EVEN", "四舍六入五成双"
    DOWN = "ROUND_DOWN", "截尾（舍去）"


class Status(models.TextChoices):
    """What became of one scored item."""

    SCORED = "scored", "已计分"
    NOT_APPLICABLE = "not_applicable", "不适用（不计分，其余按比例折算）"
    MISSING = "missing", "缺少数据（暂计 0 分）"
    INVALID = "invalid", "数据有误（未计分）"


# --- self-evaluation (单位自评) -------------------------------------------------------------------------------------


class RoundStatus(models.TextChoices):
    """A self-evaluation round: its forms are being created (in the background), it is open, or it is over."""

    OPENING = "opening", "生成中"
    OPEN = "open", "进行中"
    CLOSED = "closed", "已结束"


class EvaluationStage(models.TextChoices):
    """Which evaluation of a subject's life a form is (seed 000 第二十二条; seed 003 第二十七条: a cross-year subject is
    evaluated by stage each year and over its whole cycle when it ends)."""

    ANNUAL = "annual", "年度自评"
    STAGE = "stage", "阶段性自评"
    FULL_CYCLE = "full_cycle", "全周期自评"


class FormKind(models.TextChoices):
    """What a self-evaluation form covers (seed 001 第二十条（一）（二）; second document 第二十条（二）)."""

    PROJECT = "project", "项目（政策）自评"
    DEPARTMENT_OVERALL = "department_overall", "部门整体支出自评"
    TRANSFER = "transfer", "转移支付自评"
    PURCHASED_SERVICE = "purchased_service", "政府购买服务自评"
    TOWN = "town", "涉农整合资金镇办综合评价"


class LeftOutReason(models.TextChoices):
    """Why a funded subject of the year has no form in a round, or what its form lacks (``NO_TARGETS``: included,
    execution only)."""

    OTHER_REGION = "other_region", "属下级区划，由该区划财政部门组织自评"
    TRANSFER_NOT_LISTED = "transfer_not_listed", "转移支付项目未列入主管部门与财政商定的自评清单"
    NO_TARGETS = "no_targets", "已纳入，但没有批复的本年度绩效目标，只评价预算执行"
    NO_INDICATORS = "no_indicators", "已纳入，但批复的绩效目标没有年度指标"
    PER_TOWN = "per_town", "涉农整合资金切块下达，以镇办为单位开展综合绩效评价，不对具体项目评价"
    NO_TOWNS = "no_towns", "涉农整合资金未分解区域绩效目标，无法按镇办评价"


# --- spot re-check (抽查复核) ---------------------------------------------------------------------------------------


class SampleMethod(models.TextChoices):
    STRATIFIED = "stratified", "分层抽样（各部门按金额分层，必含金额最大的项目）"
    RISK = "risk", "风险导向抽样（自评高而执行低、以往自评偏高的部门优先）"


class RecheckStatus(models.TextChoices):
    PENDING = "pending", "待复核"
    SUBMITTED = "submitted", "已复核"

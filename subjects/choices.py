"""The vocabularies of the project library (issue "Subjects and the project library")."""

from __future__ import annotations

from django.db import models


class SubjectKind(models.TextChoices):
    PROJECT = "project", "项目"
    POLICY = "policy", "政策"
    DEPARTMENT_OVERALL = "department_overall", "部门整体支出"
    TRANSFER_OVERALL = "transfer_overall", "转移支付（整体）"
    TRANSFER_REGIONAL = "transfer_regional", "转移支付（区域）"
    TRANSFER_PROJECT = "transfer_project", "转移支付（项目）"
    PURCHASED_SERVICE = "purchased_service", "政府购买服务"


class ExpenseType(models.TextChoices):
    """支出类型 of seed 003 附件1 (填表说明 二（二）7): 基本支出, 项目支出, 部门整体支出."""

    BASIC = "basic", "基本支出"
    PROJECT = "project", "项目支出"
    DEPARTMENT = "department", "部门整体支出"


class Duration(models.TextChoices):
    ONE_OFF = "one_off", "一次性"
    CONTINUING = "continuing", "延续性"


class BudgetKind(models.TextChoices):
    GENERAL = "general", "一般公共预算"
    FUND = "fund", "政府性基金预算"
    STATE_CAPITAL = "state_capital", "国有资本经营预算"
    SOCIAL_INSURANCE = "social_insurance", "社会保险基金预算"


class FundSource(models.TextChoices):
    LOCAL = "local", "本级"
    UPPER_TRANSFER = "upper_transfer", "上级转移支付"
    SPECIAL = "special", "专项资金"
    LINKAGE = "linkage", "衔接资金"
    BOND = "bond", "政府债券"
    PPP = "ppp", "PPP"
    # 转移支付办法 第二十八条: 涉农等整合资金切块下达部分……以镇办为单位开展综合绩效评价 (evaluations.roster)
    INTEGRATED_AGRI = "integrated_agri", "涉农整合资金（切块下达）"


class Category(models.TextChoices):
    """项目支出类型 of seed 003 附件1 (项目绩效目标申报表)."""

    ECONOMIC = "economic", "经济建设类"
    ADMINISTRATIVE = "administrative", "行政事业发展类"
    OTHER_SPECIAL = "other_special", "其他专项类"


class SubCategory(models.TextChoices):
    NEW_BUILD = "new_build", "新建"
    EXPANSION = "expansion", "扩建"
    RENOVATION = "renovation", "改建"
    PURCHASE = "purchase", "购置"
    MAINTENANCE = "maintenance", "维修（护）"
    MEETING_TRAINING = "meeting_training", "会议（培训）"
    SPECIAL_BUSINESS = "special_business", "专项业务"
    AWARD_SUBSIDY = "award_subsidy", "奖励补贴"
    OTHER = "other", "其他"


# seed 003 附件1: "1.经济建设类 其中：新建 扩建 改建; 2.行政事业发展类 其中：购置 维修（护）会议（培训）;
# 3.其他专项类 其中：专项业务 奖励补贴 其他".
SUB_CATEGORIES: dict[str, tuple[str, ...]] = {
    Category.ECONOMIC: (SubCategory.NEW_BUILD, SubCategory.EXPANSION, SubCategory.RENOVATION),
    Category.ADMINISTRATIVE: (SubCategory.PURCHASE, SubCategory.MAINTENANCE, SubCategory.MEETING_TRAINING),
    Category.OTHER_SPECIAL: (SubCategory.SPECIAL_BUSINESS, SubCategory.AWARD_SUBSIDY, SubCategory.OTHER),
}


class LibraryStage(models.TextChoices):
    """Where a subject stands in the library once the review chain is behind it."""

    PENDING = "pending", "申报中"
    ADMITTED = "admitted", "已入库"
    FUNDED = "funded", "已安排预算"
    EXECUTING = "executing", "执行中"
    COMPLETED = "completed", "已完成"
    TERMINATED = "terminated", "已终止"


class AttachmentKind(models.TextChoices):
    BASIS = "basis", "立项依据"
    FEASIBILITY = "feasibility", "可行性研究报告"
    CONTRACT = "contract", "合同"
    OTHER = "other", "其他"

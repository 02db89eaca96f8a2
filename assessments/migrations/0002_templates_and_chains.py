"""The first versions of both assessment templates and the two review chains, as data.

Templates (the weights of each sum to 100; thresholds 80 / 60 are *practice* defaults, configurable
per version):
- 政府购买服务事前绩效评估: the four dimensions of seed 000 第十条, each with the sub-points its text names
  ((一)必要性 (二)可行性 (三)经济性 (四)合理性);
- 政策和项目事前绩效评估（通用）: the five dimensions of seed 001 第八条 (and 第十条 of its second document,
  for transfer payments): 立项必要性, 投入经济性, 绩效目标合理性, 实施方案可行性, 筹资合规性. The seed names
  the dimensions only; the sub-points are *practice* and marked so in their guidance.

Chains: the department's assessment 评估填报 (主管部门) → 财政业务科室审核 → 预算绩效管理科审核;
the third party's (seed 000 第十一条, seed 001 第十条) 评估填报 (第三方机构) → 预算绩效管理科审核.
"""

from datetime import date
from decimal import Decimal

from django.db import migrations

from workflow.migration_helpers import create_default_chain

S000_10 = "《政府购买服务预算绩效管理暂行办法》第十条：开展新增项目事前绩效评价，主要评估申请政府购买服务资金的必要性、可行性、经济性、合理性，评估结果作为项目入库和申请预算的必备条件。"
NEED = "《政府购买服务预算绩效管理暂行办法》第十条（一）必要性：以政府购买服务指导性目录为依据，考察购买行为是否符合国家和地区经济社会发展规划目标，且在部门职责范围、负面清单外。"
FEAS = "《政府购买服务预算绩效管理暂行办法》第十条（二）可行性：考察采购方式选择、管理制度落实、合同条款内容的可操作性。"
ECON = "《政府购买服务预算绩效管理暂行办法》第十条（三）经济性：考察购买内容是否适宜采取市场化方式实施，并有利于优化各类资源配置，综合服务成本计算是否与市场价格相符。"
REAS = "《政府购买服务预算绩效管理暂行办法》第十条（四）合理性：考察服务目标设定与服务产出数量一致性，服务预期与成本效益是否相匹配，是否具备预期满意度的基本要素条件。"

PURCHASED_SERVICE = [
    ("必要性", "符合政府购买服务指导性目录", 8, f"{NEED}\n评分：购买内容属于指导性目录得满分；目录依据不充分的酌情扣分；不属于目录的不得分。"),
    ("必要性", "符合经济社会发展规划目标", 9, f"{NEED}\n评分：购买行为与国家和地区经济社会发展规划目标的契合程度。"),
    ("必要性", "属于部门职责范围且在负面清单外", 8, f"{NEED}\n评分：在部门职责范围内且不属于负面清单事项得满分；属于负面清单事项的本项不得分。"),
    ("可行性", "采购方式选择", 8, f"{FEAS}\n评分：采购方式是否合规、与服务特点相适应。"),
    ("可行性", "管理制度落实", 8, f"{FEAS}\n评分：购买主体内部管理、履约验收、资金管理等制度是否健全并可落实。"),
    ("可行性", "合同条款内容的可操作性", 9, f"{FEAS}\n评分：服务内容、数量、质量标准、付款和违约条款是否明确、可执行。"),
    ("经济性", "适宜采取市场化方式实施", 8, f"{ECON}\n评分：市场上是否有足够的承接主体，由市场提供是否比直接提供更有效。"),
    ("经济性", "有利于优化资源配置", 8, f"{ECON}\n评分：购买服务对优化各类资源配置的作用。"),
    ("经济性", "综合服务成本与市场价格相符", 9, f"{ECON}\n评分：成本测算依据是否充分，与同类服务市场价格相比是否合理。"),
    ("合理性", "服务目标与服务产出数量一致", 8, f"{REAS}\n评分：绩效目标是否与计划产出数量相对应。"),
    ("合理性", "服务预期与成本效益相匹配", 9, f"{REAS}\n评分：预期效果与投入成本是否相称。"),
    ("合理性", "具备预期满意度的基本要素条件", 8, f"{REAS}\n评分：服务对象是否明确、满意度调查是否具备开展条件。"),
]

S001_8 = "《部门单位预算绩效管理办法》第八条：事前绩效评估管理是指对政策和项目预算设立必要性、投入经济性、绩效目标合理性、实施方案可行性、筹资合规性等进行论证评估，以提高决策的科学性和精准性。"
PRACTICE = "（评估要点及分值为实践口径，可由预算绩效管理科修改为新版本）"

GENERAL = [
    ("立项必要性", "立项依据充分", 10, f"{S001_8}\n考察：项目立项是否有明确的政策依据，是否符合国家和地区经济社会发展规划。{PRACTICE}"),
    ("立项必要性", "现实需求与公共属性", 8, f"{S001_8}\n考察：所要解决的问题是否真实、紧迫，是否属于公共财政支持范围。{PRACTICE}"),
    ("立项必要性", "与部门职责相符、不重复", 7, f"{S001_8}\n考察：是否属于部门职责范围，与已有项目是否交叉重复。{PRACTICE}"),
    ("投入经济性", "投入成本测算合理", 10, f"{S001_8}\n考察：预算编制依据、标准是否充分，成本测算是否细化、与市场价格相符。{PRACTICE}"),
    ("投入经济性", "成本控制措施", 10, f"{S001_8}\n考察：是否有可行的成本控制措施，投入产出比是否合理。{PRACTICE}"),
    ("绩效目标合理性", "绩效目标与需求相关", 10, f"{S001_8}\n考察：绩效目标是否与立项目的、实际需求和预算规模相匹配。{PRACTICE}"),
    ("绩效目标合理性", "绩效指标明确可衡量", 10, f"{S001_8}\n考察：指标是否细化、量化，指标值是否有依据、可实现、可考核。{PRACTICE}"),
    ("实施方案可行性", "实施方案完整可行", 10, f"{S001_8}\n考察：实施内容、进度安排、技术路线是否明确可行。{PRACTICE}"),
    ("实施方案可行性", "组织和制度保障", 10, f"{S001_8}\n考察：组织机构、管理制度、风险应对措施是否健全。{PRACTICE}"),
    ("筹资合规性", "资金来源合规", 8, f"{S001_8}\n考察：资金来源渠道是否合法合规，政府投入方式是否恰当。{PRACTICE}"),
    ("筹资合规性", "财政承受能力与筹资保障", 7, f"{S001_8}\n考察：是否与财政承受能力相适应，其他资金来源是否落实。{PRACTICE}"),
]

TEMPLATES = [
    ("purchased_service", "政府购买服务事前绩效评估", "purchased_service",
     S000_10 + "\n第十一条：财政部门可以根据工作需要，直接开展或委托第三方机构独立开展政府购买服务事前绩效评估。", PURCHASED_SERVICE),
    ("general", "政策和项目事前绩效评估（通用）", "general",
     S001_8 + "\n第九条：事前绩效评估是申请预算的必备要件，未开展绩效评估或绩效评估结果差的政策和项目不得列入中期财政规划和年度预算，相关项目不得纳入项目库。",
     GENERAL),
]

CHAINS = [
    ("assessments.assessment", "事前绩效评估审核流程", [
        (0, "评估填报", "dept_reviewer", None),
        (1, "财政业务科室审核", "finance_desk", 5),
        (2, "预算绩效管理科审核", "performance_section", 5),
    ]),
    ("assessments.assessment.third_party", "第三方事前绩效评估审核流程", [
        (0, "评估填报", "agency", 15),
        (1, "预算绩效管理科审核", "performance_section", 5),
    ]),
]


def load(apps, schema_editor):
    Template = apps.get_model("assessments", "AssessmentTemplate")
    Point = apps.get_model("assessments", "TemplatePoint")
    for code, name, applies_to, basis, points in TEMPLATES:
        assert sum(p[2] for p in points) == 100, code
        if Template.objects.filter(code=code).exists():
            continue
        template = Template.objects.create(code=code, name=name, applies_to=applies_to, version=1, is_active=True,
                                           effective_from=date(2020, 1, 1), support_min=Decimal("80"),
                                           improve_min=Decimal("60"), basis=basis)
        for order, (dimension, point, weight, guidance) in enumerate(points, start=1):
            Point.objects.create(template=template, order=order, dimension=dimension, name=point,
                                 weight=Decimal(weight), guidance=guidance)
    for document_type, name, steps in CHAINS:
        create_default_chain(apps, document_type, name, steps)


class Migration(migrations.Migration):
    dependencies = [("assessments", "0001_initial"), ("workflow", "0001_initial")]
    operations = [migrations.RunPython(load, migrations.RunPython.noop)]

"""Defaults as data: the review chain of the monitoring table (seed 004 三(六) 《绩效目标执行监控表》; seed 000
第十八条: 购买主体监控、主管部门监督、财政部门财政监督) — 单位填报 → 单位负责人 → 主管部门审核 → 财政业务科室审核 —
and the first version of each warning rule (seed 003 第十九条 绩效预警; the numbers are *practice*, DOMAIN.md)."""

from django.db import migrations

from workflow.migration_helpers import create_default_chain

STEPS = [
    (0, "单位填报", "unit_preparer", None),
    (1, "单位负责人审核", "unit_head", 3),
    (2, "主管部门审核", "dept_reviewer", 5),
    (3, "财政业务科室审核", "finance_desk", 5),
]

BASIS = "《长治市预算绩效管理办法》第十九条（二）"
# (code, name, kind, params, basis)
RULES = [
    ("execution_red", "预算执行进度红灯", "execution_light", {"lights": ["red"]},
     f"{BASIS}：财政部门实时监控资金拨付、使用等动态信息，发现预算执行可能与绩效目标发生偏离时提出绩效预警"),
    ("execution_yellow", "预算执行进度黄灯", "execution_light", {"lights": ["yellow"]}, BASIS),
    ("indicator_not_met", "绩效指标预计不能完成", "indicator_not_met", {},
     "《长治市预算绩效管理办法》第十八条（一）：绩效目标预期完成情况"),
    ("deviation_unexplained", "偏差未说明原因或纠偏措施", "deviation_unexplained", {},
     "《张掖市市级政府购买服务预算绩效管理暂行办法》第十七条：发现问题要分析原因并及时纠偏"),
    ("midyear_low_payment", "年中支付进度过低", "low_payment", {"month": 6, "day": 30, "rate_below": "0.10"},
     f"{BASIS}；年中（6 月 30 日）预算执行率低于 10% 视为基本未支付"),
    ("indicator_red", "绩效指标红灯", "indicator_light", {"lights": ["red"]},
     "《长治市预算绩效管理办法》第十八条（一）、第十九条"),
]


def load(apps, schema_editor):
    create_default_chain(apps, "monitoring.monitoringtable", "绩效目标执行监控表审核流程", STEPS)
    WarningRule = apps.get_model("monitoring", "WarningRule")
    for code, name, kind, params, basis in RULES:
        if not WarningRule.objects.filter(code=code).exists():
            WarningRule.objects.create(code=code, version=1, name=name, kind=kind, params=params, basis=basis,
                                       is_active=True, is_current=True)


class Migration(migrations.Migration):
    dependencies = [("monitoring", "0002_tables_warnings_reply"), ("workflow", "0001_initial")]

    operations = [migrations.RunPython(load, migrations.RunPython.noop)]

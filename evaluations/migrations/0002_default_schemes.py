"""Version 1 of both default evaluation schemes, in force from the start (ADR 0017: a business date before the
migration ran must find them). The numbers are written out here, not imported, so the migration never changes.

* national self-evaluation (*practice* of 财预〔2020〕10号; grades seed 000 第二十八条)
* composite scheme of seed 003 附件2 第三部分
"""

import datetime

from django.db import migrations

START = datetime.date(2000, 1, 1)
BANDS = [
    {"band": "achieved", "low": "80", "high": "100"},
    {"band": "partly", "low": "60", "high": "80"},
    {"band": "not_achieved", "low": "0", "high": "60"},
]
NATIONAL = {
    "kind": "national",
    "name": "项目支出绩效自评（全国通用）",
    "note": "预算执行率 10 分，绩效指标 90 分（产出 50、效益 30、满意度 10）；实践做法（财预〔2020〕10号自评表）",
    "grade_lines": [
        {"label": "优", "min": "90"},
        {"label": "良", "min": "80"},
        {"label": "中", "min": "60"},
        {"label": "差", "min": "0"},
    ],
    "qualitative_items": [],
}
COMPOSITE = {
    "kind": "composite",
    "name": "财政支出综合绩效评价（长治市指标手册）",
    "note": "定量 70 分（共性 40、个性 30），定性 30 分，加分 3–5 分；长财绩效〔2014〕1号 附件2 第三部分",
    "grade_lines": [
        {"label": "优（A）", "min": "85"},
        {"label": "良（B）", "min": "70"},
        {"label": "中（C）", "min": "60"},
        {"label": "低（D）", "min": "0"},
    ],
    "qualitative_items": [
        {"code": "efficiency", "label": "职能目标完成效率", "weight": "30"},
        {"code": "service", "label": "提供公共服务效能", "weight": "20"},
        {"code": "management", "label": "基础管理水平", "weight": "20"},
        {"code": "innovation", "label": "发展创新能力", "weight": "20"},
        {"code": "impact", "label": "对社会或环境影响程度", "weight": "10"},
    ],
}


def forwards(apps, schema_editor):
    Scheme = apps.get_model("evaluations", "EvaluationScheme")
    for values in (NATIONAL, COMPOSITE):
        if not Scheme.objects.filter(kind=values["kind"], region__isnull=True).exists():
            Scheme.objects.create(region=None, version=1, effective_from=START, bands=BANDS, **values)


def backwards(apps, schema_editor):
    Scheme = apps.get_model("evaluations", "EvaluationScheme")
    Scheme.objects.filter(region__isnull=True, version=1, effective_from=START).delete()


class Migration(migrations.Migration):
    dependencies = [("evaluations", "0001_initial")]
    operations = [migrations.RunPython(forwards, backwards)]

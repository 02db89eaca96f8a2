"""The 4E view of a purchased service's evaluation (seed 002 六（二）: 经济性、效率性、有效性、公平性) as a third scheme
kind: the points of each dimension as fields of every scheme version, and version 1 of the default 4E line, in force
from the start (ADR 0017). Seed 002 names the four dimensions but fixes no numbers: the split 20 / 25 / 35 / 20 is
*practice* (效率性 + 有效性 at 60 %, as the key evaluation's 产出 + 效益 ≥ 60 %) and a region changes it by cloning.
Grades are those of purchased services, seed 000 第二十八条. The numbers are written out here, not imported, so the
migration never changes."""

import datetime
from decimal import Decimal

import django.core.validators
from django.db import migrations, models

START = datetime.date(2000, 1, 1)
HELP = "政府购买服务 4E 评价的维度分值，四项合计 100 分；文件未规定具体分值，默认值为实践做法，可按区划调整"
FOUR_E = {
    "kind": "four_e",
    "name": "政府购买服务绩效评价（4E：经济性、效率性、有效性、公平性）",
    "note": (
        "指标分入经济性、效率性、有效性、公平性四个维度（绩溪县政府购买服务绩效管理办法解读 六（二））；"
        "维度分值 20、25、35、20 为实践做法，文件未规定，可按区划调整；等级 优≥90、良≥80、中≥60、差<60"
        "（张财综〔2025〕24号 第二十八条）"
    ),
    "grade_lines": [
        {"label": "优", "min": "90"},
        {"label": "良", "min": "80"},
        {"label": "中", "min": "60"},
        {"label": "差", "min": "0"},
    ],
    "bands": [
        {"band": "achieved", "low": "80", "high": "100"},
        {"band": "partly", "low": "60", "high": "80"},
        {"band": "not_achieved", "low": "0", "high": "60"},
    ],
    "qualitative_items": [],
    "economy_points": Decimal("20"),
    "efficiency_points": Decimal("25"),
    "effectiveness_points": Decimal("35"),
    "equity_points": Decimal("20"),
}


def points(label: str, default: str):
    return models.DecimalField(
        decimal_places=2,
        default=Decimal(default),
        help_text=HELP,
        max_digits=6,
        validators=[django.core.validators.MinValueValidator(Decimal("0"))],
        verbose_name=label,
    )


def forwards(apps, schema_editor):
    Scheme = apps.get_model("evaluations", "EvaluationScheme")
    if not Scheme.objects.filter(kind="four_e", region__isnull=True).exists():
        Scheme.objects.create(region=None, version=1, effective_from=START, **FOUR_E)


def backwards(apps, schema_editor):
    Scheme = apps.get_model("evaluations", "EvaluationScheme")
    Scheme.objects.filter(kind="four_e").delete()


class Migration(migrations.Migration):
    dependencies = [("evaluations", "0002_default_schemes")]

    operations = [
        migrations.AddField("evaluationscheme", "economy_points", points("经济性分值", "20")),
        migrations.AddField("evaluationscheme", "efficiency_points", points("效率性分值", "25")),
        migrations.AddField("evaluationscheme", "effectiveness_points", points("有效性分值", "35")),
        migrations.AddField("evaluationscheme", "equity_points", points("公平性分值", "20")),
        migrations.AlterField(
            model_name="evaluationscheme",
            name="kind",
            field=models.CharField(
                choices=[
                    ("national", "单位自评（执行率 10 分 + 绩效指标 90 分）"),
                    ("composite", "综合评价（定量 70 分 + 定性 30 分 + 加分）"),
                    ("four_e", "政府购买服务 4E 评价（经济性、效率性、有效性、公平性）"),
                ],
                max_length=20,
                verbose_name="评价方案类型",
            ),
        ),
        migrations.RunPython(forwards, backwards),
    ]

"""The handbook of seed 003 附件2 loaded into the library by the data migration."""

from decimal import Decimal

import pytest

from indicators import handbook
from indicators.choices import IndicatorKind, Sector
from indicators.filtersets import search_indicators
from indicators.models import Indicator

pytestmark = pytest.mark.django_db


def test_附件2_all_26_common_indicators_with_definition_and_formula():
    common = Indicator.objects.filter(kind=IndicatorKind.COMMON).order_by("code")
    assert [i.code for i in common] == [f"GX{n:02d}" for n in range(1, 27)]
    for indicator in common:
        assert indicator.definition.strip() and indicator.formula.strip(), indicator.code
        assert indicator.source == "seed 003 附件2"
    assert Indicator.objects.get(code="GX05").formula == "目标完成率=实际完成数/预定目标数×100%"
    assert Indicator.objects.get(code="GX12").formula == "资金到位率=实际拨付金额/计划投入资金×100%"
    assert Indicator.objects.get(code="GX26").name == "固定资产利用率"
    assert Indicator.objects.get(code="GX05").level1 == "产出"


def test_附件2_nine_sector_families_with_indicators_and_formulas():
    assert len(Sector.values) == 9
    for sector in Sector.values:
        family = Indicator.objects.filter(kind=IndicatorKind.SECTOR, sector=sector)
        assert family.count() >= 4, sector
        assert family.exclude(formula="").exists(), sector
        assert all(i.code.startswith(f"HY-{sector}-") for i in family)
    assert Indicator.objects.filter(sector="NY").count() == 14
    assert Indicator.objects.get(name="师生比", sector="JY").formula == "师生比=学生总数/教师总数"
    assert Indicator.objects.get(code="HY-JY-01").name == "财政投入乘数"


def test_附件2_qualitative_indicators_with_weights():
    weighted = Indicator.objects.filter(kind=IndicatorKind.QUALITATIVE, weight__isnull=False)
    assert {i.name: i.weight for i in weighted} == {
        "职能目标完成效率": Decimal(30),
        "提供公共服务效能": Decimal(20),
        "基础管理水平": Decimal(20),
        "发展创新能力": Decimal(20),
        "对社会或环境影响程度": Decimal(10),
    }
    assert sum(i.weight for i in weighted) == 100
    factors = Indicator.objects.filter(kind=IndicatorKind.QUALITATIVE, weight__isnull=True)
    assert factors.count() == 6 and all(f.definition for f in factors)


def test_handbook_module_matches_the_library():
    assert Indicator.objects.filter(source="seed 003 附件2").count() == len(handbook.INDICATORS)


def test_chinese_search_finds_by_a_word_of_the_definition():
    found = search_indicators(Indicator.objects.all(), "验收机构的权威性")
    assert [i.code for i in found] == ["GX08"]
    found = search_indicators(Indicator.objects.all(), "教育 毕业生")
    assert {i.name for i in found} >= {"连续三年平均毕业生一次就业率"}
    assert not search_indicators(Indicator.objects.all(), "不存在的词语甲乙丙").exists()


def test_search_text_kept_on_save():
    indicator = Indicator.objects.get(code="GX01")
    indicator.definition = "新增的解释文字绩效甲"
    indicator.save()
    assert search_indicators(Indicator.objects.all(), "绩效甲").get() == indicator

"""Evaluation schemes as versioned data (core/versioning.py, ADR 0019): both defaults exist from the start, a region
clones one and changes weights, bands and grade lines, the version in use is never edited in place, and a scheme
whose numbers do not add up is refused with a Chinese message naming the field."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from audit.models import AuditEntry
from core.versioning import in_force
from evaluations.actions import clone_scheme
from evaluations.choices import SchemeKind
from evaluations.models import EvaluationScheme
from evaluations.rules import COMPOSITE, NATIONAL
from evaluations.scoring import Indicator, grade, score_national
from organisations.choices import RegionLevel
from organisations.models import Region

pytestmark = pytest.mark.django_db

D = Decimal
DAY = datetime.date(2026, 9, 15)


def default(kind):
    return EvaluationScheme.objects.get(kind=kind, region__isnull=True, version=1)


@pytest.mark.parametrize("on", [datetime.date(2000, 1, 1), DAY])
def test_both_defaults_are_in_force_from_the_start(on):
    for kind in SchemeKind.values:
        assert in_force(EvaluationScheme, None, on, kind=kind) == default(kind)


def test_the_national_default_carries_the_practice_numbers():
    rules = default(SchemeKind.NATIONAL).rules()
    assert (rules.execution_points, rules.indicator_points) == (D("10"), D("90"))
    assert (rules.output_points, rules.effect_points, rules.satisfaction_points) == (D("50"), D("30"), D("10"))
    assert rules.grade_lines == NATIONAL.grade_lines  # seed 000 第二十八条
    assert rules.bands == NATIONAL.bands
    assert (rules.rounding, rules.deviation_threshold) == ("ROUND_HALF_UP", D("0.2"))


def test_the_composite_default_is_seed_003_attachment_2_part_3():
    rules = default(SchemeKind.COMPOSITE).rules()
    assert (rules.common_points, rules.sector_points, rules.qualitative_points) == (D("40"), D("30"), D("30"))
    assert [i.weight for i in rules.qualitative_items] == [D("30"), D("20"), D("20"), D("20"), D("10")]
    assert rules.qualitative_items == COMPOSITE.qualitative_items
    assert (rules.bonus_min, rules.bonus_max) == (D("3"), D("5"))
    assert rules.grade_lines == COMPOSITE.grade_lines


def test_defaults_are_valid():
    for kind in SchemeKind.values:
        default(kind).full_clean()


def county():
    return Region.objects.filter(level=RegionLevel.COUNTY).order_by("code").first()


def test_a_region_clones_a_scheme_and_the_old_version_is_untouched(persona):
    # Given the default national scheme and a county
    original = default(SchemeKind.NATIONAL)
    before = {f.attname: getattr(original, f.attname) for f in EvaluationScheme._meta.concrete_fields}
    region = county()
    # When the county publishes its own version: 产出 45 / 效益 35, 优 from 95, a narrower 达成 band
    mine = clone_scheme(
        original,
        region=region,
        effective_from=datetime.date(2026, 1, 1),
        user=persona("perf"),
        reason="本区自评方案",
        output_points=D("45"),
        effect_points=D("35"),
        grade_lines=[
            {"label": "优", "min": "95"},
            {"label": "良", "min": "80"},
            {"label": "中", "min": "60"},
            {"label": "差", "min": "0"},
        ],
        bands=[
            {"band": "achieved", "low": "90", "high": "100"},
            {"band": "partly", "low": "60", "high": "90"},
            {"band": "not_achieved", "low": "0", "high": "60"},
        ],
    )
    # Then it is the county's version 1, in force there and below, and the default line is unchanged elsewhere
    assert (mine.region, mine.version, mine.kind) == (region, 1, SchemeKind.NATIONAL)
    assert in_force(EvaluationScheme, region, DAY, kind=SchemeKind.NATIONAL) == mine
    assert in_force(EvaluationScheme, region, datetime.date(2025, 12, 31), kind=SchemeKind.NATIONAL) == original
    other = Region.objects.filter(level=RegionLevel.COUNTY).exclude(pk=region.pk).first()
    assert in_force(EvaluationScheme, other, DAY, kind=SchemeKind.NATIONAL) == original
    original.refresh_from_db()
    assert {f.attname: getattr(original, f.attname) for f in EvaluationScheme._meta.concrete_fields} == before
    # and the new numbers score: 91 is 良 under the county's lines, 优 under the default
    assert grade(D("91"), mine.rules()) == "良"
    assert grade(D("91"), original.rules()) == "优"
    entry = AuditEntry.objects.filter(object_type="evaluations.evaluationscheme").order_by("-pk").first()
    assert entry.object_id == str(mine.pk) and entry.reason == "本区自评方案"


def test_a_second_clone_is_the_next_version_of_the_regions_line(persona):
    first = clone_scheme(default(SchemeKind.COMPOSITE), region=county(), effective_from=DAY, bonus_max=D("4"))
    second = clone_scheme(first, region=county(), effective_from=DAY, bonus_max=D("5"))
    assert (first.version, second.version) == (1, 2)
    assert in_force(EvaluationScheme, county(), DAY, kind=SchemeKind.COMPOSITE) == second


def test_a_saved_version_is_never_edited_in_place():
    scheme = default(SchemeKind.NATIONAL)
    scheme.output_points = D("40")
    with pytest.raises(ValidationError, match="已保存的版本不能修改"):
        scheme.save()
    assert default(SchemeKind.NATIONAL).output_points == D("50")


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        (
            {"output_points": D("45")},
            "satisfaction_points",
            "“产出、效益、满意度指标分值”合计应等于绩效指标分值 90 分，现为 85 分",
        ),
        (
            {"execution_points": D("20")},
            "indicator_points",
            "“预算执行率分值”与“绩效指标分值”合计应为 100 分，现为 110 分",
        ),
        (
            {"grade_lines": [{"label": "优", "min": "80"}, {"label": "良", "min": "90"}, {"label": "差", "min": "0"}]},
            "grade_lines",
            "“等级分数线”须从高到低排列，且各不相同",
        ),
        ({"grade_lines": [{"label": "优"}]}, "grade_lines", "“等级分数线”格式有误"),
        (
            {
                "bands": [
                    {"band": "achieved", "low": "80", "high": "120"},
                    {"band": "partly", "low": "60", "high": "80"},
                    {"band": "not_achieved", "low": "0", "high": "60"},
                ]
            },
            "bands",
            "“定性指标档次”中“达成”的比例应在 0–100% 之间，且下限不高于上限",
        ),
        ({"deviation_threshold": D("0")}, "deviation_threshold", "“偏差阈值”应大于 0"),
    ],
)
def test_a_national_scheme_that_does_not_add_up_is_refused_naming_the_field(changes, field, message):
    count = EvaluationScheme.objects.count()
    with pytest.raises(ValidationError) as refused:
        clone_scheme(default(SchemeKind.NATIONAL), region=county(), effective_from=DAY, **changes)
    assert field in refused.value.message_dict
    assert any(message in text for text in refused.value.message_dict[field])
    assert EvaluationScheme.objects.count() == count


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        (
            {"common_points": D("45")},
            "qualitative_points",
            "“共性指标分值”“个性指标分值”与“定性指标分值”合计应为 100 分，现为 105 分",
        ),
        (
            {
                "qualitative_items": [
                    {"code": "a", "label": "职能目标完成效率", "weight": "60"},
                    {"code": "b", "label": "基础管理水平", "weight": "30"},
                ]
            },
            "qualitative_items",
            "“定性指标权数”合计应为 100，现为 90",
        ),
        ({"bonus_min": D("6")}, "bonus_max", "“加分上限”不能低于“加分下限”"),
    ],
)
def test_a_composite_scheme_that_does_not_add_up_is_refused_naming_the_field(changes, field, message):
    with pytest.raises(ValidationError) as refused:
        clone_scheme(default(SchemeKind.COMPOSITE), region=county(), effective_from=DAY, **changes)
    assert refused.value.message_dict[field] == [message]


def test_scoring_with_a_stored_version():
    indicators = [Indicator("甲", "positive", "60", "10", "9"), Indicator("乙", "negative", "30", "5", "5")]
    result = score_national("200", "150", indicators, default(SchemeKind.NATIONAL).rules())
    assert (result.total, result.grade) == (D("91.50"), "优")  # 7.50 + 54 + 30

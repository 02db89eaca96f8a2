"""The form of a new evaluation-scheme version (``evaluations.actions.publish_scheme``): the numbers of the scheme's
kind, the grade lines and qualitative items as lines of text, the three qualitative bands as six numbers. The form
only reads what was typed; whether the numbers add up is the model's ``clean()`` (``rules.problems``), so the page
and the API refuse the same things with the same message."""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

from django import forms

from core import clock
from evaluations.choices import Band, SchemeKind
from evaluations.models import EvaluationScheme
from evaluations.rules import fmt

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")

# The numbers of each kind, in the order the page shows them.
KIND_FIELDS = {
    SchemeKind.NATIONAL: [
        "execution_points",
        "indicator_points",
        "output_points",
        "effect_points",
        "satisfaction_points",
        "no_survey_scores_zero",
    ],
    SchemeKind.COMPOSITE: ["common_points", "sector_points", "qualitative_points", "bonus_min", "bonus_max"],
    SchemeKind.FOUR_E: [
        "economy_points",
        "efficiency_points",
        "effectiveness_points",
        "equity_points",
        "no_survey_scores_zero",
    ],
}
# What the points of each kind must add up to (``rules.problems``), said once above them.
POINTS_HINT = {
    SchemeKind.NATIONAL: "预算执行率分值 + 绩效指标分值 = 100；产出 + 效益 + 满意度指标分值 = 绩效指标分值",
    SchemeKind.COMPOSITE: "共性 + 个性 + 定性指标分值 = 100；定性指标权数合计 100；加分上限不低于下限",
    SchemeKind.FOUR_E: "经济性 + 效率性 + 有效性 + 公平性 = 100，每个维度大于 0。文件未规定各维度分值，"
    "默认的 20、25、35、20 为实践做法，可按本区划情况调整",
}
BAND_FIELDS = [(band, f"{band}_{end}") for band in Band.values for end in ("low", "high")]
# A model field whose problem the form shows on another field.
ERROR_FIELDS = {
    "grade_lines": "grade_lines_text",
    "qualitative_items": "qualitative_items_text",
    "deviation_threshold": "deviation_percent",
    "bands": "achieved_low",
}
SEPARATORS = re.compile(r"[\s,，:：≥>=]+")


class SchemeVersionForm(forms.Form):
    region = forms.ModelChoiceField(label="适用区划", queryset=None)
    effective_from = forms.DateField(
        label="生效日期", widget=DATE, help_text="从这一天起按新版本计分；已经生效的版本不能被追溯改变"
    )
    name = forms.CharField(label="方案名称", max_length=100)
    rounding = forms.ChoiceField(label="舍入规则")
    deviation_percent = forms.DecimalField(
        label="偏差阈值（%）",
        max_digits=8,
        decimal_places=2,
        help_text="实际值与指标值偏差超过此比例（不含本数）或未完成的，须说明原因和改进措施；20 即 20%",
    )
    grade_lines_text = forms.CharField(
        label="等级分数线",
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="每行一个等级，从高到低：等级名称、空格、最低分，如“优 90”；最低一级从 0 分起",
    )
    note = forms.CharField(
        label="修改说明",
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 2}),
        error_messages={"required": "请填写“修改说明”（记入审计日志）"},
    )

    def __init__(self, data=None, *, scheme: EvaluationScheme, regions, allow_default: bool):
        super().__init__(data)
        self.scheme = scheme
        rules = scheme.rules()
        region = self.fields["region"]
        region.queryset = regions
        region.required = not allow_default
        region.empty_label = "默认（所有区划）" if allow_default else None
        region.error_messages["invalid_choice"] = "所选区划不在您可以设置的范围内"
        self.fields["rounding"].choices = EvaluationScheme._meta.get_field("rounding").choices
        for name in KIND_FIELDS[scheme.kind]:
            self.fields[name] = EvaluationScheme._meta.get_field(name).formfield()
            if name.endswith("_points"):
                self.fields[name].help_text = ""  # the rule they obey is stated once, above them (POINTS_HINT)
        for band, name in BAND_FIELDS:
            end = "下限" if name.endswith("low") else "上限"
            self.fields[name] = forms.DecimalField(
                label=f"“{Band(band).label}”得分比例{end}（%）", max_digits=6, decimal_places=2
            )
        if scheme.kind == SchemeKind.COMPOSITE:
            self.fields["qualitative_items_text"] = forms.CharField(
                label="定性指标权数",
                widget=forms.Textarea(attrs={"rows": 5}),
                help_text="每行一项：代码、名称、权数，用空格分开，如“efficiency 职能目标完成效率 30”；权数合计 100",
            )
        self.order_fields(["region", "effective_from", "name", *KIND_FIELDS[scheme.kind]])
        for name, field in self.fields.items():  # every message names its field
            if field.required and name != "note":
                field.error_messages["required"] = f"请填写“{field.label}”"
            if isinstance(field, forms.DecimalField):
                field.error_messages["invalid"] = f"“{field.label}”应为数字，如 20 或 12.5"
            elif isinstance(field, forms.DateField):
                field.error_messages["invalid"] = f"“{field.label}”应为日期，如 2027-01-01"
        allowed = list(regions)
        self.initial = {
            "region": scheme.region if scheme.region in allowed else (allowed[0] if allowed else None),
            "effective_from": clock.today(),
            "name": scheme.name,
            "rounding": scheme.rounding,
            "deviation_percent": fmt(scheme.deviation_threshold * 100),
            "grade_lines_text": "\n".join(f"{line.label} {fmt(line.minimum)}" for line in rules.grade_lines),
            "qualitative_items_text": "\n".join(
                f"{item.code} {item.label} {fmt(item.weight)}" for item in rules.qualitative_items
            ),
            **{name: getattr(scheme, name) for name in KIND_FIELDS[scheme.kind]},
            **{f"{rule.band}_low": rule.low for rule in rules.bands},
            **{f"{rule.band}_high": rule.high for rule in rules.bands},
        }

    def clean_grade_lines_text(self):
        rows = []
        for number, line in _lines(self.cleaned_data["grade_lines_text"]):
            *label, minimum = SEPARATORS.split(line)
            value = _number(minimum)
            if not label or value is None:
                raise forms.ValidationError(
                    f"“等级分数线”第 {number} 行“{line}”格式有误：每行写等级名称和它的最低分，用空格分开，如“良 80”"
                )
            rows.append({"label": " ".join(label), "min": str(value)})
        return rows

    def clean_qualitative_items_text(self):
        rows = []
        for number, line in _lines(self.cleaned_data["qualitative_items_text"]):
            parts = SEPARATORS.split(line)
            value = _number(parts[-1]) if len(parts) >= 3 else None
            if value is None:
                raise forms.ValidationError(
                    f"“定性指标权数”第 {number} 行“{line}”格式有误：每行写代码、名称和权数，用空格分开，"
                    "如“efficiency 职能目标完成效率 30”"
                )
            rows.append({"code": parts[0], "label": " ".join(parts[1:-1]), "weight": str(value)})
        return rows

    def changes(self) -> dict:
        """The fields of the new version (``publish_scheme``'s ``changes``), from the cleaned data."""
        data = self.cleaned_data
        result = {name: data[name] for name in KIND_FIELDS[self.scheme.kind]}
        result.update(
            name=data["name"],
            rounding=data["rounding"],
            deviation_threshold=data["deviation_percent"] / 100,
            grade_lines=data["grade_lines_text"],
            bands=[
                {"band": band, "low": str(data[f"{band}_low"]), "high": str(data[f"{band}_high"])}
                for band in Band.values
            ],
        )
        if "qualitative_items_text" in data:
            result["qualitative_items"] = data["qualitative_items_text"]
        return result

    def add_model_errors(self, errors: dict) -> None:
        """A ValidationError of the model (``message_dict``), each message on the field the page shows."""
        for field, messages in errors.items():
            name = ERROR_FIELDS.get(field, field)
            self.add_error(name if name in self.fields else None, messages)


def _lines(text: str):
    return [(number, line.strip()) for number, line in enumerate(text.splitlines(), start=1) if line.strip()]


def _number(text: str) -> Decimal | None:
    try:
        value = Decimal(text)
    except InvalidOperation:
        return None
    return value if value.is_finite() else None

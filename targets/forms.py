from decimal import Decimal

from django import forms

from subjects.models import Subject
from targets.choices import LEVEL2_OF, Comparator, Horizon, Level1, Level2, Standard
from targets.models import GRADE_KEYS, GRADES, TargetSheet

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
# A blank first choice: a browser posts a select's first option, so without it an untouched extra row of the
# formset would look changed (level1/level2 filled) and fail as incomplete instead of being skipped.
BLANK = [("", "——")]
LEVEL2_GROUPED = BLANK + [(Level1(l1).label, [(v, Level2(v).label) for v in l2s]) for l1, l2s in LEVEL2_OF.items()]


class SheetForm(forms.ModelForm):
    version = forms.IntegerField(widget=forms.HiddenInput)
    reason = forms.CharField(
        label="修改说明",
        required=False,
        max_length=500,
        widget=forms.TextInput(attrs={"placeholder": "将记入审计日志"}),
    )

    class Meta:
        model = TargetSheet
        fields = [
            "long_term_goal",
            "annual_goal",
            "measure_organisation",
            "measure_rules",
            "measure_plan",
            "serves_public",
            "buys_outputs",
            "self_evaluation_year",
            "other_notes",
        ]
        widgets = {
            name: forms.Textarea(attrs={"rows": 2})
            for name in [
                "long_term_goal",
                "annual_goal",
                "measure_organisation",
                "measure_rules",
                "measure_plan",
                "other_notes",
            ]
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["version"].initial = self.instance.version


class IndicatorForm(forms.Form):
    horizon = forms.ChoiceField(label="目标期限", choices=Horizon.choices, initial=Horizon.ANNUAL)
    level1 = forms.ChoiceField(label="一级指标", choices=BLANK + Level1.choices)
    level2 = forms.ChoiceField(label="二级指标", choices=LEVEL2_GROUPED)
    name = forms.CharField(label="三级指标", max_length=200)
    comparator = forms.ChoiceField(label="指标性质", choices=Comparator.choices, initial=Comparator.GE)
    target_value = forms.CharField(label="指标值", max_length=200)
    unit = forms.CharField(label="计量单位", max_length=30, required=False)
    weight = forms.DecimalField(
        label="分值",
        max_digits=5,
        decimal_places=2,
        min_value=Decimal("0"),
        max_value=Decimal("100"),
        initial=Decimal("0"),
    )
    data_source = forms.CharField(label="数据来源", max_length=200, required=False)
    standard = forms.ChoiceField(label="设定依据", choices=Standard.choices, initial=Standard.PLAN)
    last_year_actual = forms.CharField(label="上年实际值", max_length=200, required=False)
    library_indicator = forms.IntegerField(required=False, widget=forms.HiddenInput)

    def clean(self):
        data = super().clean()
        level1, level2 = data.get("level1"), data.get("level2")
        if level1 and level2 and level2 not in LEVEL2_OF.get(level1, ()):
            self.add_error("level2", f"“{Level2(level2).label}”不属于“{Level1(level1).label}”")
        return data


class StageForm(forms.Form):
    stage = forms.CharField(label="实施内容", max_length=200)
    start = forms.DateField(label="开始时间", widget=DATE)
    finish = forms.DateField(label="完成时间", widget=DATE)


class BudgetItemForm(forms.Form):
    """One line of 支出明细预算 (seed 003 附件1 资金情况), amounts in yuan as everywhere in the system."""

    name = forms.CharField(label="支出名称", max_length=200)
    previous_amount = forms.DecimalField(
        label="上年度资金（元）", max_digits=16, decimal_places=2, min_value=Decimal("0"), required=False
    )
    requested_amount = forms.DecimalField(
        label="本年度申请资金（元）", max_digits=16, decimal_places=2, min_value=Decimal("0")
    )
    basis = forms.CharField(label="测算依据及说明", required=False, widget=forms.Textarea(attrs={"rows": 1}))

    def clean_previous_amount(self):
        return self.cleaned_data.get("previous_amount") or Decimal("0")


GRADE_CHOICES = BLANK + [(g, g) for g in GRADES]


class PriorGradeForm(forms.Form):
    """One of the three earlier years of 以前年度绩效评价情况 (seed 003 附件1 填表说明 二（七）1)."""

    year = forms.IntegerField(widget=forms.HiddenInput, min_value=2000, max_value=2100)
    self = forms.ChoiceField(label="单位自评等级", choices=GRADE_CHOICES, required=False)
    review = forms.ChoiceField(label="财政审核等级", choices=GRADE_CHOICES, required=False)
    key = forms.ChoiceField(label="重点评价（专家评定）等级", choices=GRADE_CHOICES, required=False)


IndicatorFormSet = forms.formset_factory(IndicatorForm, extra=2, can_delete=True)
StageFormSet = forms.formset_factory(StageForm, extra=1, can_delete=True)
BudgetItemFormSet = forms.formset_factory(BudgetItemForm, extra=1, can_delete=True)
PriorGradeFormSet = forms.formset_factory(PriorGradeForm, extra=0)


def prior_grade_initial(sheet) -> list[dict]:
    """The three years before the sheet's, with what is stored for them."""
    stored = {g["year"]: g for g in sheet.prior_grades or []}
    return [
        {"year": year, **{k: stored.get(year, {}).get(k, "") for k in GRADE_KEYS}}
        for year in range(sheet.fiscal_year - 3, sheet.fiscal_year)
    ]


def prior_grade_rows(formset) -> list[dict]:
    return [{k: f.cleaned_data.get(k) or "" for k in ("year", *GRADE_KEYS)} for f in formset.forms if f.cleaned_data]


def formset_rows(formset) -> list[dict]:
    """The rows to keep: every existing (initial) row unless deleted — changed or not — and the extra rows
    that were filled in."""
    rows = []
    initial = formset.initial_form_count()
    for n, form in enumerate(formset.forms):
        if not form.cleaned_data or form.cleaned_data.get("DELETE"):
            continue
        if n >= initial and not form.has_changed():
            continue
        rows.append({k: v for k, v in form.cleaned_data.items() if k != "DELETE"})
    return rows


class CreateForm(forms.Form):
    subject = forms.ModelChoiceField(label="项目", queryset=Subject.objects.none())
    fiscal_year = forms.IntegerField(label="预算年度", min_value=2000, max_value=2100)

    def __init__(self, *args, subjects=None, **kwargs):
        super().__init__(*args, **kwargs)
        if subjects is not None:
            self.fields["subject"].queryset = subjects


class AdjustForm(forms.Form):
    reason = forms.CharField(label="调整原因", max_length=2000, widget=forms.Textarea(attrs={"rows": 2}))

from __future__ import annotations

from django import forms

from core.filters import MultiPickerWidget, PickerWidget
from monitoring import thresholds
from monitoring.choices import DeviationReason, DisposalDecision, HoldKind, QualitativeLevel, RoundScope
from monitoring.models import LightThresholds, MonitoringRound, MonitoringTable
from subjects.models import Subject
from workflow.forms import ReviewableForm

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
TEXT = {"rows": 2}


class MonitoringRoundForm(forms.ModelForm):
    key_subjects = forms.ModelMultipleChoiceField(
        label="重点监控项目",
        queryset=Subject.objects.none(),
        required=False,
        widget=MultiPickerWidget("key_subject"),
        help_text="监控范围为“重点监控项目”时选择：输入项目编码或名称查找，可选多个（本区划已安排预算或执行中的项目）",
        error_messages={"invalid_choice": "所选项目 %(value)s 不是本区划已安排预算或执行中的项目"},
    )
    reason = forms.CharField(
        label="备注", required=False, max_length=500, widget=forms.TextInput(attrs={"placeholder": "将记入审计日志"})
    )

    class Meta:
        model = MonitoringRound
        fields = ["name", "fiscal_year", "data_as_of", "due_date", "scope", "notice"]
        widgets = {"data_as_of": DATE, "due_date": DATE, "notice": forms.Textarea(attrs={"rows": 4})}

    def __init__(self, *args, subjects=None, department=None, **kwargs):
        super().__init__(*args, **kwargs)
        if subjects is not None:
            self.fields["key_subjects"].queryset = subjects
        if department is not None:
            # A 主管部门 monitors projects it chooses (seed 001 第十七条 重点选择): the scope is its key projects.
            self.fields["scope"].choices = [(RoundScope.KEY, RoundScope.KEY.label)]
            self.fields["scope"].initial = RoundScope.KEY
            self.fields["key_subjects"].error_messages["invalid_choice"] = (
                "所选项目 %(value)s 不是本部门所属单位已安排预算或执行中的项目"
            )
            self.fields["key_subjects"].help_text = (
                f"输入项目编码或名称查找，可选多个（{department.name}及所属单位已安排预算或执行中的项目；张店区"
                "《区级部门单位预算绩效管理办法》第十七条：重点选择本部门重大专项以及支出进度缓慢、管理基础薄弱的项目）"
            )

    def clean(self):
        data = super().clean()
        if data.get("scope") == RoundScope.KEY and not data.get("key_subjects"):
            self.add_error("key_subjects", "重点监控须选择项目")
        return data


class MonitoringTableForm(ReviewableForm):
    """The table's own fields; the indicator rows are the ``MonitoringIndicatorFormSet`` beside it."""

    class Meta:
        model = MonitoringTable
        fields = [
            "expected_full_year_rate",
            "execution_deviation_reason",
            "execution_measures",
            "contract_status",
            "overall_judgement",
            "other_notes",
        ]
        widgets = {
            name: forms.Textarea(attrs=TEXT)
            for name in ["execution_measures", "contract_status", "overall_judgement", "other_notes"]
        }
        help_texts = {"expected_full_year_rate": "填小数，如 0.95 表示 95%"}


class MonitoringIndicatorForm(forms.Form):
    row_id = forms.IntegerField(widget=forms.HiddenInput)
    actual_to_date = forms.CharField(label="截至目前完成值", max_length=200, required=False)
    qualitative_level = forms.ChoiceField(
        label="定性完成程度", choices=[("", "—"), *QualitativeLevel.choices], required=False
    )
    expected_full_year = forms.CharField(label="预计全年完成值", max_length=200, required=False)
    will_be_met = forms.NullBooleanField(label="预计能否完成", required=False)
    deviation_reason = forms.ChoiceField(
        label="偏差原因类别", choices=[("", "—"), *DeviationReason.choices], required=False
    )
    deviation_explanation = forms.CharField(
        label="偏差原因说明", required=False, widget=forms.Textarea(attrs={"rows": 1})
    )
    measures = forms.CharField(label="纠偏措施", required=False, widget=forms.Textarea(attrs={"rows": 1}))


MonitoringIndicatorFormSet = forms.formset_factory(MonitoringIndicatorForm, extra=0)


def formset_rows(formset) -> dict:
    return {
        f.cleaned_data["row_id"]: {k: v for k, v in f.cleaned_data.items() if k != "row_id"}
        for f in formset.forms
        if f.cleaned_data
    }


class DisposalForm(forms.Form):
    decision = forms.ChoiceField(label="处置决定", choices=DisposalDecision.choices)
    reason = forms.CharField(label="处置理由", max_length=2000, widget=forms.Textarea(attrs={"rows": 3}))
    amount = forms.DecimalField(
        label="涉及金额（元）",
        max_digits=18,
        decimal_places=2,
        min_value=0,
        required=False,
        help_text="调整预算、收回资金时填写",
    )


class PerformanceWarningReplyForm(forms.Form):
    note = forms.CharField(label="整改说明", max_length=2000, widget=forms.Textarea(attrs={"rows": 3}))


class PerformanceWarningDismissForm(forms.Form):
    reason = forms.CharField(label="理由", max_length=2000, widget=forms.Textarea(attrs={"rows": 2}))


class LightThresholdsForm(forms.ModelForm):
    """A new version of the light thresholds (``thresholds.save_version``): the regions are those ``user`` may set,
    the province-wide default (no region) only for the top-level bureau's performance section."""

    class Meta:
        model = LightThresholds
        fields = [
            "region",
            "effective_from",
            "execution_red_below",
            "execution_yellow_below",
            "indicator_red_below",
            "indicator_yellow_below",
            "indicator_blue_from",
            "time_progress_basis",
            "note",
        ]
        widgets = {"effective_from": forms.DateInput(attrs={"type": "date"})}

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["region"].queryset = thresholds.managed_regions(user)
        self.fields["region"].required = not thresholds.can_manage_default(user)
        self.fields["region"].empty_label = "全省默认" if thresholds.can_manage_default(user) else None
        self.fields["note"].required = True
        self.fields["note"].error_messages["required"] = "请填写调整说明（记入审计日志）"
        self.fields["effective_from"].error_messages["required"] = "请填写生效日期"
        for name in (
            "execution_red_below",
            "execution_yellow_below",
            "indicator_red_below",
            "indicator_yellow_below",
            "indicator_blue_from",
        ):
            self.fields[name].error_messages["required"] = "请填写阈值（1 表示 100%）"


class DisbursementHoldForm(forms.Form):
    """A 主管部门 suspends or stops the disbursement of a subject of its own units (seed 000 第二十一条)."""

    subject = forms.ModelChoiceField(
        label="项目",
        queryset=Subject.objects.none(),
        widget=PickerWidget("hold_subject"),
        help_text="输入项目编码或名称查找（本部门所属单位已安排预算或执行中的项目）",
        error_messages={"invalid_choice": "所选项目不是本部门所属单位已安排预算或执行中的项目"},
    )
    kind = forms.ChoiceField(label="类型", choices=HoldKind.choices)
    reason = forms.CharField(
        label="理由",
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="写明监控发现的问题和整改要求；将通知国库科执行，并记入审计日志",
    )

    def __init__(self, *args, subjects=None, **kwargs):
        super().__init__(*args, **kwargs)
        if subjects is not None:
            self.fields["subject"].queryset = subjects

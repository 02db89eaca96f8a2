"""Forms of the work plan, its indicator rows and the evaluation notice (rules in ``keyevals.plan``)."""

from __future__ import annotations

from django import forms

from keyevals import frameworks, plan
from keyevals.models import IndicatorFramework

TEXT = {"rows": 3}


class FrameworkChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj) -> str:
        groups = "、".join(frameworks.group_names(obj.groups))
        return f"{obj.name}（{groups}）"


class PlanForm(forms.Form):
    """评价工作方案: the framework (in force for the organiser's region) and the plan's texts."""

    framework = FrameworkChoiceField(
        label="指标框架",
        queryset=IndicatorFramework.objects.none(),
        empty_label=None,
        error_messages={"invalid_choice": "所选指标框架不是本地区现行的指标框架"},
    )
    purpose = forms.CharField(label="评价目的", required=False, widget=forms.Textarea(attrs=TEXT))
    basis = forms.CharField(label="评价依据", required=False, widget=forms.Textarea(attrs=TEXT))
    content = forms.CharField(label="评价内容", required=False, widget=forms.Textarea(attrs=TEXT))
    methods_note = forms.CharField(label="评价方法说明", required=False, widget=forms.Textarea(attrs=TEXT))
    schedule = forms.CharField(label="进度安排", required=False, widget=forms.Textarea(attrs=TEXT))
    sampling = forms.CharField(label="抽样及调查方案", required=False, widget=forms.Textarea(attrs=TEXT))
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, evaluation=None, instance=None, **kwargs):
        if instance is not None and "initial" not in kwargs:
            kwargs["initial"] = {k: getattr(instance, k) for k in plan.PLAN_FIELDS} | {
                "framework": instance.framework_id,
                "version": instance.version,
            }
        super().__init__(*args, **kwargs)
        ids = [f.pk for f in plan.frameworks_in_force(evaluation)] if evaluation is not None else []
        self.fields["framework"].queryset = IndicatorFramework.objects.filter(pk__in=ids).order_by("code")


class IndicatorForm(forms.Form):
    """One indicator row: its level-1 group is one of the framework's groups."""

    group = forms.ChoiceField(label="一级指标", choices=())
    level2 = forms.CharField(label="二级指标", max_length=60, required=False)
    name = forms.CharField(label="三级指标", max_length=200)
    weight = forms.DecimalField(label="分值", min_value=0, max_digits=6, decimal_places=2)
    explanation = forms.CharField(label="指标解释", required=False, widget=forms.Textarea(attrs={"rows": 2}))
    standard = forms.CharField(label="评分标准", widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, framework=None, **kwargs):
        super().__init__(*args, **kwargs)
        names = frameworks.group_names(framework.groups) if framework is not None else []
        self.fields["group"].choices = [(n, n) for n in names]
        self.fields["group"].error_messages["invalid_choice"] = f"一级指标应为：{'、'.join(names)}"


class NoticeForm(forms.Form):
    """评价通知书 (seed 003 第三十八条): pre-filled from the approved plan."""

    number = forms.CharField(label="文号", max_length=60, required=False)
    purpose = forms.CharField(label="评价目的", widget=forms.Textarea(attrs=TEXT))
    content = forms.CharField(label="评价内容", widget=forms.Textarea(attrs=TEXT))
    basis = forms.CharField(label="评价依据", widget=forms.Textarea(attrs=TEXT))
    evaluators = forms.CharField(label="评价人员", widget=forms.Textarea(attrs=TEXT))
    timing = forms.CharField(label="评价时间", widget=forms.Textarea(attrs=TEXT))
    requirements = forms.CharField(label="需配合事项及资料要求", widget=forms.Textarea(attrs=TEXT))

from django import forms

from assessments.choices import AssessmentKind
from assessments.models import AssessmentTemplate, TemplatePoint
from core.filters import PickerWidget
from organisations.choices import OrgKind
from organisations.models import Organisation


class SubjectChoiceForm(forms.Form):
    """The subject as a searchable picker (core/pickers.py): a bureau reaches thousands of subjects (issue 16); the
    field's queryset is what this form accepts, the picker only helps to find it."""

    subject = forms.ModelChoiceField(
        label="评估对象（项目）",
        queryset=None,
        widget=PickerWidget("subject"),
        help_text="输入项目编码或名称查找",
        error_messages={"invalid_choice": "所选项目不在您可发起或委托评估的范围内"},
    )

    def __init__(self, *args, subjects=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["subject"].queryset = subjects


class StartForm(SubjectChoiceForm):
    kind = forms.ChoiceField(
        label="评估方式",
        choices=(),
        required=False,
        help_text="部门评估由主管部门开展；政府购买服务由购买主体开展（《政府购买服务预算绩效管理暂行办法》第七、九条）；"
        "财政部门可以直接开展（第十一条）",
    )
    reason = forms.CharField(label="备注", required=False, max_length=500)

    def __init__(self, *args, kinds=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = [(k, AssessmentKind(k).label) for k in kinds]
        if len(kinds) == 1:
            self.fields["kind"].initial = kinds[0]


class CommissionForm(SubjectChoiceForm):
    agency = forms.ModelChoiceField(
        label="受托第三方机构", queryset=Organisation.objects.filter(kind=OrgKind.AGENCY, is_active=True)
    )
    reason = forms.CharField(
        label="委托事由",
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="《政府购买服务预算绩效管理暂行办法》第十一条 / 《部门单位预算绩效管理办法》第十条：财政部门可以委托第三方机构独立开展事前绩效评估",
    )


class TemplateVersionForm(forms.ModelForm):
    reason = forms.CharField(
        label="修改说明",
        max_length=500,
        required=False,
        widget=forms.TextInput(attrs={"placeholder": "将记入审计日志"}),
    )

    class Meta:
        model = AssessmentTemplate
        fields = ["name", "effective_from", "support_min", "improve_min", "basis"]
        widgets = {
            "effective_from": forms.DateInput(attrs={"type": "date"}),
            "basis": forms.Textarea(attrs={"rows": 3}),
        }


class PointForm(forms.ModelForm):
    class Meta:
        model = TemplatePoint
        fields = ["dimension", "name", "weight", "guidance"]
        widgets = {"guidance": forms.Textarea(attrs={"rows": 2})}


PointFormSet = forms.formset_factory(PointForm, extra=1, can_delete=True)

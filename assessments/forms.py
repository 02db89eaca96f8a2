from django import forms

from assessments.models import AssessmentTemplate, TemplatePoint
from organisations.choices import OrgKind
from organisations.models import Organisation


class SubjectChoiceForm(forms.Form):
    subject = forms.ModelChoiceField(label="评估对象（项目）", queryset=None)

    def __init__(self, *args, subjects=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["subject"].queryset = subjects
        self.fields["subject"].label_from_instance = lambda s: (
            f"{s.code} {s.name}（{s.organisation.name}）{'· 须评估' if s.needs_assessment else ''}"
        )


class StartForm(SubjectChoiceForm):
    reason = forms.CharField(label="备注", required=False, max_length=500)


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

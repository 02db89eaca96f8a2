from django import forms

from indicators.models import IndicatorProposal
from subjects.choices import SubjectKind
from workflow.guards import preparer_organisations


class IndicatorProposalForm(forms.ModelForm):
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)
    reason_note = forms.CharField(label="修改说明", required=False, max_length=500,
                                  widget=forms.TextInput(attrs={"placeholder": "将记入审计日志"}))
    subject_kinds = forms.MultipleChoiceField(label="适用对象类型", choices=SubjectKind.choices, required=False,
                                              widget=forms.CheckboxSelectMultiple, help_text="不选为全部适用")

    class Meta:
        model = IndicatorProposal
        fields = ["organisation", "name", "kind", "sector", "level1", "level2", "group", "definition", "formula",
                  "unit", "direction", "weight", "subject_kinds", "reference_values", "reason"]
        widgets = {"definition": forms.Textarea(attrs={"rows": 3}), "formula": forms.Textarea(attrs={"rows": 2}),
                   "reference_values": forms.Textarea(attrs={"rows": 2}), "reason": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        if user is not None:
            orgs = preparer_organisations(user, IndicatorProposal)
            self.fields["organisation"].queryset = orgs
            if not self.instance.pk and orgs.count() == 1:
                self.fields["organisation"].initial = orgs.first().pk
        if self.instance.pk:
            self.fields["version"].initial = self.instance.version
        else:
            del self.fields["version"]
            del self.fields["reason_note"]

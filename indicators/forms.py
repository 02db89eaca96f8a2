from django import forms

from indicators.models import IndicatorProposal
from subjects.choices import SubjectKind
from workflow.forms import ReviewableForm


class IndicatorProposalForm(ReviewableForm):
    note_field = "reason_note"  # the model's own "reason" is the proposal's justification
    subject_kinds = forms.MultipleChoiceField(
        label="适用对象类型",
        choices=SubjectKind.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="不选为全部适用",
    )

    class Meta:
        model = IndicatorProposal
        fields = [
            "organisation",
            "name",
            "kind",
            "sector",
            "level1",
            "level2",
            "group",
            "definition",
            "formula",
            "unit",
            "direction",
            "weight",
            "subject_kinds",
            "reference_values",
            "reason",
        ]
        widgets = {
            "definition": forms.Textarea(attrs={"rows": 3}),
            "formula": forms.Textarea(attrs={"rows": 2}),
            "reference_values": forms.Textarea(attrs={"rows": 2}),
            "reason": forms.Textarea(attrs={"rows": 3}),
        }

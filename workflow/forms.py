from django import forms
from django.core.exceptions import ValidationError

from workflow.chains import document_type_choices
from workflow.guards import preparer_organisations
from workflow.models import ChainStep, ReviewAction


class ReviewableForm(forms.ModelForm):
    """Create or edit a document on the review chain.

    ``organisation`` offers only the organisations the user prepares for (preselected when there is
    one); ``version`` carries the version the preparer loaded (optimistic lock, edit only); the note
    field (``note_field``, "reason" unless the model has a field of that name) goes to the audit trail.
    """

    version = forms.IntegerField(widget=forms.HiddenInput, required=False)
    note_field = "reason"

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields[self.note_field] = forms.CharField(
            label="修改说明" if self.instance.pk else "备注",
            required=False,
            max_length=500,
            widget=forms.TextInput(attrs={"placeholder": "将记入审计日志"}),
        )
        self.preparer_orgs = None
        if user is not None and "organisation" in self.fields:
            self.preparer_orgs = preparer_organisations(user, self._meta.model)
            self.fields["organisation"].queryset = self.preparer_orgs
            if not self.instance.pk and self.preparer_orgs.count() == 1:
                self.fields["organisation"].initial = self.preparer_orgs.first().pk
        if self.instance.pk:
            self.fields["version"].initial = self.instance.version
        else:
            del self.fields["version"]


class TransitionForm(forms.Form):
    """One form for every step: the button pressed names the action; version is the one displayed."""

    action = forms.ChoiceField(choices=ReviewAction.choices)
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)
    opinion = forms.CharField(
        label="意见",
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3, "class": "form-control", "placeholder": "审核意见（退回时必填）"}),
    )
    target_step = forms.TypedChoiceField(label="退回至", required=False, coerce=int, empty_value=None)

    def __init__(self, *args, targets=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["target_step"].choices = [(s.order, f"{s.order}. {s.name}") for s in targets]


class ChainForm(forms.Form):
    """The chain's header. Editing an existing chain keeps its document type and region."""

    document_type = forms.ChoiceField(label="单据类型")
    region = forms.ModelChoiceField(label="适用区划", queryset=None, required=False, empty_label="默认（全部区划）")
    name = forms.CharField(label="流程名称", max_length=100)
    reason = forms.CharField(
        label="修改理由",
        required=False,
        max_length=500,
        widget=forms.TextInput(attrs={"placeholder": "将记入审计日志"}),
    )

    def __init__(self, *args, base=None, regions=None, **kwargs):
        from organisations.models import Region

        super().__init__(*args, **kwargs)
        self.fields["document_type"].choices = document_type_choices()
        self.fields["region"].queryset = regions if regions is not None else Region.objects.all()
        if base is not None:
            self.fields["document_type"].initial = base.document_type
            self.fields["region"].initial = base.region_id
            self.fields["name"].initial = base.name
            self.fields["document_type"].disabled = True
            self.fields["region"].disabled = True


class StepForm(forms.ModelForm):
    use_required_attribute = False

    class Meta:
        model = ChainStep
        fields = ["name", "role", "deadline_days"]
        widgets = {
            "name": forms.TextInput(attrs={"class": "form-control"}),
            "role": forms.Select(attrs={"class": "form-select"}),
            "deadline_days": forms.NumberInput(attrs={"class": "form-control", "min": 0}),
        }


class BaseStepFormSet(forms.BaseFormSet):
    """Steps in order; the first is step 0 (填报). Blank and deleted rows are left out."""

    def clean(self):
        super().clean()
        if any(self.errors):
            return
        steps = self.ordered_steps()
        if len(steps) < 2:
            raise ValidationError("审核流程至少包括填报环节（0 号）和一个审核环节")

    def ordered_steps(self) -> list[dict]:
        return [
            f.cleaned_data
            for f in self.forms
            if f.cleaned_data and not f.cleaned_data.get("DELETE") and f.cleaned_data.get("name")
        ]


StepFormSet = forms.formset_factory(StepForm, formset=BaseStepFormSet, extra=2, can_delete=True)

from django import forms

from reports.models import WorkReport
from workflow.guards import preparer_organisations


class WorkReportForm(forms.ModelForm):
    """Create or edit a report. ``version`` is the one the preparer loaded (optimistic lock)."""

    version = forms.IntegerField(widget=forms.HiddenInput, required=False)
    reason = forms.CharField(label="修改说明", required=False, max_length=500,
                             widget=forms.TextInput(attrs={"placeholder": "将记入审计日志"}))

    class Meta:
        model = WorkReport
        fields = ["title", "fiscal_year", "organisation", "kind", "content", "attachment"]
        widgets = {"content": forms.Textarea(attrs={"rows": 12})}

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        if user is not None:
            orgs = preparer_organisations(user, WorkReport)
            self.fields["organisation"].queryset = orgs
            if not self.instance.pk and orgs.count() == 1:
                self.fields["organisation"].initial = orgs.first().pk
        if self.instance.pk:
            self.fields["version"].initial = self.instance.version
        else:
            del self.fields["version"]
            self.fields["reason"].label = "备注"

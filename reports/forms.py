from django import forms

from reports.models import WorkReport
from workflow.forms import ReviewableForm


class WorkReportForm(ReviewableForm):
    class Meta:
        model = WorkReport
        fields = ["title", "fiscal_year", "organisation", "kind", "content", "attachment"]
        widgets = {"content": forms.Textarea(attrs={"rows": 12})}

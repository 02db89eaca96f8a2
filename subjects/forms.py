from decimal import Decimal

from django import forms

from organisations.choices import OrgKind
from organisations.models import Organisation
from subjects.choices import FundSource, LibraryStage
from subjects.models import PurchasedServiceDetail, Subject
from workflow.forms import ReviewableForm
from workflow.guards import preparer_organisations

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
MONEY = {"max_digits": 16, "decimal_places": 2, "min_value": Decimal("0")}


class SubjectForm(ReviewableForm):
    """Create or edit a subject with the money of its current year. Finance-only fields (财政实际安排,
    财政指定须评估, 库内阶段) are not here: they change only through subjects.actions."""

    fund_sources = forms.MultipleChoiceField(
        label="资金来源", choices=FundSource.choices, widget=forms.CheckboxSelectMultiple
    )
    previous_amount = forms.DecimalField(label="上年度金额（元）", initial=Decimal("0"), **MONEY)
    requested_amount = forms.DecimalField(label="本年度申请金额（元）", **MONEY)

    class Meta:
        model = Subject
        fields = [
            "name",
            "kind",
            "organisation",
            "fiscal_year",
            "start_year",
            "end_year",
            "duration",
            "is_new",
            "budget_kind",
            "fund_sources",
            "function_subject_code",
            "category",
            "sub_category",
            "start_date",
            "end_date",
            "leader",
            "leader_phone",
            "unit_functions",
            "summary",
            "basis",
            "feasibility",
            "necessity",
            "substantial_change",
            "new_task_in_fund",
            "extension_at_expiry",
            "previous",
        ]
        widgets = {
            "start_date": DATE,
            "end_date": DATE,
            "unit_functions": forms.Textarea(attrs={"rows": 3}),
            "summary": forms.Textarea(attrs={"rows": 3}),
            "basis": forms.Textarea(attrs={"rows": 3}),
            "feasibility": forms.Textarea(attrs={"rows": 3}),
            "necessity": forms.Textarea(attrs={"rows": 3}),
        }

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, user=user, **kwargs)
        if self.preparer_orgs is not None:
            self.fields["previous"].queryset = (
                Subject.objects.filter(organisation__in=self.preparer_orgs)
                .exclude(stage=LibraryStage.PENDING)
                .exclude(pk=self.instance.pk)
            )
        if self.instance.pk:
            row = self.instance.year_amounts.filter(fiscal_year=self.instance.fiscal_year).first()
            if row is not None:
                self.fields["previous_amount"].initial = row.previous_amount
                self.fields["requested_amount"].initial = row.requested_amount


class PurchasedServiceForm(forms.ModelForm):
    """Filled when the subject is a 政府购买服务 (seed 000 第十条)."""

    class Meta:
        model = PurchasedServiceDetail
        fields = [
            "purchaser",
            "provider",
            "contract_amount",
            "contract_start",
            "contract_end",
            "contract_content",
            "on_guidance_catalogue",
            "outside_negative_list",
        ]
        widgets = {"contract_start": DATE, "contract_end": DATE, "contract_content": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["purchaser"].required = False
        if user is not None:
            self.fields["purchaser"].queryset = preparer_organisations(user, Subject)
        self.fields["provider"].queryset = Organisation.objects.filter(kind=OrgKind.PROVIDER, is_active=True)


class LifecycleForm(forms.Form):
    """The lifecycle buttons of the detail page: the button names the action."""

    action = forms.ChoiceField(
        choices=[(n, n) for n in ("fund", "start", "complete", "terminate", "roll_over", "mark", "unmark")]
    )
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)
    amount = forms.DecimalField(label="金额（元）", required=False, **MONEY)
    year = forms.IntegerField(label="预算年度", required=False, min_value=2000, max_value=2100)
    reason = forms.CharField(label="理由", required=False, max_length=500)
    opinion = forms.CharField(label="预算安排意见", required=False, max_length=2000)

from django import forms
from django.db.models import Q

from core import access
from organisations.models import Organisation, Region


class ReasonMixin(forms.Form):
    reason = forms.CharField(
        label="修改理由",
        required=False,
        max_length=500,
        widget=forms.TextInput(attrs={"placeholder": "将记入审计日志"}),
    )


class OrganisationForm(ReasonMixin, forms.ModelForm):
    class Meta:
        model = Organisation
        fields = [
            "name",
            "short_name",
            "kind",
            "section_kind",
            "region",
            "parent",
            "budget_code",
            "credit_code",
            "contact",
            "phone",
            "is_active",
            "sort_order",
        ]

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        if user is not None:
            orgs = access.restrict(Organisation.objects.all(), user, "manage")
            self.fields["parent"].queryset = orgs.select_related("region")
            self.fields["region"].queryset = reachable_regions(user)


class RegionForm(ReasonMixin, forms.ModelForm):
    class Meta:
        model = Region
        fields = ["code", "name", "level", "parent"]


def reachable_regions(user):
    """Regions at or below the regions where the user holds a role."""
    q = Q(pk__in=[])
    for assignment in user.role_assignments():
        q |= Q(path__startswith=assignment.organisation.region.path)
    return Region.objects.filter(q)

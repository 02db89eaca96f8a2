"""Forms of the register's pages. They read what was typed and name a field in Chinese when it cannot be read; the
rules (who may act, the team rules, the draw) live in ``agencies.actions``, ``agencies.teams``, ``agencies.draw``."""

from __future__ import annotations

from django import forms

from accounts.models import User
from accounts.roles import Role
from agencies import actions
from agencies.draw import COUNT_MAX, SEED_MAX
from agencies.models import (
    AgencyContract,
    AgencyProfile,
    AgencyStaff,
    Expert,
    ExpertField,
    MemberAppraisal,
    Rating,
    Sanction,
    TeamMember,
)
from agencies.standing import agency_standing
from core import pickers
from core.filters import PickerWidget

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
REASON = forms.CharField(
    label="修改说明", required=False, max_length=500, widget=forms.TextInput(attrs={"placeholder": "将记入审计日志"})
)


def _person(user) -> str:
    office = user.organisation.name if user.organisation_id else ""
    return f"{user.name or user.username}（{office}）" if office else (user.name or user.username)


class ProfileForm(forms.ModelForm):
    class Meta:
        model = AgencyProfile
        fields = [
            "organisation",
            "agency_type",
            "qualifications",
            "fields",
            "contact_person",
            "contact_phone",
            "registered_on",
        ]
        widgets = {"registered_on": DATE, "qualifications": forms.Textarea(attrs={"rows": 4})}

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            del self.fields["organisation"]
            self.fields["reason"] = REASON
        else:
            self.fields["organisation"].queryset = actions.profile_organisations(user)
            self.fields["organisation"].help_text = "本地区已在系统登记、尚未入库的第三方机构（机构由系统管理员新增）"


class StaffForm(forms.ModelForm):
    class Meta:
        model = AgencyStaff
        fields = ["name", "title", "qualifications", "skills", "phone", "user", "is_active"]

    def __init__(self, *args, profile=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["user"].queryset = User.objects.filter(organisation=profile.organisation, is_active=True).order_by(
            "name"
        )
        self.fields["user"].label_from_instance = _person
        self.fields["user"].help_text = "该人员在本系统的账号（项目负责人须有账号才能考核团队成员）"
        if self.instance.pk:
            self.fields["reason"] = REASON


class ContractForm(forms.ModelForm):
    class Meta:
        model = AgencyContract
        fields = [
            "agency",
            "commissioner",
            "number",
            "title",
            "amount",
            "signed_on",
            "ends_on",
            "file_with_government",
            "file_with_party_committee",
            "file_with_peoples_congress",
            "status",
        ]
        widgets = {"signed_on": DATE, "ends_on": DATE}

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            del self.fields["agency"], self.fields["commissioner"]
            self.fields["reason"] = REASON
        else:
            del self.fields["status"]
            self.fields["agency"].queryset = actions.agency_choices(user).order_by("organisation__name")
            self.fields["agency"].label_from_instance = lambda p: f"{p}（{agency_standing(p).label}）"
            commissioners = actions.commissioner_choices(user)
            self.fields["commissioner"].queryset = commissioners
            if commissioners.count() == 1:
                self.fields["commissioner"].initial = commissioners.first().pk


class StatementForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput)
    reason = forms.CharField(
        label="说明",
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="人员调整时写明调整原因",
    )
    conflict_statement = forms.CharField(
        label="利益冲突声明",
        required=False,
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="团队成员与被评价单位有无亲属、任职、业务往来等利益关系；没有的写明“无”",
    )


class ProposeForm(forms.Form):
    reason = forms.CharField(
        label="调整原因", required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )
    conflict_statement = forms.CharField(
        label="利益冲突声明", required=False, max_length=4000, widget=forms.Textarea(attrs={"rows": 3})
    )


class MemberForm(forms.ModelForm):
    class Meta:
        model = TeamMember
        fields = ["staff", "role", "resident", "duties", "conflicts"]

    def __init__(self, *args, proposal=None, **kwargs):
        super().__init__(*args, **kwargs)
        taken = proposal.members.values("staff_id") if proposal is not None else []
        self.fields["staff"].queryset = (
            AgencyStaff.objects.filter(agency=proposal.contract.agency, is_active=True).exclude(pk__in=taken)
            if proposal is not None
            else AgencyStaff.objects.none()
        )
        self.fields["staff"].label_from_instance = lambda s: f"{s.name}（{s.title or '—'}；{s.qualifications or '—'}）"
        self.fields["resident"].help_text = "常驻财政部门办公"


class AppraisalForm(forms.ModelForm):
    class Meta:
        model = MemberAppraisal
        fields = ["member", "year", "grade", "comment"]

    def __init__(self, *args, proposal=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["member"].queryset = proposal.members.exclude(role="lead").select_related("staff")
        self.fields["member"].label_from_instance = lambda m: m.staff.name
        self.fields["comment"].widget = forms.Textarea(attrs={"rows": 2})

    def validate_unique(self):
        pass  # once a year per member: agencies.teams.appraise says so in Chinese


class ExpertForm(forms.ModelForm):
    fields_chosen = forms.ModelMultipleChoiceField(
        label="专业领域",
        queryset=ExpertField.objects.order_by("code"),
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": "请至少选择一个专业领域"},
    )

    class Meta:
        model = Expert
        fields = ["name", "title", "employer_name", "employer", "phone", "available", "user", "registered_on"]
        widgets = {"registered_on": DATE}

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["employer"].queryset = pickers.options("organisation", user)
        self.fields["employer"].widget = PickerWidget("organisation")
        self.fields["employer"].widget.choices = self.fields["employer"].choices
        self.fields["user"].queryset = User.objects.filter(roles__role=Role.EXPERT, is_active=True).distinct()
        self.fields["user"].label_from_instance = _person
        if self.instance.pk:
            self.fields["fields_chosen"].initial = list(self.instance.fields.values_list("pk", flat=True))
            self.fields["reason"] = REASON
        order = [
            "name",
            "title",
            "fields_chosen",
            "employer_name",
            "employer",
            "phone",
            "available",
            "user",
            "registered_on",
        ]
        self.order_fields(order)


class RelationForm(forms.Form):
    organisation = forms.ModelChoiceField(
        label="关联单位", queryset=None, error_messages={"required": "请选择关联单位"}
    )
    relation = forms.CharField(
        label="关系", max_length=200, help_text="如 曾任职、近亲属在该单位任职、近三年有业务往来"
    )

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organisation"].queryset = pickers.options("organisation", user)
        self.fields["organisation"].widget = PickerWidget("organisation")
        self.fields["organisation"].widget.choices = self.fields["organisation"].choices


class DrawForm(forms.Form):
    evaluated = forms.ModelChoiceField(
        label="被评价单位", queryset=None, error_messages={"required": "请选择被评价单位"}
    )
    field = forms.ModelChoiceField(
        label="专业领域", queryset=ExpertField.objects.order_by("code"), error_messages={"required": "请选择专业领域"}
    )
    count = forms.IntegerField(
        label="抽取人数",
        min_value=1,
        max_value=COUNT_MAX,
        initial=3,
        error_messages={"required": "请填写抽取人数", "invalid": "抽取人数须为整数"},
    )
    seed = forms.IntegerField(
        label="随机种子",
        required=False,
        min_value=0,
        max_value=SEED_MAX,
        help_text="不填则随机生成；种子记录在案，用同一种子、同一批候选专家可重现抽取结果",
        error_messages={"invalid": "随机种子须为整数"},
    )
    purpose = forms.CharField(label="用途", required=False, max_length=200, help_text="如 某某重点评价专家评审")

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["evaluated"].queryset = pickers.options("organisation", user)
        self.fields["evaluated"].widget = PickerWidget("organisation")
        self.fields["evaluated"].widget.choices = self.fields["evaluated"].choices


class RatingForm(forms.ModelForm):
    class Meta:
        model = Rating
        fields = ["work", "quality", "timeliness", "conduct", "defects", "comment"]
        widgets = {"comment": forms.Textarea(attrs={"rows": 3})}


class SanctionForm(forms.ModelForm):
    class Meta:
        model = Sanction
        fields = ["kind", "reason", "starts_on", "ends_on"]
        widgets = {"starts_on": DATE, "ends_on": DATE, "reason": forms.Textarea(attrs={"rows": 3})}


class DecisionForm(forms.Form):
    decision = forms.ChoiceField(label="验收结论", choices=[("accepted", "验收通过"), ("returned", "退回")])
    note = forms.CharField(label="验收意见", required=False, max_length=4000, widget=forms.Textarea(attrs={"rows": 2}))

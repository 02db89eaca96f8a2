"""Forms of the key evaluation's own pages: the evaluation (create/edit), the fee budget lines and the working group.
The rules live in ``keyevals.actions``; these only read what was typed, with choices through the gate."""

from __future__ import annotations

from django import forms
from django.db.models import Q, QuerySet

from accounts.models import User
from core import access, pickers
from core.filters import MultiPickerWidget, PickerWidget
from keyevals import actions
from keyevals.models import EvaluationStage, KeyEvaluation, MemberRole, Method, ObjectKind
from organisations.choices import OrgKind
from organisations.models import Organisation

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
MONEY_INPUT = forms.TextInput(attrs={"inputmode": "decimal", "class": "text-end"})


def _describe_org(org) -> str:
    return f"{org.name}（{org.budget_code}）" if org.budget_code else org.name


def _search_org(queryset, text):
    return queryset.filter(Q(budget_code__startswith=text) | Q(name__icontains=text) | Q(short_name__icontains=text))


def _subjects(user) -> QuerySet:
    if not actions.may_create(user):
        from subjects.models import Subject

        return Subject.objects.none()
    return actions.subject_choices(user)


def colleague_choices(user) -> QuerySet:
    """Finance and department staff in the organiser's reach (a working group's own members)."""
    if not actions.may_create(user):
        return User.objects.none()
    people = User.objects.filter(
        is_active=True, organisation__kind__in=[OrgKind.FINANCE_SECTION, OrgKind.FINANCE_BUREAU, OrgKind.DEPARTMENT]
    )
    return access.choices(people, user).select_related("organisation").order_by("organisation__path", "name")


def colleague_label(person) -> str:
    office = person.organisation.name if person.organisation_id else ""
    return f"{person.name or person.username}（{office}）" if office else (person.name or person.username)


pickers.register(
    pickers.PickerKind("keyeval_evaluated", "被评价单位", actions.evaluated_choices, _search_org, _describe_org)
)
pickers.register(
    pickers.PickerKind(
        "keyeval_subject",
        "项目",
        _subjects,
        pickers.code_or_name,
        lambda s: f"{s.code} {s.name}（{s.organisation.name}）",
    )
)
pickers.register(
    pickers.PickerKind(
        "keyeval_colleague",
        "人员",
        colleague_choices,
        lambda qs, text: qs.filter(Q(name__icontains=text) | Q(organisation__name__icontains=text)),
        colleague_label,
    )
)


class AgencyChoiceField(forms.ModelChoiceField):
    """An agency of the register, shown with its standing (agencies.standing)."""

    def label_from_instance(self, obj) -> str:
        _allowed, words = actions.agency_standing(obj)
        return f"{obj.name}（{words}）" if words else obj.name


class ContractChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj) -> str:
        return f"{obj.number} {obj.title}（{actions.contract_agency_org(obj).name}）"


class EvaluationForm(forms.Form):
    """新建/修改重点评价: the facts of the evaluation; fee lines are kept on the evaluation's page."""

    title = forms.CharField(label="评价名称", max_length=200)
    year = forms.IntegerField(
        label="评价年度",
        min_value=2000,
        max_value=2100,
        help_text="被评价资金的预算年度",
        error_messages={"invalid": "评价年度须为四位数字年份"},
    )
    evaluated = forms.ModelChoiceField(
        label="被评价单位",
        queryset=Organisation.objects.none(),
        widget=PickerWidget("keyeval_evaluated"),
        error_messages={"invalid_choice": "所选被评价单位不存在或不在您的组织范围内"},
    )
    stage = forms.ChoiceField(label="评价阶段", choices=EvaluationStage.choices, initial=EvaluationStage.EX_POST)
    object_kind = forms.ChoiceField(label="评价对象类型", choices=ObjectKind.choices)
    subjects = forms.ModelMultipleChoiceField(
        label="评价对象（项目）",
        queryset=Organisation.objects.none(),
        required=False,
        widget=MultiPickerWidget("keyeval_subject"),
        help_text="被评价单位的项目，可选多个；评价政策或部门整体支出时可不选",
        error_messages={"invalid_choice": "所选项目 %(value)s 不存在或不在您的范围内"},
    )
    object_amount = forms.DecimalField(
        label="涉及资金（元）", min_value=0, max_digits=14, decimal_places=2, initial=0, widget=MONEY_INPUT
    )
    methods = forms.MultipleChoiceField(
        label="评价方法", choices=Method.choices, required=False, widget=forms.CheckboxSelectMultiple
    )
    major = forms.BooleanField(
        label="重大项目（政策）", required=False, help_text="重大项目的评价报告经审核后报送人民政府"
    )
    agency = AgencyChoiceField(
        label="受托第三方机构",
        queryset=Organisation.objects.none(),
        required=False,
        empty_label="—（自行组织评价）",
        error_messages={"invalid_choice": "所选机构不是登记的第三方机构"},
    )
    contract = ContractChoiceField(
        label="委托合同",
        queryset=Organisation.objects.none(),
        required=False,
        empty_label="—",
        error_messages={"invalid_choice": "所选合同不存在或不在您的范围内"},
    )
    starts_on = forms.DateField(label="开始日期", widget=DATE, error_messages={"invalid": "日期格式应为 2026-09-15"})
    scoring_due = forms.DateField(
        label="评分截止日期", widget=DATE, required=False, error_messages={"invalid": "日期格式应为 2026-09-15"}
    )
    report_due = forms.DateField(
        label="报告完成日期", widget=DATE, required=False, error_messages={"invalid": "日期格式应为 2026-09-15"}
    )
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)
    reason = forms.CharField(
        label="备注", required=False, max_length=500, widget=forms.TextInput(attrs={"placeholder": "将记入审计日志"})
    )

    def __init__(self, *args, user=None, instance: KeyEvaluation | None = None, **kwargs):
        if instance is not None and "initial" not in kwargs:
            kwargs["initial"] = initial_of(instance)
        super().__init__(*args, **kwargs)
        self.instance = instance
        self.fields["evaluated"].queryset = actions.evaluated_choices(user)
        self.fields["subjects"].queryset = _subjects(user)
        self.fields["agency"].queryset = actions.agency_choices(user)
        self.fields["contract"].queryset = actions.contract_choices(user).select_related("agency__organisation")
        if instance is None:
            del self.fields["version"]

    def values(self) -> dict:
        data = dict(self.cleaned_data)
        for key in ("subjects", "version", "reason"):
            data.pop(key, None)
        return data


def initial_of(evaluation: KeyEvaluation) -> dict:
    return {
        "title": evaluation.title,
        "year": evaluation.year,
        "evaluated": evaluation.evaluated_id,
        "stage": evaluation.stage,
        "object_kind": evaluation.object_kind,
        "subjects": [s.pk for s in evaluation.subjects.all()],
        "object_amount": evaluation.object_amount,
        "methods": evaluation.methods,
        "major": evaluation.major,
        "agency": evaluation.agency_id,
        "contract": evaluation.contract_id,
        "starts_on": evaluation.starts_on,
        "scoring_due": evaluation.scoring_due,
        "report_due": evaluation.report_due,
        "version": evaluation.version,
    }


class FeeLineForm(forms.Form):
    """One line of 评价经费预算及审核表."""

    item = forms.CharField(label="费用项目", max_length=100)
    basis = forms.CharField(label="测算依据", max_length=300, required=False)
    amount = forms.DecimalField(
        label="申报金额（元）", min_value=0, max_digits=14, decimal_places=2, widget=MONEY_INPUT
    )
    approved = forms.DecimalField(
        label="审核金额（元）", min_value=0, max_digits=14, decimal_places=2, required=False, widget=MONEY_INPUT
    )


class MemberForm(forms.Form):
    """A working-group member: a colleague's account, a member of the agency's staff, an expert of the register, or a
    name typed in (someone without an account)."""

    role = forms.ChoiceField(label="职责", choices=MemberRole.choices, initial=MemberRole.MEMBER)
    user = forms.ModelChoiceField(
        label="财政或部门人员",
        queryset=User.objects.none(),
        required=False,
        widget=PickerWidget("keyeval_colleague"),
        error_messages={"invalid_choice": "所选人员不存在或不在您的范围内"},
    )
    agency_user = forms.ModelChoiceField(
        label="受托机构人员",
        queryset=User.objects.none(),
        required=False,
        empty_label="—",
        error_messages={"invalid_choice": "所选人员不是受托机构的人员"},
    )
    expert = forms.ModelChoiceField(
        label="专家库专家",
        queryset=User.objects.none(),
        required=False,
        empty_label="—",
        error_messages={"invalid_choice": "所选专家不在专家库中"},
    )
    name = forms.CharField(label="姓名（无系统账号时填写）", max_length=60, required=False)
    organisation_name = forms.CharField(label="单位", max_length=200, required=False)
    scores = forms.BooleanField(label="参与评分", required=False, initial=True)

    def __init__(self, *args, user=None, evaluation: KeyEvaluation | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["user"].queryset = colleague_choices(user)
        self.fields["user"].label_from_instance = colleague_label
        self.fields["agency_user"].queryset = agency_staff_choices(evaluation)
        self.fields["agency_user"].label_from_instance = lambda p: p.name or p.username
        self.fields["expert"].queryset = expert_choices(user, evaluation)
        self.fields["expert"].label_from_instance = lambda e: (
            f"{e.name}（{e.employer_name}{'，' + e.title if e.title else ''}）"
        )

    def clean(self):
        data = super().clean()
        chosen = [k for k in ("user", "agency_user", "expert") if data.get(k)]
        if len(chosen) > 1:
            raise forms.ValidationError("一次只添加一名成员：人员、受托机构人员、专家三者选一")
        if not chosen and not (data.get("name") or "").strip():
            raise forms.ValidationError("请选择人员或专家，或填写姓名")
        return data

    def values(self) -> dict:
        data = dict(self.cleaned_data)
        person = data.pop("agency_user", None)
        if person is not None:
            data["user"] = person
        return data


def agency_staff_choices(evaluation) -> QuerySet:
    if evaluation is None or not evaluation.agency_id:
        return User.objects.none()
    return User.objects.filter(organisation_id=evaluation.agency_id, is_active=True).order_by("name")


def expert_choices(user, evaluation) -> QuerySet:
    from agencies.models import Expert, ExpertStatus

    if evaluation is None:
        return Expert.objects.none()
    experts = Expert.objects.filter(keeper=actions.keeper_of(evaluation), status=ExpertStatus.ACTIVE)
    return access.choices(experts, user).order_by("name")


class DrawForm(forms.Form):
    """抽取专家 for this evaluation (agencies.draw: random, with 回避 of the evaluated unit)."""

    field = forms.ModelChoiceField(label="专业领域", queryset=User.objects.none(), empty_label=None)
    count = forms.IntegerField(label="抽取人数", min_value=1, max_value=15, initial=3)

    def __init__(self, *args, **kwargs):
        from agencies.models import ExpertField

        super().__init__(*args, **kwargs)
        self.fields["field"].queryset = ExpertField.objects.order_by("code")

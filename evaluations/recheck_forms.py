"""Forms of the spot re-check pages (抽查复核): the draw, the assignment of a re-checker and the re-checker's indicator
rows. The rules live in ``evaluations.recheck_actions``; these only read what was typed and name the field in Chinese
when it cannot be read. The draw's defaults are the model's (*practice*, configurable per draw)."""

from __future__ import annotations

from decimal import Decimal

from django import forms
from django.db.models import Q, QuerySet

from accounts.models import User
from core import access, pickers
from core.filters import PickerWidget
from evaluations import self_actions
from evaluations.choices import Band, IndicatorKind, SampleMethod
from evaluations.models import RecheckSample
from organisations.choices import OrgKind
from organisations.models import Organisation

SEED_MAX = 2**63 - 1  # the seed is stored in a BigIntegerField


def _default(name: str):
    return RecheckSample._meta.get_field(name).default


def _percent(value: Decimal) -> Decimal:
    return (Decimal(value) * 100).normalize()


class DrawForm(forms.Form):
    """抽取复核样本: method, share (%), minimum per department, the seed (empty: a random one, recorded) and the lines
    the discrepancy report uses."""

    method = forms.ChoiceField(label="抽样方式", choices=SampleMethod.choices, initial=SampleMethod.STRATIFIED)
    share = forms.DecimalField(
        label="抽查比例（%）",
        max_digits=7,
        decimal_places=2,
        help_text="各部门已报送自评表的抽查比例，大于 0、不超过 100",
        error_messages={"required": "请填写抽查比例", "invalid": "抽查比例须为数字（如 20）"},
    )
    minimum = forms.IntegerField(
        label="每部门至少抽查（个）",
        help_text="已报送自评表不足此数的部门全部抽查",
        error_messages={"required": "请填写每部门至少抽查的个数", "invalid": "每部门至少抽查的个数须为整数"},
    )
    seed = forms.CharField(
        label="随机种子",
        required=False,
        max_length=30,
        help_text="不填则随机生成；种子记录在案，任何人用同一种子可重现同一样本",
    )
    threshold_points = forms.DecimalField(
        label="差异分值",
        max_digits=6,
        decimal_places=2,
        help_text="自评得分与复核得分相差不低于此值的，列入差异较大名单",
        error_messages={"required": "请填写差异分值", "invalid": "差异分值须为数字（如 10）"},
    )
    grade_differs = forms.BooleanField(label="等级不同即列入差异名单", required=False)
    flag_gap = forms.DecimalField(
        label="未复核提示线（%）",
        max_digits=7,
        decimal_places=2,
        help_text="未复核的自评表，绩效指标得分率减去预算执行率得分率达到此值的予以提示",
        error_messages={"required": "请填写未复核提示线", "invalid": "未复核提示线须为数字（如 50）"},
    )

    def __init__(self, *args, **kwargs):
        kwargs.setdefault(
            "initial",
            {
                "method": _default("method"),
                "share": _percent(_default("share")),
                "minimum": _default("minimum"),
                "threshold_points": _default("threshold_points"),
                "grade_differs": _default("grade_differs"),
                "flag_gap": _percent(_default("flag_gap")),
            },
        )
        super().__init__(*args, **kwargs)

    def clean_share(self):
        value = self.cleaned_data["share"]
        if value <= 0 or value > 100:
            raise forms.ValidationError("抽查比例须大于 0、不超过 100（%）")
        return value

    def clean_minimum(self):
        value = self.cleaned_data["minimum"]
        if value < 1 or value > 32767:
            raise forms.ValidationError("每部门至少抽查的个数须为 1 至 32767 的整数")
        return value

    def clean_seed(self):
        text = (self.cleaned_data.get("seed") or "").strip()
        if not text:
            return None
        if not text.isdecimal() or not text.isascii():
            raise forms.ValidationError(f"随机种子须为不小于 0 的整数，现为“{text}”")
        value = int(text)
        if value > SEED_MAX:
            raise forms.ValidationError(f"随机种子不能大于 {SEED_MAX}")
        return value

    def clean_threshold_points(self):
        value = self.cleaned_data["threshold_points"]
        if value <= 0 or value > 100:
            raise forms.ValidationError("差异分值须大于 0、不超过 100（分）")
        return value

    def clean_flag_gap(self):
        value = self.cleaned_data["flag_gap"]
        if value <= 0 or value > 100:
            raise forms.ValidationError("未复核提示线须大于 0、不超过 100（%）")
        return value

    def action_values(self) -> dict:
        """The keyword arguments of ``recheck_actions.draw_sample`` (shares as fractions)."""
        data = self.cleaned_data
        return {
            "method": data["method"],
            "share": (data["share"] / 100).quantize(Decimal("0.0001")),
            "minimum": data["minimum"],
            "seed": data["seed"],
            "threshold_points": data["threshold_points"],
            "grade_differs": data["grade_differs"],
            "flag_gap": (data["flag_gap"] / 100).quantize(Decimal("0.0001")),
        }


def rechecker_choices(user, evaluation_round) -> QuerySet:
    """Finance colleagues who may re-check in ``evaluation_round``: the active users holding the round's organising
    role in its region (``self_actions.can_manage_round``), among the users ``user`` may see."""
    if user is None or not user.is_authenticated:
        return User.objects.none()
    candidates = User.objects.filter(
        is_active=True,
        roles__role__in=list(self_actions.ROUND_ROLES),
        roles__organisation__region_id=evaluation_round.region_id,
    ).distinct()
    allowed = [u.pk for u in candidates if self_actions.can_manage_round(u, evaluation_round)]
    return access.choices(User.objects.filter(pk__in=allowed), user).order_by("name", "username")


def agency_choices(user) -> QuerySet:
    """Agencies (受托第三方机构) ``user`` may see: the register of organisations of the kind 第三方机构."""
    return access.choices(Organisation.objects.filter(kind=OrgKind.AGENCY, is_active=True), user).order_by("path")


def _search_agencies(queryset: QuerySet, text: str) -> QuerySet:
    return queryset.filter(Q(name__icontains=text) | Q(short_name__icontains=text) | Q(credit_code__startswith=text))


pickers.register(
    pickers.PickerKind("recheck_agency", "第三方机构", agency_choices, _search_agencies, lambda org: org.name)
)


def colleague_label(person) -> str:
    """A re-checker as people know them: name and office, never the login alone."""
    office = person.organisation.name if person.organisation_id else ""
    return f"{person.name or person.username}（{office}）" if office else (person.name or person.username)


class UserChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj) -> str:
        return colleague_label(obj)


class AssignForm(forms.Form):
    """指派复核: one finance colleague, or one agency (never both)."""

    rechecker = UserChoiceField(
        label="复核人员",
        queryset=User.objects.none(),
        required=False,
        empty_label="—（委托第三方机构时不选）",
        error_messages={"invalid_choice": "所选复核人员不是本级财政部门的复核人员"},
    )
    agency = forms.ModelChoiceField(
        label="受托第三方机构",
        queryset=Organisation.objects.none(),
        required=False,
        widget=PickerWidget("recheck_agency"),
        error_messages={"invalid_choice": "所选机构不存在或不是登记的第三方机构"},
    )

    def __init__(self, *args, user=None, evaluation_round=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["rechecker"].queryset = (
            rechecker_choices(user, evaluation_round).select_related("organisation")
            if evaluation_round is not None
            else User.objects.none()
        )
        self.fields["agency"].queryset = agency_choices(user)

    def clean(self):
        data = super().clean()
        if not self.errors and (data.get("rechecker") is None) == (data.get("agency") is None):
            raise forms.ValidationError("请指定一名复核人员或一家受托第三方机构（二者选一）")
        return data


class RecheckIndicatorForm(forms.Form):
    """One indicator row as the re-checker types it; the form's row (target, weight, kind) is ``form.row``. Values
    are checked by ``self_actions.clean_row_values`` (through ``recheck_actions.save_recheck``), so the page and the
    API refuse the same things."""

    row_id = forms.IntegerField(widget=forms.HiddenInput)
    actual = forms.CharField(label="复核实际值", max_length=200, required=False)
    band = forms.ChoiceField(label="评价档次", choices=[("", "—"), *Band.choices], required=False)
    share = forms.CharField(
        label="档次内得分比例（%）",
        max_length=20,
        required=False,
        widget=forms.TextInput(attrs={"inputmode": "decimal", "placeholder": "0–100"}),
    )
    applicable = forms.BooleanField(label="适用", required=False)
    surveyed = forms.BooleanField(label="已开展满意度调查", required=False)


RecheckIndicatorFormSet = forms.formset_factory(RecheckIndicatorForm, extra=0)
ROW_FIELDS = ("actual", "applicable", "surveyed", "band", "share")


def row_fields(row) -> tuple[str, ...]:
    """What the re-checker fills on the form's ``row``: an actual for a quantitative indicator, a band and a share for
    a qualitative one, the survey box for a satisfaction indicator, and whether it applies."""
    values = ("band", "share") if row.kind == IndicatorKind.QUALITATIVE else ("actual",)
    survey = ("surveyed",) if row.is_satisfaction else ()
    return (*values, "applicable", *survey)


def indicator_formset(data, pairs, prefix: str = "rows"):
    """The formset of ``pairs`` [(form row, RecheckIndicator)]: bound to ``data`` or filled from the re-checker's
    stored values; each form knows its form row (``form.row``) and the re-checker's (``form.own``)."""
    initial = [{"row_id": row.pk, **{k: getattr(own, k) for k in ROW_FIELDS}} for row, own in pairs]
    formset = RecheckIndicatorFormSet(data, initial=initial, prefix=prefix)
    for form, (row, own) in zip(formset.forms, pairs, strict=False):
        form.row, form.own = row, own
    return formset


def formset_rows(formset, rows) -> dict:
    """{form row id: {field: value}} of a valid formset, only the fields each row has; a row id that is not one of
    ``rows`` raises ``ValueError``."""
    by_id = {r.pk: r for r in rows}
    found = {}
    for form in formset.forms:
        if not form.cleaned_data:
            continue
        row = by_id.get(form.cleaned_data["row_id"])
        if row is None:
            raise ValueError(form.cleaned_data["row_id"])
        found[row.pk] = {k: form.cleaned_data[k] for k in row_fields(row)}
    return found

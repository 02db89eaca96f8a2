"""Forms of the self-evaluation pages: opening a round, its transfer-payment list, the unit's form and its indicator
rows. The rules live in ``evaluations.self_actions``; these only read what was typed."""

from __future__ import annotations

from django import forms
from django.db.models import QuerySet

from core import access, pickers
from core.filters import MultiPickerWidget
from evaluations import roster, self_actions
from evaluations.choices import Band, IndicatorKind
from evaluations.models import SelfEvaluation
from subjects.models import Subject
from workflow.forms import ReviewableForm

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def transfer_subject_choices(user) -> QuerySet:
    """The transfer payments ``user`` may put on a round's self-evaluation list: those of the region where the user
    organises self-evaluations, through the gate (the year is checked by ``self_actions.set_transfer_list``)."""
    organisation = self_actions.round_organisation(user) if user is not None and user.is_authenticated else None
    if organisation is None:
        return Subject.objects.none()
    subjects = Subject.objects.filter(organisation__region_id=organisation.region_id, kind__in=roster.TRANSFER_KINDS)
    return access.restrict(subjects, user).select_related("organisation").order_by("-fiscal_year", "code")


pickers.register(
    pickers.PickerKind(
        "transfer_subject",
        "转移支付项目",
        transfer_subject_choices,
        pickers.code_or_name,
        lambda s: f"{s.code} {s.name}（{s.organisation.name}）",
    )
)


def _transfer_field() -> forms.ModelMultipleChoiceField:
    return forms.ModelMultipleChoiceField(
        label="纳入自评的转移支付项目",
        queryset=Subject.objects.none(),
        required=False,
        widget=MultiPickerWidget("transfer_subject"),
        help_text="主管部门会同财政部门确定的转移支付自评清单：输入项目编码或名称查找，可选多个；未列入的转移支付项目不生成自评表",
        error_messages={"invalid_choice": "所选项目 %(value)s 不是本区划的转移支付项目"},
    )


class RoundOpenForm(forms.Form):
    """开启单位自评: the year, the due date, the name, the notice and the agreed transfer-payment list."""

    fiscal_year = forms.IntegerField(
        label="评价年度",
        min_value=2000,
        max_value=2100,
        error_messages={"required": "请填写评价年度", "invalid": "评价年度须为四位数字年份"},
    )
    name = forms.CharField(label="名称", max_length=200, required=False, help_text="不填则为“区划 年度 绩效自评”")
    due_date = forms.DateField(
        label="报送截止日期",
        widget=DATE,
        error_messages={"required": "请填写报送截止日期", "invalid": "报送截止日期格式应为 2026-03-31"},
    )
    notice = forms.CharField(label="通知要求", required=False, widget=forms.Textarea(attrs={"rows": 4}))
    transfer_subjects = _transfer_field()
    reason = forms.CharField(
        label="备注", required=False, max_length=500, widget=forms.TextInput(attrs={"placeholder": "将记入审计日志"})
    )

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["transfer_subjects"].queryset = transfer_subject_choices(user)

    def clean(self):
        data = super().clean()
        year, due = data.get("fiscal_year"), data.get("due_date")
        if year and due and due.year <= year:
            self.add_error("due_date", "报送截止日期应在评价年度结束之后（次年）")
        return data


class TransferListForm(forms.Form):
    transfer_subjects = _transfer_field()

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["transfer_subjects"].queryset = transfer_subject_choices(user)


class SelfEvaluationForm(ReviewableForm):
    """The narrative of the form (项目支出绩效自评表 的文字部分); the indicator rows are the formset beside it."""

    class Meta:
        model = SelfEvaluation
        fields = ["goal_completion", "problems", "measures"]
        widgets = {name: forms.Textarea(attrs={"rows": 3}) for name in ["goal_completion", "problems", "measures"]}


class SelfIndicatorForm(forms.Form):
    """One indicator row as the unit types it; the row itself (target, weight, kind) is ``form.row``. Values are
    checked by ``self_actions.clean_row_values`` when saved, so the page and the API refuse the same things."""

    row_id = forms.IntegerField(widget=forms.HiddenInput)
    actual = forms.CharField(label="全年实际值", max_length=200, required=False)
    band = forms.ChoiceField(label="评价档次", choices=[("", "—"), *Band.choices], required=False)
    share = forms.CharField(
        label="档次内得分比例（%）",
        max_length=20,
        required=False,
        widget=forms.TextInput(attrs={"inputmode": "decimal", "placeholder": "0–100"}),
    )
    applicable = forms.BooleanField(label="适用", required=False)
    surveyed = forms.BooleanField(label="已开展满意度调查", required=False)
    deviation_reason = forms.CharField(
        label="偏差原因", required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 1})
    )
    improvement = forms.CharField(
        label="改进措施", required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 1})
    )


SelfIndicatorFormSet = forms.formset_factory(SelfIndicatorForm, extra=0)


def row_fields(row) -> tuple[str, ...]:
    """The fields the unit fills on ``row``: an actual for a quantitative indicator, a band and a share for a
    qualitative one, the survey box for a satisfaction indicator; whether it applies, the reason and the measure."""
    values = ("band", "share") if row.kind == IndicatorKind.QUALITATIVE else ("actual",)
    survey = ("surveyed",) if row.is_satisfaction else ()
    return (*values, "applicable", *survey, "deviation_reason", "improvement")


def indicator_formset(data, rows, prefix: str = "rows"):
    """The indicator formset of ``rows``: bound to ``data`` (a POST) or filled from the stored rows; each form knows
    its row (``form.row``) when the posted row ids are the form's own, in order."""
    initial = [{"row_id": r.pk, **{k: getattr(r, k) for k in self_actions.ROW_FIELDS}} for r in rows]
    formset = SelfIndicatorFormSet(data, initial=initial, prefix=prefix)
    for form, row in zip(formset.forms, rows, strict=False):
        form.row = row
    return formset


def formset_rows(formset, rows) -> dict:
    """{row id: {field: value}} of a valid formset, only the fields each row has (``row_fields``); a row id that is
    not one of ``rows`` raises ``ValueError``."""
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

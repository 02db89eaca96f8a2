"""Forms of the self-evaluation pages: opening a round, its transfer-payment list, the unit's form and its indicator
rows. The rules live in ``evaluations.self_actions``; these only read what was typed."""

from __future__ import annotations

from django import forms
from django.db.models import QuerySet

from core import access, pickers
from core.filters import MultiPickerWidget
from evaluations import form_scoring, roster, self_actions
from evaluations.choices import Band, FourE, IndicatorKind
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


FOUR_E_HELP = (
    "选中后，本轮政府购买服务项目的自评表按本区划现行的 4E 评价方案（经济性、效率性、有效性、公平性）计分，"
    "预算执行率只列示、不单独计分；各项指标按指标类别预设维度，单位填报时可调整。不选则与其他项目一样按单位自评方案计分"
)


class RoundOpenForm(forms.Form):
    """开启单位自评: the year, the due date, the name, the notice, the agreed transfer-payment list and whether the
    purchased services are scored by the 4E scheme (seed 002 六（二）)."""

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
    purchased_service_four_e = forms.BooleanField(
        label="政府购买服务按 4E 方案评价", required=False, help_text=FOUR_E_HELP
    )
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


# What each narrative field of the 绩效报告 (seed 003 附件4) asks for, shown under it on the form page.
NARRATIVE_HELP = {
    "main_content": "提纲“二、项目主要内容”：项目的主要建设或服务内容、实施范围和对象、资金用途。",
    "plan_adjustment": "提纲“五、2”：执行中绩效目标、实施计划有无调整，调整的原因和采取的措施；没有调整的写“无”。",
    "goal_completion": "提纲“五、4”：对照批复的年度总体目标，说明全年完成情况（报送前必填）。",
    "management": "提纲“五、5”：项目管理、资金管理等制度的建立情况及执行情况。",
    "variance_reason": "提纲“资金超支（节约）原因”：全年执行数与预算数有差额的，说明超支或结余的原因。",
    "social_impact": "提纲“六、2”：项目实施对社会的影响，产生的经济效益、社会效益、生态效益等。",
    "experience": "提纲“六、3”：项目实施中的经验和做法。",
    "problems": "提纲“六、3”：项目实施中存在的问题及其原因。",
    "measures": "提纲“六、3”：下一步的改进措施和建议，自评结果的应用。",
}


class SelfEvaluationForm(ReviewableForm):
    """The narrative of the form (项目支出绩效自评表 的文字部分, the 绩效报告 outline of seed 003 附件4, in its order); the
    indicator rows are the formset beside it. Lengths are checked by ``self_actions.save_form``."""

    class Meta:
        model = SelfEvaluation
        fields = list(self_actions.FORM_FIELDS)
        widgets = {name: forms.Textarea(attrs={"rows": 3}) for name in self_actions.FORM_FIELDS}
        help_texts = NARRATIVE_HELP


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
    dimension = forms.ChoiceField(label="4E 维度", choices=[("", "—"), *FourE.choices], required=False)
    deviation_reason = forms.CharField(
        label="偏差原因", required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 1})
    )
    improvement = forms.CharField(
        label="改进措施", required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 1})
    )


SelfIndicatorFormSet = forms.formset_factory(SelfIndicatorForm, extra=0)


def row_fields(row) -> tuple[str, ...]:
    """The fields the unit fills on ``row``: an actual for a quantitative indicator, a band and a share for a
    qualitative one, the survey box for a satisfaction indicator; whether it applies, the reason and the measure; the
    4E dimension on a form scored by the 4E scheme."""
    values = ("band", "share") if row.kind == IndicatorKind.QUALITATIVE else ("actual",)
    survey = ("surveyed",) if row.is_satisfaction else ()
    dimension = ("dimension",) if form_scoring.is_four_e(row.evaluation) else ()
    return (*values, "applicable", *survey, "deviation_reason", "improvement", *dimension)


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


def narrative_items(form) -> list[dict]:
    """The narrative fields of ``form`` in the outline's order, as the pages show them (the form's page and the
    re-check's): {name, label, value, dom_id}."""
    return [
        {
            "name": name,
            "label": SelfEvaluation._meta.get_field(name).verbose_name,
            "value": getattr(form, name),
            "dom_id": name.replace("_", "-"),
        }
        for name in self_actions.FORM_FIELDS
    ]

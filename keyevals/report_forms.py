"""The forms of the report stage's pages (report sections, problems, feedback letter and reply, filings, archive
uploads, export authorisation). They only read the input; the rules live in the actions (report_actions, letters,
archive, export_auth), which the API calls too."""

from __future__ import annotations

from django import forms

from keyevals import letters
from keyevals.models import ArchiveCategory, EvaluationReport, FilingTo, ProblemCategory

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class ReportSectionsForm(forms.ModelForm):
    class Meta:
        model = EvaluationReport
        fields = ["summary", "basic_facts", "work_done", "analysis", "conclusion", "suggestions", "annexes"]
        labels = {
            "summary": "报告综述（摘要）",
            "basic_facts": "（一）项目基本概况",
            "work_done": "评价工作开展情况",
            "analysis": "（二）项目绩效分析",
            "conclusion": "（二）评价结论",
            "suggestions": "（四）相关意见与建议",
            "annexes": "（五）附件",
        }
        widgets = {name: forms.Textarea(attrs={"rows": 4}) for name in fields}


class ProblemForm(forms.Form):
    category = forms.ChoiceField(
        label="问题类别",
        choices=[("", "请选择"), *list(ProblemCategory.choices)],
        error_messages={"required": "请选择问题类别"},
    )
    description = forms.CharField(
        label="问题描述",
        widget=forms.Textarea(attrs={"rows": 2}),
        max_length=5000,
        error_messages={"required": "请填写问题描述"},
    )
    suggestion = forms.CharField(
        label="整改建议", required=False, widget=forms.Textarea(attrs={"rows": 2}), max_length=5000
    )
    responsible = forms.ChoiceField(label="责任单位", error_messages={"required": "请选择责任单位"})
    indicator = forms.ChoiceField(label="相关指标", required=False)
    amount = forms.CharField(label="涉及金额（元）", required=False, max_length=30)

    def __init__(self, *args, evaluation, **kwargs):
        from keyevals import report_actions

        super().__init__(*args, **kwargs)
        self.fields["responsible"].choices = [("", "请选择")] + [
            (o.pk, o.name) for o in report_actions.responsible_choices(evaluation)
        ]
        self.fields["indicator"].choices = [("", "（不对应具体指标）")] + [
            (i.pk, f"{i.order}. {i.name}") for i in report_actions.indicator_choices(evaluation)
        ]


class LetterForm(forms.Form):
    number = forms.CharField(label="文号", required=False, max_length=60)
    reply_due = forms.DateField(label="反馈截止日期", widget=DATE)
    body = forms.CharField(
        label="函件正文",
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=5000,
        help_text="正文后自动加上“请于××前提出书面意见或说明，逾期未复，视为无异议。”",
    )


class ReplyForm(forms.Form):
    objection = forms.TypedChoiceField(
        label="对评价报告",
        choices=[("0", "无异议"), ("1", "有异议")],
        coerce=lambda v: v == "1",
        widget=forms.RadioSelect,
        initial="0",
    )
    on_conclusion = forms.CharField(
        label=letters.REPLY_SECTIONS[0][1], required=False, widget=forms.Textarea(attrs={"rows": 3}), max_length=5000
    )
    on_suggestions = forms.CharField(
        label=letters.REPLY_SECTIONS[1][1], required=False, widget=forms.Textarea(attrs={"rows": 3}), max_length=5000
    )
    other = forms.CharField(
        label=letters.REPLY_SECTIONS[2][1], required=False, widget=forms.Textarea(attrs={"rows": 3}), max_length=5000
    )


class FilingForm(forms.Form):
    filed_with = forms.ChoiceField(label="报送对象", choices=FilingTo.choices)
    filed_on = forms.DateField(label="报送日期", widget=DATE)
    document_number = forms.CharField(label="报送文号", required=False, max_length=60)


class ArchiveUploadForm(forms.Form):
    category = forms.ChoiceField(label="档案类别", choices=[("", "请选择"), *list(ArchiveCategory.choices)])
    title = forms.CharField(label="名称", required=False, max_length=200, help_text="不填则用文件名")
    file = forms.FileField(label="文件")

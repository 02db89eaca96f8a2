"""Forms of the survey designer. Validation is ``surveys.actions.clean_survey`` / ``clean_question``, shared with
the API, so a page and an API call never disagree."""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError

from surveys import actions
from surveys.models import QuestionKind, Survey, SurveyStatus

DATETIME = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")


class SurveyForm(forms.ModelForm):
    """The survey's own fields; a published survey offers only those it may still change (actions.EDITABLE)."""

    class Meta:
        model = Survey
        fields = ["title", "intro", "population", "opens_at", "closes_at"]
        widgets = {
            "intro": forms.Textarea(attrs={"rows": 3, "placeholder": "向受访者说明调查目的、匿名性和大约用时"}),
            "opens_at": DATETIME,
            "closes_at": DATETIME,
        }
        help_texts = {"opens_at": "不填则发布即开始", "closes_at": "不填则手动结束"}

    def __init__(self, *args, status: str = SurveyStatus.DRAFT, **kwargs):
        super().__init__(*args, **kwargs)
        allowed = actions.EDITABLE[status]
        for name in list(self.fields):
            if name not in allowed:
                del self.fields[name]
        for name in ("opens_at", "closes_at"):
            if name in self.fields:
                self.fields[name].input_formats = ["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%d"]

    def clean(self):
        data = super().clean()
        try:
            actions.clean_survey(dict(data), self.instance if self.instance.pk else None)
        except ValidationError as exc:
            for field, messages in exc.message_dict.items():
                self.add_error(field if field in self.fields else None, messages)
        return data

    def changes(self) -> dict:
        return {name: self.cleaned_data[name] for name in self.fields}


class QuestionForm(forms.Form):
    kind = forms.ChoiceField(label="题型", choices=QuestionKind.choices)
    text = forms.CharField(label="题目", max_length=300)
    required = forms.BooleanField(label="必答", required=False, initial=True)
    options = forms.CharField(
        label="选项",
        required=False,
        widget=forms.Textarea(attrs={"rows": 4, "placeholder": "非常满意\n满意\n一般\n不满意"}),
        help_text="单选、多选题填写，一行一项",
    )
    scale = forms.IntegerField(
        label="评分档数",
        min_value=2,
        max_value=10,
        initial=5,
        required=False,
        help_text="评分题：1 分最低，最高分为档数（2–10）",
    )
    counts_toward_satisfaction = forms.BooleanField(label="计入满意度", required=False)
    satisfied_from = forms.IntegerField(
        label="满意起点",
        required=False,
        min_value=1,
        max_value=10,
        help_text="评分题：不低于此分视为满意（如 5 档中的 4）",
    )
    satisfied_options = forms.CharField(
        label="视为满意的选项",
        required=False,
        widget=forms.Textarea(attrs={"rows": 2, "placeholder": "非常满意\n满意"}),
        help_text="单选题：选中这些选项视为满意，一行一项",
    )

    @classmethod
    def of(cls, question, **kwargs) -> QuestionForm:
        return cls(
            initial={
                "kind": question.kind,
                "text": question.text,
                "required": question.required,
                "options": "\n".join(question.options),
                "scale": question.scale,
                "counts_toward_satisfaction": question.counts_toward_satisfaction,
                "satisfied_from": question.satisfied_from,
                "satisfied_options": "\n".join(question.satisfied_options),
            },
            **kwargs,
        )

    def clean(self):
        data = super().clean()
        if self.errors:
            return data
        try:
            self.fields_out = actions.clean_question(dict(data))
        except ValidationError as exc:
            for field, messages in exc.message_dict.items():
                self.add_error(field if field in self.fields else None, messages)
        return data

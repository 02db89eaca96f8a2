"""Forms of the fieldwork records: document requests and answers, site visits, consultation notes."""

from __future__ import annotations

from django import forms

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
DATE_ERRORS = {"invalid": "日期格式应为 2026-09-15"}


class RequestForm(forms.Form):
    title = forms.CharField(label="资料名称", max_length=200)
    detail = forms.CharField(label="具体要求", required=False, widget=forms.Textarea(attrs={"rows": 2}))
    due_on = forms.DateField(label="提供期限", widget=DATE, error_messages=DATE_ERRORS)


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput())
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        single = super().clean
        if isinstance(data, (list, tuple)):
            return [single(d, initial) for d in data if d]
        return [single(data, initial)] if data else []


class AnswerForm(forms.Form):
    answer = forms.CharField(label="说明", required=False, widget=forms.Textarea(attrs={"rows": 3}))
    files = MultipleFileField(
        label="资料文件", required=False, help_text="PDF、OFD、Word、WPS、Excel、ZIP、图片，可选多个"
    )


class VisitForm(forms.Form):
    visited_on = forms.DateField(label="勘查日期", widget=DATE, error_messages=DATE_ERRORS)
    place = forms.CharField(label="地点", max_length=200)
    people = forms.CharField(label="参加人员", max_length=300)
    findings = forms.CharField(label="勘查发现", widget=forms.Textarea(attrs={"rows": 3}))


class ConsultationForm(forms.Form):
    held_on = forms.DateField(label="日期", widget=DATE, error_messages=DATE_ERRORS)
    experts = forms.CharField(label="参加专家", max_length=300)
    topic = forms.CharField(label="议题", max_length=200)
    opinion = forms.CharField(label="专家意见", widget=forms.Textarea(attrs={"rows": 3}))

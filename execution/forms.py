from django import forms
from django.core.exceptions import ValidationError

from core import fiscal
from core.filters import PickerWidget
from execution.jobs import check_upload, max_upload_bytes
from execution.loading import LoadFileError


class LoadUploadForm(forms.Form):
    file = forms.FileField(
        label="文件（CSV 或 .xlsx）",
        widget=forms.ClearableFileInput(
            attrs={
                "accept": ".csv,.txt,.xlsx,text/csv,application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
            }
        ),
        error_messages={"required": "请选择要导入的文件", "empty": "文件是空的"},
    )
    fiscal_year = forms.TypedChoiceField(label="预算年度", coerce=int, help_text="文件中的日期都须在此年度内")

    def __init__(self, *args, year=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["fiscal_year"].choices = [(y, f"{y} 年") for y in fiscal.year_choices()]
        self.fields["fiscal_year"].initial = year or fiscal.default_year()
        self.fields["file"].help_text = (
            f"CSV（UTF-8 或 GBK 编码，逗号分隔，第一行为列名）或 Excel .xlsx（第一个工作表），"
            f"不超过 {max_upload_bytes() // (1024 * 1024)} MB"
        )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        try:
            check_upload(upload)
        except LoadFileError as exc:
            raise ValidationError(str(exc)) from None
        return upload


class MatchForm(forms.Form):
    """Matching a queued project code to a subject chosen with the searchable subject picker (issue 12 §5): the
    picker and this field offer the same gated subjects (``core.pickers`` "subject"), so an id outside the user's
    reach is refused like one that does not exist."""

    project_code = forms.CharField(widget=forms.HiddenInput, max_length=40)
    fiscal_year = forms.IntegerField(widget=forms.HiddenInput)
    subject = forms.ModelChoiceField(
        label="匹配到项目",
        queryset=None,
        widget=PickerWidget("subject"),
        error_messages={
            "required": "请在“匹配到项目”中查找并选择项目",
            "invalid_choice": "没有找到所选项目，或该项目不在您的管理范围内",
        },
    )
    reason = forms.CharField(label="说明", max_length=200, required=False)

    def __init__(self, *args, user=None, **kwargs):
        from core import pickers

        super().__init__(*args, **kwargs)
        self.fields["subject"].queryset = pickers.options("subject", user)


class IgnoreForm(forms.Form):
    project_code = forms.CharField(widget=forms.HiddenInput, max_length=40)
    fiscal_year = forms.IntegerField(widget=forms.HiddenInput)
    reason = forms.CharField(
        label="理由", max_length=200, error_messages={"required": "请说明为什么这些记录不属于绩效管理对象"}
    )

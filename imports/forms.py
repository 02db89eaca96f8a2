from django import forms
from django.core.exceptions import ValidationError

from imports.framework import ImportFileError, check_upload


class ImportUploadForm(forms.Form):
    file = forms.FileField(
        label="Excel 文件（.xlsx）",
        widget=forms.ClearableFileInput(
            attrs={"accept": ".xlsx,application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}
        ),
        error_messages={"required": "请选择要导入的 Excel 文件", "empty": "文件是空的，请选择填好数据的 Excel 文件"},
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        try:
            check_upload(upload, upload.name, upload.size)
        except ImportFileError as exc:
            raise ValidationError(str(exc)) from None
        return upload

"""Filter pieces shared by every list page and API list."""

import django_filters
from django import forms


class AllYesNoSelect(forms.Select):
    """全部 / 是 / 否 instead of django-filter's 未知 / 是 / 否."""

    def __init__(self, attrs=None):
        super().__init__(attrs, choices=[("", "全部"), ("true", "是"), ("false", "否")])

    def value_from_datadict(self, data, files, name):
        value = data.get(name)
        return {"true": True, "1": True, "True": True, "false": False, "0": False, "False": False}.get(value)

    def format_value(self, value):
        return {True: ["true"], False: ["false"]}.get(value, [""])


class YesNoFilter(django_filters.BooleanFilter):
    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", AllYesNoSelect)
        super().__init__(*args, **kwargs)

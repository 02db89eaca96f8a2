"""How every form of the project says "nothing chosen yet": 请选择, not Django's "---------" (issue 12 §7).

Applied once, at start-up (``core.apps.CoreConfig.ready``), to Django's two sources of the dash: the blank choice of a
model field with ``choices`` and the empty label of a ``ModelChoiceField``. One place, so a new app's forms say it too.
"""

from django import forms
from django.db.models import fields as model_fields

EMPTY_LABEL = "请选择"


def apply() -> None:
    # Field.get_choices() and the form fields built from model fields read this list (by reference).
    model_fields.BLANK_CHOICE_DASH[:] = [("", EMPTY_LABEL)]
    original = forms.ModelChoiceField.__init__
    if getattr(original, "jixiao_empty_label", False):
        return

    def __init__(self, queryset, *, empty_label=EMPTY_LABEL, **kwargs):
        original(self, queryset, empty_label=empty_label, **kwargs)

    __init__.jixiao_empty_label = True
    forms.ModelChoiceField.__init__ = __init__

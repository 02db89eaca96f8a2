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


# ---------------------------------------------------------------------------------------------- choices through the gate


def gate_rule(model) -> bool:
    """Whether the access gate has a rule for ``model``: records that name their organisation, reference data every
    signed-in user reads (``access_public_read``: regions, the indicator library) or the administrators' records."""
    return any(
        hasattr(model, attribute) for attribute in ("access_org_field", "access_public_read", "access_admin_only")
    )


class PickerWidget(forms.Widget):
    """A text box that searches ``/pick/<kind>/`` (htmx, core/pickers.py) and a hidden input with the chosen id:
    no option list in the page. The chosen row is shown by name, looked up in the field's (gated) queryset, so an
    id outside the user's reach shows nothing. Without JavaScript the id in the address still filters."""

    template_name = "core/widgets/picker.html"

    def __init__(self, kind: str, attrs=None):
        super().__init__(attrs)
        self.kind = kind
        self.choices = ()  # ModelChoiceField sets its ModelChoiceIterator here

    def format_value(self, value):
        return "" if value in (None, "") else str(value)

    def chosen_text(self, value: str) -> str:
        from core import pickers

        queryset = getattr(self.choices, "queryset", None)
        if not value or queryset is None or not str(value).isdecimal():
            return ""
        row = queryset.filter(pk=value).first()
        return pickers.kind(self.kind).describe(row) if row is not None else ""

    def render(self, name, value, attrs=None, renderer=None):
        from django.template.loader import render_to_string
        from django.urls import reverse

        from core import pickers

        value = self.format_value(value)
        attrs = self.build_attrs(self.attrs, attrs)
        return render_to_string(
            self.template_name,
            {
                "name": name,
                "value": value,
                "text": self.chosen_text(value),
                "attrs": attrs,
                "url": reverse("pick", args=[self.kind]),
                "noun": pickers.kind(self.kind).noun,
            },
        )


class MultiPickerWidget(PickerWidget):
    """Several records chosen with the same search (``/pick/<kind>/``): each choice a removable chip carrying a
    hidden input of the field's name, so the form receives a list of ids, as from a multiple select, without an
    option list of thousands in the page (issue 12 §4, issue 16). The chips of a bound form are looked up in the
    field's (gated) queryset: an id outside it shows nothing and the field refuses it."""

    template_name = "core/widgets/multipicker.html"
    allow_multiple_selected = True

    def value_from_datadict(self, data, files, name):
        return data.getlist(name) if hasattr(data, "getlist") else data.get(name)

    def value_omitted_from_data(self, data, files, name):
        return False  # no chip is an empty choice, not a field left out

    def chosen(self, values) -> list[dict]:
        from core import pickers

        queryset = getattr(self.choices, "queryset", None)
        ids = [str(v) for v in (values or []) if str(v).isdecimal()]
        if queryset is None or not ids:
            return []
        describe = pickers.kind(self.kind).describe
        rows = {str(row.pk): row for row in queryset.filter(pk__in=ids)}
        return [{"id": pk, "text": describe(rows[pk])} for pk in dict.fromkeys(ids) if pk in rows]

    def render(self, name, value, attrs=None, renderer=None):
        from django.template.loader import render_to_string
        from django.urls import reverse

        from core import pickers

        values = value if isinstance(value, list | tuple) else ([] if value in (None, "") else [value])
        return render_to_string(
            self.template_name,
            {
                "name": name,
                "chosen": self.chosen([getattr(v, "pk", v) for v in values]),
                "attrs": self.build_attrs(self.attrs, attrs),
                "url": reverse("pick", args=[self.kind]),
                "noun": pickers.kind(self.kind).noun,
            },
        )


class PickerFilter(django_filters.ModelChoiceFilter):
    """A model choice filter over a large set: its choices are the picker kind's (core/pickers.py), gated for the
    requesting user, and it renders as a searchable ``PickerWidget``. The GET parameter stays the record's id."""

    def __init__(self, kind: str, *args, **kwargs):
        from core import pickers

        pickers.kind(kind)  # an unknown kind fails at import, not at the first request
        self.kind = kind
        kwargs.setdefault("queryset", lambda request: pickers.options(kind, getattr(request, "user", None)))
        kwargs.setdefault("widget", PickerWidget(kind))
        super().__init__(*args, **kwargs)


def _gated(queryset, user):
    """Wrap a model choice filter's queryset (a queryset or django-filter's ``callable(request)``) so that it
    yields only what the access gate lets ``user`` see."""
    from django.core.exceptions import ImproperlyConfigured

    from core import access

    def choices(request):
        resolved = queryset(request) if callable(queryset) else queryset
        if resolved is None:
            return resolved
        if not gate_rule(resolved.model):
            raise ImproperlyConfigured(
                f"{resolved.model._meta.label} has no access-gate rule: declare access_org_field or "
                "access_public_read on the model (core/access.py), or offer it through a picker kind"
            )
        return access.choices(resolved, user)

    return choices


MODEL_CHOICE_FILTERS = (django_filters.ModelChoiceFilter, django_filters.ModelMultipleChoiceFilter)
NUMBER_LIMIT = 2**63 - 1  # the widest integer column of either database


class GatedFilterSet(django_filters.FilterSet):
    """Base of every filterset of the project (issue 16): the choices of every model choice filter, declared or
    generated from ``Meta.fields``, come through the access gate for the requesting user, as the API serializers'
    related fields do (``core.api.GatedChoicesMixin``). A picker filter's choices are its kind's, which is gated
    already. No request (a schema being generated) offers nothing. core/tests/test_filter_reach.py checks that every
    filterset inherits this class and walks every list page's filters as a unit and a department user."""

    def __init__(self, data=None, queryset=None, *, request=None, prefix=None):
        super().__init__(data, queryset, request=request, prefix=prefix)
        user = getattr(request, "user", None)
        for filter_ in self.filters.values():
            if isinstance(filter_, django_filters.NumberFilter) and "max_value" not in filter_.extra:
                # A number beyond what the database compares (``?department=1e30``) is a 400, not a 500 (issue 17 §6).
                filter_.extra.update(min_value=-NUMBER_LIMIT, max_value=NUMBER_LIMIT)
                filter_.__dict__.pop("_field", None)
            # A form field built earlier (by code that read ``base_filters[…].field`` without a queryset: the API
            # schema, the bad-filter page) is copied with the filters: drop it, so that this request's gated choices
            # are the ones used, and a label is the model field's (类型), never the bare name (Kind).
            filter_.__dict__.pop("_field", None)
            if isinstance(filter_, MODEL_CHOICE_FILTERS) and not isinstance(filter_, PickerFilter):
                filter_.queryset = _gated(filter_.queryset, user)

"""Filter choices go through the gate (issue 16): every filterset inherits core.filters.GatedFilterSet; every list
page's filter form, walked as a unit user and as a department user, names nothing outside the user's reach, even
when the address names an out-of-reach record; the picker endpoint returns at most 20 rows, all in reach; and the
API answers an out-of-reach id exactly as it answers an id that does not exist."""

import re

import django_filters
import pytest
from django.core.exceptions import ImproperlyConfigured
from django.test import RequestFactory
from django.urls import resolve, reverse

from core import pickers
from core.filters import GatedFilterSet, PickerFilter, PickerWidget
from core.testing import navigation_urls, out_of_reach_names, own_apps, user
from core.views import GatedListView
from organisations.models import Organisation
from subjects.models import Subject

pytestmark = pytest.mark.django_db

OWN_MODULES = own_apps()
# A unit user and a department user (ADR 0002's narrowest business reaches).
WALKERS = ["edu_preparer", "edu_reviewer"]
FILTER_FORM = re.compile(r'<form method="get"[^>]*>.*?</form>', re.S)
PICKER_FIELD = re.compile(
    r'name="(?P<name>[\w]+)" value="[^"]*" id="[^"]*" data-picker-value>.*?hx-get="/pick/(?P<kind>\w+)/"', re.S
)


def _all_subclasses(cls):
    for sub in cls.__subclasses__():
        yield sub
        yield from _all_subclasses(sub)


def _own_filtersets():
    import jixiao.api  # imports every app's api module
    import jixiao.urls  # noqa: F401 - and every view module

    return {
        c
        for c in _all_subclasses(django_filters.FilterSet)
        if c.__module__.split(".")[0] in OWN_MODULES and not c.__name__.startswith("_")
    }


def _list_pages() -> list[str]:
    """Every GatedListView the navigation links to, and the target sheets' export page (its own filter form)."""
    pages = [
        url for url in navigation_urls() if issubclass(getattr(resolve(url).func, "view_class", object), GatedListView)
    ]
    return [*pages, reverse("targets:io")]


def _request(username):
    request = RequestFactory().get("/")
    request.user = user(username)
    return request


def test_every_filterset_of_the_project_gates_its_choices():
    own = _own_filtersets()
    assert len(own) > 15, own
    ungated = sorted(f"{c.__module__}.{c.__name__}" for c in own if not issubclass(c, GatedFilterSet))
    assert ungated == []


def test_every_model_choice_filter_has_a_gate_rule():
    """Instantiating each filterset and building its form resolves every model choice filter through the gate: a
    model without a gate rule fails loudly (ImproperlyConfigured) instead of listing everything."""
    for filterset_class in _own_filtersets():
        model = filterset_class._meta.model
        if model is None:
            continue  # an abstract base (ReviewableFilterSet)
        filterset = filterset_class(queryset=model._default_manager.none(), request=_request("perf"))
        filterset.form  # noqa: B018 - builds every field, so every choice queryset is resolved


def test_a_model_without_a_gate_rule_is_refused():
    from workflow.models import ChainStep

    assert not hasattr(ChainStep, "access_org_field")

    class Ungated(GatedFilterSet):
        step = django_filters.ModelChoiceFilter(queryset=ChainStep.objects.all())

        class Meta:
            model = Subject
            fields = ["step"]

    with pytest.raises(ImproperlyConfigured):
        Ungated(queryset=Subject.objects.none(), request=_request("perf")).form  # noqa: B018


def test_a_plain_model_choice_filter_is_narrowed_to_the_users_reach():
    class Plain(GatedFilterSet):
        organisation = django_filters.ModelChoiceFilter(queryset=Organisation.objects.all())

        class Meta:
            model = Subject
            fields = ["organisation"]

    offered = Plain(queryset=Subject.objects.none(), request=_request("edu_preparer")).form.fields["organisation"]
    assert [o.name for o in offered.queryset] == [user("edu_preparer").organisation.name]
    assert not Plain(queryset=Subject.objects.none()).form.fields["organisation"].queryset.exists()


@pytest.mark.parametrize("username", WALKERS)
def test_every_list_pages_filters_name_nothing_out_of_reach(client_as, username):
    account = user(username)
    forbidden = out_of_reach_names(account)
    assert len(forbidden) > 50
    client = client_as(username)
    forms, pickers_seen = [], []
    for url in _list_pages():
        response = client.get(url)
        if response.status_code != 200:
            continue
        match = FILTER_FORM.search(response.content.decode())
        if match is None:
            continue
        forms.append((url, match.group(0)))
        for field in PICKER_FIELD.finditer(match.group(0)):
            pickers_seen.append((url, field["name"], field["kind"]))
    assert len(forms) >= 5, forms
    assert pickers_seen, "no list page offers a picker"
    # Each picker, with an out-of-reach record named in the address (a bookmark, a guess), shows no name.
    for url, name, kind in pickers_seen:
        outside = _outside(kind, account)
        if outside is None:
            continue
        response = client.get(url, {name: outside.pk})
        assert response.status_code == 200, (url, name)
        forms.append((f"{url}?{name}={outside.pk}", FILTER_FORM.search(response.content.decode()).group(0)))
    leaks = [(where, sorted(n for n in forbidden if n in form)[:5]) for where, form in forms]
    leaks = [(where, found) for where, found in leaks if found]
    assert leaks == [], "\n".join(f"{w}: {f}" for w, f in leaks)
    assert all("<option" not in form or form.count("<option") < 60 for _, form in forms)


def _outside(kind: str, account):
    """A record of ``kind`` outside ``account``'s reach (None for public reference data)."""
    reach = pickers.options(kind, account)
    model = reach.model
    if getattr(model, "access_public_read", False):
        return None
    return model._default_manager.exclude(pk__in=reach.values("pk")).first()


@pytest.mark.parametrize("username", WALKERS)
def test_the_picker_finds_at_most_20_rows_and_only_reachable_ones(client_as, username):
    account = user(username)
    forbidden = out_of_reach_names(account)
    client = client_as(username)
    for kind in pickers.KINDS:
        reach = set(pickers.options(kind, account).values_list("pk", flat=True))
        for q in ("", "示范", "1", "局", "医院", "中学"):
            for fmt in ("json", "html"):
                response = client.get(reverse("pick", args=[kind]), {"q": q, "format": fmt})
                assert response.status_code == 200
                text = response.content.decode()
                assert not [n for n in forbidden if n in text], (kind, q, fmt)
                if fmt == "json":
                    ids = [row["id"] for row in response.json()["results"]]
                    assert len(ids) <= pickers.LIMIT
                    assert set(ids) <= reach, (kind, q)
                else:
                    assert text.count("data-picker-choice") <= pickers.LIMIT


def test_the_picker_is_capped_and_searches_code_and_name(client_as):
    client = client_as("perf")
    everything = client.get(reverse("pick", args=["organisation"]), {"format": "json"}).json()["results"]
    assert len(everything) == pickers.LIMIT < pickers.options("organisation", user("perf")).count()
    school = Organisation.objects.get(name="示范市第一中学")
    by_name = client.get(reverse("pick", args=["organisation"]), {"q": "第一中学", "format": "json"}).json()
    assert school.pk in [row["id"] for row in by_name["results"]]
    if school.budget_code:
        by_code = client.get(reverse("pick", args=["organisation"]), {"q": school.budget_code, "format": "json"})
        assert school.pk in [row["id"] for row in by_code.json()["results"]]
    assert client.get(reverse("pick", args=["nothing"])).status_code == 404


def test_the_picker_needs_a_signed_in_user(client):
    response = client.get(reverse("pick", args=["organisation"]))
    assert response.status_code == 302


def test_a_picked_id_filters_the_list_without_javascript(client_as):
    """The hidden input's id is an ordinary GET parameter: a bookmark or a page without JavaScript still filters,
    and the chosen organisation is shown by name."""
    school = Organisation.objects.get(name="示范市第一中学")
    response = client_as("perf").get("/execution/payments/", {"organisation": school.pk})
    assert response.status_code == 200
    form = FILTER_FORM.search(response.content.decode()).group(0)
    assert f'name="organisation" value="{school.pk}"' in form
    assert "示范市第一中学" in form
    assert "<option" not in form.split('name="organisation"')[1].split("</div>")[0]


def test_the_api_answers_an_out_of_reach_id_as_a_missing_one(client_as):
    client = client_as("edu_preparer")
    outside = _outside("organisation", user("edu_preparer"))
    assert outside is not None
    missing = Organisation.objects.order_by("-pk").first().pk + 1000
    for url in ("/api/execution/payments/", "/api/execution/allocations/"):
        refused = client.get(url, {"organisation": outside.pk, "format": "json"})
        absent = client.get(url, {"organisation": missing, "format": "json"})
        assert refused.status_code == absent.status_code
        assert refused.json() == absent.json()
        assert outside.name not in refused.content.decode()
    own = client.get("/api/execution/payments/", {"organisation": user("edu_preparer").organisation_id})
    assert own.status_code == 200


def test_the_picker_widget_renders_no_option_list():
    widget = PickerWidget("organisation")
    html = widget.render("organisation", None, {"id": "id_organisation"})
    assert "<option" not in html and 'hx-get="/pick/organisation/"' in html
    assert 'form="jx-picker-detached"' in html  # the search box is never submitted with the filter form
    assert isinstance(PickerFilter("subject"), django_filters.ModelChoiceFilter)


def test_a_field_built_on_the_class_does_not_bypass_the_gate():
    """Code that reads ``base_filters[name].field`` (no request: nothing to gate for) caches a form field on the
    class's filter; every filterset instance still builds its own, gated for its request."""
    from execution.filtersets import PaymentFilterSet
    from execution.models import Payment

    PaymentFilterSet.base_filters["organisation"].field  # noqa: B018
    own = user("edu_preparer").organisation
    filterset = PaymentFilterSet({"organisation": own.pk}, Payment.objects.none(), request=_request("edu_preparer"))
    assert filterset.is_valid(), filterset.errors
    outside = _outside("organisation", user("edu_preparer"))
    refused = PaymentFilterSet({"organisation": outside.pk}, Payment.objects.none(), request=_request("edu_preparer"))
    assert not refused.is_valid()


def test_a_filter_read_before_any_request_keeps_its_chinese_label():
    """A filter's form field built without a queryset (the API schema, the bad-filter page read ``base_filters``) had
    no model to name it: the holds page showed "Kind" instead of 类型. Each request builds its fields again."""
    from monitoring.filtersets import DisbursementHoldFilterSet
    from monitoring.models import DisbursementHold

    DisbursementHoldFilterSet.base_filters["kind"].field  # noqa: B018  (what such code does)
    filterset = DisbursementHoldFilterSet(queryset=DisbursementHold.objects.all())
    assert filterset.form.fields["kind"].label == "类型"

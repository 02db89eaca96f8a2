"""A record's detail URL without a ``reverse`` per row (issue 16: ``get_absolute_url`` → ``reverse`` cost 4–6 % of
a list page, once or twice per row).

``detail_url("subjects:detail", pk)`` reverses the URL name once (per URL configuration and script prefix) with a
marker in place of the key, keeps the text around it, and joins the key in between afterwards: the same string
``reverse(name, args=[pk])`` gives, for a name whose pattern takes the one integer key.
"""

from __future__ import annotations

import functools

from django.urls import get_script_prefix, get_urlconf, reverse

_MARK = 918_273_645_546_372_819  # an integer no primary key will be, found once in the reversed URL


@functools.lru_cache(maxsize=512)
def _around(viewname: str, urlconf, prefix: str) -> tuple[str, str]:
    url = reverse(viewname, args=[_MARK], urlconf=urlconf)
    head, mark, tail = url.partition(str(_MARK))
    if not mark:
        raise ValueError(f"{viewname} does not take one integer key")
    return head, tail


def detail_url(viewname: str, pk: int) -> str:
    """``reverse(viewname, args=[pk])`` for a URL pattern with one ``<int:pk>``."""
    if not isinstance(pk, int) or pk < 0:
        return reverse(viewname, args=[pk])  # what reverse makes of it (an unsaved record: NoReverseMatch)
    head, tail = _around(viewname, get_urlconf(), get_script_prefix())
    return f"{head}{pk}{tail}"

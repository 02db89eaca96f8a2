"""A refused form keeps what the user typed (issue 12 §7: "a form rejected by the server keeps everything the user
typed"). The forms of a detail page (the library's 办理 form, the assessment's scores) post to their own action
views, which refuse with a message and redirect back to the page (post/redirect/get). Before redirecting, such a
view ``keep``s the posted values in the session under the form's name; the page ``take``s them once, to fill its
form again. Nothing is kept on success, nothing is read twice, and a value is only ever shown back to the person who
typed it."""

from __future__ import annotations

SESSION_KEY = "jixiao:kept-input"
SKIPPED = frozenset({"csrfmiddlewaretoken", "version"})  # the version is always the stored one when the page reloads


def keep(request, form: str, data) -> None:
    """Remember ``data`` (a QueryDict or dict of the refused POST) for ``form`` (e.g. "subject-lifecycle-12")."""
    values = {key: data.get(key) for key in data.keys() if key not in SKIPPED}
    request.session[SESSION_KEY] = {"form": form, "values": values}


def take(request, form: str) -> dict:
    """The values kept for ``form`` (once: they are dropped), or {}."""
    kept = request.session.get(SESSION_KEY)
    if not kept or kept.get("form") != form:
        return {}
    del request.session[SESSION_KEY]
    return kept.get("values") or {}

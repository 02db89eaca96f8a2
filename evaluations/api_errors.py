"""How the self-evaluation API answers an action's refusal: a visible record's refused action is audited and 403 (the
API's convention; pages answer 404); a ValidationError becomes a 400 keyed by field, with a row's message under
``rows``. Shared by the rounds (``api_self_rounds``) and the forms (``api_self``)."""

from __future__ import annotations

from django.core.exceptions import NON_FIELD_ERRORS
from django.core.exceptions import ValidationError as DjangoValidationError
from rest_framework import exceptions

from evaluations import self_actions

ROW_KEY = "rows"


def denied(obj, user, exc) -> exceptions.PermissionDenied:
    """A refusal of a visible record's action: audited, then 403 (the API's convention; pages answer 404)."""
    self_actions.refuse(obj, user, exc)
    return exceptions.PermissionDenied(str(exc))


def invalid(exc: DjangoValidationError, default_field: str = "non_field_errors") -> exceptions.ValidationError:
    """An action's refusal as a 400: a row's message (``row-<id>-<field>``) under ``rows``, a field's under the field,
    a message without a field under ``default_field``."""
    if not hasattr(exc, "error_dict"):
        return exceptions.ValidationError({default_field: exc.messages})
    found: dict[str, list[str]] = {}
    for key, errors in exc.error_dict.items():
        name = ROW_KEY if key.startswith("row-") else default_field if key == NON_FIELD_ERRORS else key
        found.setdefault(name, []).extend(m for e in errors for m in e.messages)
    return exceptions.ValidationError(found)

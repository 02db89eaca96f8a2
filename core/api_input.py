"""Reading request bodies in the API: one place that turns a body of the wrong shape into a 400 with a Chinese
message naming the problem, never a 500 (issue 17 §6, docs/decisions/0025-no-server-errors.md).

- ``body_dict(request)``: the body as a mapping, or 400 "请求体应为 JSON 对象" (a list, a string, a number…).
- ``validated(request, SerializerClass)``: the body checked by a serializer; every custom action that reads a body
  goes through it (or ``body_dict``), never ``request.data.get`` / ``request.data[…]`` directly.
- ``RowList``: the list serializer of nested rows (``Meta.list_serializer_class = RowList``). A PATCH is partial,
  and DRF then skips the required fields of nested rows too; ``RowList`` checks them anyway and names the row and
  the field: "第 2 行缺少 point".

A malformed id in a path is the router's business: every detail route takes ``core.api.ID_REGEX``.
"""

from __future__ import annotations

from collections.abc import Mapping

from rest_framework import serializers

from core.api import GatedChoicesMixin

_KINDS = {list: "数组", tuple: "数组", str: "文字", int: "数字", float: "数字", bool: "布尔值", type(None): "null"}


def kind_of(value) -> str:
    """What a JSON value is, in words the user knows."""
    return _KINDS.get(type(value), type(value).__name__)


def body_dict(request) -> Mapping:
    """The request body as a mapping (JSON object or form); anything else answers 400."""
    data = request.data
    if isinstance(data, Mapping):
        return data
    raise serializers.ValidationError(
        {"non_field_errors": [f'请求体应为 JSON 对象（如 {{"reason": "…"}}），收到的是{kind_of(data)}']}
    )


def validated(request, serializer_class, **kwargs) -> dict:
    """The body checked by ``serializer_class`` (400 with the field named on any problem)."""
    serializer = serializer_class(data=body_dict(request), context={"request": request}, **kwargs)
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data


def text(request, name: str, default: str = "") -> str:
    """One optional text field of the body (``reason``, ``note``): a number is taken as text, a list or an object
    answers 400 naming the field."""
    value = body_dict(request).get(name, default)
    if value is None:
        return default
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        raise serializers.ValidationError({name: [f"{name} 应为文字，收到的是{kind_of(value)}"]})
    return str(value)


def missing_in_rows(rows, required: list[str]) -> list[str]:
    """The problems of raw nested rows: a row that is not an object, a row without a required field."""
    problems = []
    for number, row in enumerate(rows, start=1):
        if not isinstance(row, Mapping):
            problems.append(f"第 {number} 行应为 JSON 对象，收到的是{kind_of(row)}")
            continue
        problems.extend(f"第 {number} 行缺少 {name}" for name in required if name not in row)
    return problems


class RowList(GatedChoicesMixin, serializers.ListSerializer):
    """Nested rows whose required fields stay required in a partial update (PATCH), each problem naming the row.
    The rows' related fields are gated by the child serializer (a ``GatedSerializer``); the mixin only marks this one
    as the project's (core/tests/test_api_reach.py)."""

    def to_internal_value(self, data):
        if isinstance(data, list | tuple):
            required = [name for name, field in self.child.fields.items() if field.required and not field.read_only]
            problems = missing_in_rows(data, required)
            if problems:
                raise serializers.ValidationError(problems)
        return super().to_internal_value(data)

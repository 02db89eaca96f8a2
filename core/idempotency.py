"""Idempotent creation through the API (issue 17 §8, docs/decisions/0027-idempotency-keys.md), Stripe-style.

A client that may send a creating request twice (a retry after a timeout, a double click in a client program) sends
a header ``Idempotency-Key: <its own unique value>``. The first request with a key reserves it — a row in
``core.IdempotencyKey`` under the unique index (user, key), inserted and committed before the request runs, so a
concurrent twin cannot get past it — and, when it succeeds (2xx), stores its status and body. Then:

- the same key with the same request (method, path with query, body) → the stored response again, with the header
  ``Idempotent-Replayed: true``; nothing is created a second time;
- the same key with another request → 422 "该 Idempotency-Key 已用于另一请求…";
- the same key while the first is still running → the twin waits (``JIXIAO_IDEMPOTENCY_WAIT_SECONDS``) for its
  result and replays it, else answers 409 "相同请求正在处理…";
- a first request that fails (4xx, 5xx, an exception) creates nothing (every creation is one transaction), so its
  reservation is released and the key may be used again;
- keys are kept ``JIXIAO_IDEMPOTENCY_HOURS`` (24); an expired key is free again, ``manage.py purge_idempotency_keys``
  deletes the expired rows.

Without the header nothing changes. Apply with ``@idempotent`` on a DRF view method (``GatedModelViewSet.create``
does it for every create endpoint; create-like ``@action`` methods put it closest to the ``def``); the OpenAPI schema
documents the header on those operations (core/api_schema.py).
"""

from __future__ import annotations

import functools
import hashlib
import json
import re
import time
from datetime import timedelta

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.datastructures import MultiValueDict
from rest_framework import status
from rest_framework.response import Response
from rest_framework.utils.encoders import JSONEncoder

HEADER = "Idempotency-Key"
REPLAYED_HEADER = "Idempotent-Replayed"
_KEY = re.compile(r"[\x21-\x7e]{1,255}")

BAD_KEY = "Idempotency-Key 应为 1–255 个可见 ASCII 字符（建议使用 UUID）"
OTHER_REQUEST = "该 Idempotency-Key 已用于另一请求（地址或内容不同）；新的请求请使用新的 Idempotency-Key"
IN_FLIGHT = "相同请求正在处理，请稍后用同一 Idempotency-Key 重试以取得其结果"

DESCRIPTION = (
    "可选。客户端为每个新建请求生成的唯一值（如 UUID）。重试时使用同一值：首个请求成功后，相同的请求返回首次的结果"
    f"（响应头 `{REPLAYED_HEADER}: true`），不会重复新建；同一值用于不同的请求返回 422；首个请求尚在处理时返回 409。"
    "首个请求失败（4xx/5xx）不保留该值。保存 24 小时。"
)


def idempotent(method):
    """Decorate a DRF view method (``create``, or a create-like POST ``@action``) to honour ``Idempotency-Key``."""

    @functools.wraps(method)
    def wrapper(view, request, *args, **kwargs):
        key = request.headers.get(HEADER)
        if key is None or request.method != "POST":
            return method(view, request, *args, **kwargs)
        return run(request, key, lambda: method(view, request, *args, **kwargs))

    wrapper.idempotent = True
    return wrapper


def run(request, key: str, call):
    """Run ``call()`` (the view) at most once per (user, key); see the module docstring."""
    if not _KEY.fullmatch(key):
        return Response({"detail": BAD_KEY}, status=status.HTTP_400_BAD_REQUEST)
    user = request.user
    if not getattr(user, "is_authenticated", False):
        return call()  # the permission check refuses it; there is no one to keep the key for
    fingerprint = request_hash(request)
    deadline = time.monotonic() + settings.JIXIAO_IDEMPOTENCY_WAIT_SECONDS
    pause = 0.02
    while True:
        record, reserved = _reserve(user, key, request, fingerprint)
        if reserved:
            break
        if record is None:
            continue  # released between our insert and our read: try to reserve it again
        if record.request_hash != fingerprint:
            return Response({"detail": OTHER_REQUEST, "code": "idempotency_key_reused"}, status=422)
        if record.status_code is not None:
            return _replay(record)
        if time.monotonic() >= deadline:
            return Response({"detail": IN_FLIGHT, "code": "idempotency_in_flight"}, status=status.HTTP_409_CONFLICT)
        time.sleep(pause)
        pause = min(pause * 2, 0.25)
    try:
        response = call()
    except BaseException:
        _release(record)
        raise
    if 200 <= response.status_code < 300:
        _complete(record, response)
    else:
        _release(record)
    return response


def request_hash(request) -> str:
    """SHA-256 of the method, the path with its query and the parsed body (uploaded files by their content)."""
    digest = hashlib.sha256(f"{request.method} {request.get_full_path()}\n".encode())
    body = json.dumps(_canonical(request.data), sort_keys=True, ensure_ascii=False, default=str)
    digest.update(body.encode())
    return digest.hexdigest()


def _canonical(data):
    if isinstance(data, MultiValueDict):
        return {str(k): [_canonical(v) for v in data.getlist(k)] for k in data}
    if isinstance(data, dict):
        return {str(k): _canonical(v) for k, v in data.items()}
    if isinstance(data, (list, tuple)):
        return [_canonical(v) for v in data]
    if isinstance(data, UploadedFile):
        content = hashlib.sha256()
        for chunk in data.chunks():
            content.update(chunk)
        data.seek(0)
        return {"file": data.name, "size": data.size, "sha256": content.hexdigest()}
    return data


def _expired_before():
    return timezone.now() - timedelta(hours=settings.JIXIAO_IDEMPOTENCY_HOURS)


def _reserve(user, key: str, request, fingerprint: str):
    """(row, True) when this request reserved the key; (the existing row or None, False) otherwise."""
    from core.models import IdempotencyKey

    IdempotencyKey.objects.filter(user=user, key=key, created_at__lt=_expired_before()).delete()
    try:
        with transaction.atomic():  # a savepoint when called inside a transaction: the IntegrityError stays here
            record = IdempotencyKey.objects.create(
                user=user,
                key=key,
                method=request.method,
                path=request.get_full_path()[:1000],
                request_hash=fingerprint,
            )
        return record, True
    except IntegrityError:
        return IdempotencyKey.objects.filter(user=user, key=key).first(), False


def _complete(record, response) -> None:
    from core.models import IdempotencyKey

    IdempotencyKey.objects.filter(pk=record.pk).update(
        status_code=response.status_code,
        response_body=json.dumps(getattr(response, "data", None), cls=JSONEncoder, ensure_ascii=False),
        location=(response.get("Location") or "")[:1000],
        completed_at=timezone.now(),
    )


def _release(record) -> None:
    from core.models import IdempotencyKey

    IdempotencyKey.objects.filter(pk=record.pk, status_code__isnull=True).delete()


def _replay(record) -> Response:
    headers = {REPLAYED_HEADER: "true"}
    if record.location:
        headers["Location"] = record.location
    return Response(json.loads(record.response_body or "null"), status=record.status_code, headers=headers)


def purge() -> int:
    """Delete the expired keys; returns how many."""
    from core.models import IdempotencyKey

    deleted, _ = IdempotencyKey.objects.filter(created_at__lt=_expired_before()).delete()
    return deleted


def openapi_parameter():
    from drf_spectacular.utils import OpenApiParameter

    return OpenApiParameter(HEADER, str, location=OpenApiParameter.HEADER, required=False, description=DESCRIPTION)

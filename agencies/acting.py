"""The register's actions name their actor in the audit trail whoever calls them (a page, the API, the demo seeder,
a test): ``acting(user)`` sets the actor for the block unless the request already did."""

from __future__ import annotations

from contextlib import nullcontext

from audit.context import acting_as, current_actor


def acting(user):
    current = current_actor()
    if user is None or current.user == user:
        return nullcontext()
    return acting_as(user, ip=current.ip)

"""Actions on evaluation schemes: publishing a region's own version by cloning one (never editing one in use)."""

from __future__ import annotations

import copy
import datetime

from core.versioning import save_new_version
from evaluations.models import EvaluationScheme

NOT_COPIED = {"id", "version", "created_by", "created_at"}


def clone_scheme(
    scheme: EvaluationScheme,
    *,
    region,
    effective_from: datetime.date,
    user=None,
    reason: str = "",
    **changes,
) -> EvaluationScheme:
    """Publish, for ``region`` (None: the default line), a new version of ``scheme``'s kind that starts from its
    numbers with ``changes`` (field name → value: weights, bands, grade lines…). ``scheme`` itself is untouched;
    an invalid result is refused with a ValidationError naming the field, and nothing is saved."""
    fields = {
        f.name: copy.deepcopy(getattr(scheme, f.name))
        for f in EvaluationScheme._meta.concrete_fields
        if f.name not in NOT_COPIED
    }
    unknown = sorted(set(changes) - set(fields))
    if unknown:
        raise TypeError(f"EvaluationScheme has no field {unknown}")
    fields.update(region=region, effective_from=effective_from, **changes)
    clone = EvaluationScheme(**fields)
    return save_new_version(clone, user, reason=reason or f"由“{scheme}”复制调整")

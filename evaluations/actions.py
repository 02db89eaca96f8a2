"""Actions on evaluation schemes: publishing a region's own version by cloning one (never editing one in use), and who
may publish where.

The performance section (预算绩效管理科) of a finance bureau publishes schemes for its region and the regions below,
as it sets the monitoring thresholds (``monitoring.thresholds``); the default line (no region) is the top bureau's.
The capability is the one that organises the self-evaluation (``OPEN_SELF_EVALUATION``, seed 003 第二十三条): the
section that runs the evaluation sets the numbers it is scored by. Reading schemes is open to every signed-in user
(``EvaluationScheme.access_public_read``): a unit must know how it is scored.
"""

from __future__ import annotations

import copy
import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q

from accounts.roles import Capability
from audit import trail
from audit.models import AuditAction
from core import access, clock
from core.versioning import save_new_version
from evaluations.models import EvaluationScheme

NOT_COPIED = {"id", "version", "created_by", "created_at"}
SCHEME_CAPABILITY = Capability.OPEN_SELF_EVALUATION
REFUSED = "只有本级或上级财政部门预算绩效管理科可以设置本区划的绩效评价方案"
REFUSED_DEFAULT = "只有最上级财政局预算绩效管理科可以设置所有区划的默认评价方案"


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


# --- who publishes where -------------------------------------------------------------------------------------------


def managed_regions(user):
    """Regions whose schemes ``user`` may publish: their bureau's region and below (empty for everyone else)."""
    from organisations.models import Region

    q = Q(pk__in=[])
    for assignment in access.capable_assignments(user, SCHEME_CAPABILITY):
        q |= Q(path__startswith=assignment.organisation.region.path)
    return Region.objects.filter(q).order_by("path")


def can_manage_default(user) -> bool:
    """The default line, for every region: only the top bureau's performance section."""
    return access.holds_at_top(user, SCHEME_CAPABILITY)


def publish_targets(user, scheme: EvaluationScheme):
    """(regions, default) a new version starting from ``scheme`` may be published for: the regions ``user`` manages
    within ``scheme``'s line (the line's region and below; any region for the default line), and whether the default
    line itself. Another region's line (a sibling county's) offers nothing: the page and the API answer 404."""
    regions = managed_regions(user)
    if scheme.region_id is not None:
        regions = regions.filter(path__startswith=scheme.region.path)
    return regions, scheme.region_id is None and can_manage_default(user)


def may_publish_from(user, scheme: EvaluationScheme) -> bool:
    regions, default = publish_targets(user, scheme)
    return default or regions.exists()


def publish_scheme(
    scheme: EvaluationScheme,
    user,
    *,
    region,
    effective_from: datetime.date,
    reason: str,
    **changes,
) -> EvaluationScheme:
    """The page's and the API's "new version / clone for my region": ``user`` publishes, for ``region`` (None: the
    default line), a new version starting from ``scheme`` with ``changes``. Guarded (``publish_targets``; a refusal
    is audited and raises PermissionDenied), from today or later (a version in force is never changed after the
    fact), with a reason for the audit trail; a scheme whose numbers do not add up raises ValidationError naming the
    field, and nothing is saved."""
    regions, default = publish_targets(user, scheme)
    allowed = default if region is None else regions.filter(pk=region.pk).exists()
    if not allowed:
        refused = REFUSED if region is not None else REFUSED_DEFAULT
        trail.record(
            AuditAction.PERMISSION_DENIED,
            object_type="evaluations.evaluationscheme",
            object_repr=f"{scheme} → {region or '默认（所有区划）'}",
            actor=user,
            reason=refused,
        )
        raise PermissionDenied(refused)
    errors = {}
    today = clock.today()
    if effective_from is None or effective_from < today:
        errors["effective_from"] = [f"“生效日期”不能早于今天（{today:%Y-%m-%d}）：已经生效的方案不能被追溯改变"]
    if not (reason or "").strip():
        errors["note"] = ["请填写“修改说明”（记入审计日志）"]
    if errors:
        raise ValidationError(errors)
    changes.pop("note", None)
    return clone_scheme(
        scheme, region=region, effective_from=effective_from, user=user, reason=reason, note=reason.strip(), **changes
    )

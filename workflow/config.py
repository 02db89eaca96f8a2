"""Configuring chains: who may, and saving a change as a new version (one transaction, audited)."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied

from accounts.roles import Capability, Role
from audit import trail
from audit.models import AuditAction
from core import access, versioning
from workflow.models import ChainDefinition, ChainStep


def can_view_chains(user) -> bool:
    """Every signed-in user reads the chains: who reviews a document, and within what time, is the
    published procedure (the preparer needs it as much as the performance section). Only system
    administrators change them (``can_configure``)."""
    return bool(user and user.is_authenticated and user.is_active)


def configurable_regions(user):
    """Regions whose chains ``user`` may configure: the system administrator's region and below."""
    from organisations.forms import reachable_regions
    from organisations.models import Region

    if not access.has_capability(user, "manage_config"):
        return Region.objects.none()
    return reachable_regions(user)


def can_configure(user, region) -> bool:
    """A region's chain: an administrator reaching that region. The default chain (no region): an
    administrator of the top-level finance bureau of the deployment (no bureau above theirs)."""
    if not access.has_capability(user, "manage_config"):
        return False
    if region is not None:
        return configurable_regions(user).filter(pk=region.pk).exists()
    return access.holds_at_top(user, Capability.MANAGE_CONFIG)


def save_chain(
    user, *, document_type: str, region, name: str, steps: list[dict], replaces=None, reason: str = ""
) -> ChainDefinition:
    """Save a chain as a new version; the one it replaces is deactivated (documents under review keep it)."""
    if not can_configure(user, region):
        trail.record(
            AuditAction.PERMISSION_DENIED,
            replaces,
            actor=user,
            object_type="workflow.chaindefinition",
            object_repr=name,
            reason="无权配置该区划的审核流程",
        )
        raise PermissionDenied("无权配置该区划的审核流程")

    def save_steps(chain) -> dict:
        for order, data in enumerate(steps):
            step = ChainStep(
                chain=chain, order=order, name=data["name"], role=data["role"], deadline_days=data.get("deadline_days")
            )
            step.full_clean()
            step.save()
        return {
            "适用区划": [None, str(region) if region else "默认（全部区划）"],
            "环节": [
                None,
                [
                    f"{i}. {s['name']}（{Role(s['role']).label}，{s.get('deadline_days') or '不限'}天）"
                    for i, s in enumerate(steps)
                ],
            ],
        }

    # The one it replaces is retired by the versioning (documents under review keep it).
    chain = versioning.save_new_version(
        ChainDefinition(document_type=document_type, region=region, name=name),
        user,
        reason=reason,
        children=save_steps,
    )
    return chain

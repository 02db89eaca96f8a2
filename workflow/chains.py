"""Which documents take part, and which chain applies to a given document."""

from __future__ import annotations

from functools import cache

from django.apps import apps

from core import versioning


@cache
def reviewable_models() -> tuple:
    """Every concrete model that inherits workflow.models.Reviewable."""
    from workflow.models import Reviewable

    return tuple(m for m in apps.get_models() if issubclass(m, Reviewable) and not m._meta.abstract)


def document_type_choices() -> list[tuple[str, str]]:
    """Every document type with a chain: each reviewable model, and the chain variants a model
    declares in ``chain_variants`` (e.g. third-party ex-ante assessments follow a chain of their own)."""
    choices = []
    for m in reviewable_models():
        choices.append((m._meta.label_lower, str(m._meta.verbose_name)))
        choices.extend((key, str(label)) for key, label in getattr(m, "chain_variants", {}).items())
    return choices


def document_type_label(label: str) -> str:
    return dict(document_type_choices()).get(label, label)


def document_organisation(doc):
    """The organisation a document belongs to (the gate's ``access_org_field`` path)."""
    obj = doc
    for part in type(doc).access_org_field.split("__"):
        obj = getattr(obj, part, None) if obj is not None else None
    return obj


def resolve_chain(doc, organisation=None):
    """The active chain for ``doc``: the nearest region (the organisation's own, then its ancestors)
    that has one, else the default for all regions; the highest version wins (core/versioning.py)."""
    from workflow.models import ChainDefinition

    organisation = organisation or document_organisation(doc)
    region = organisation.region if organisation is not None and organisation.region_id else None
    return versioning.in_force(
        ChainDefinition,
        region,
        queryset=ChainDefinition.objects.prefetch_related("steps"),
        document_type=doc.chain_document_type,
    )


def resolve_chains(docs, organisation) -> dict:
    """``resolve_chain`` for several documents of one organisation at once (e.g. each kind of ex-ante assessment a
    user might start), in one query and its steps' prefetch: {chain document type: chain or None}."""
    from workflow.models import ChainDefinition

    region = organisation.region if organisation is not None and organisation.region_id else None
    return versioning.in_force_each(
        ChainDefinition,
        "document_type",
        [doc.chain_document_type for doc in docs],
        region,
        queryset=ChainDefinition.objects.prefetch_related("steps"),
    )


def start(doc, chain) -> None:
    """Put a new document at step 0 of ``chain`` (None: no chain configured yet, looked up again at submission): the
    preparer's role, and the starting values its type's ``initial_state`` hook gives (workflow/hooks.py) where the
    creator set none. ``Reviewable.save`` calls it; bulk creation calls it on each unsaved document."""
    from accounts.roles import Role
    from workflow import hooks

    if chain is not None:
        first = chain.step(0)
        doc.chain = chain
        doc.current_role = first.role if first else Role.UNIT_PREPARER
    for name, value in hooks.initial_values(doc).items():
        if getattr(doc, name) in (None, ""):
            setattr(doc, name, value)

"""Helpers for data migrations that load a document type's default review chain.

Kept free of model imports: migrations pass their historical ``apps``.
"""


def create_default_chain(apps, document_type: str, name: str, steps) -> None:
    """Create the all-regions chain for ``document_type`` unless one exists.

    ``steps`` are (order, name, role, deadline_days) with step 0 the preparer.
    """
    ChainDefinition = apps.get_model("workflow", "ChainDefinition")
    ChainStep = apps.get_model("workflow", "ChainStep")
    if ChainDefinition.objects.filter(document_type=document_type, region__isnull=True).exists():
        return
    chain = ChainDefinition.objects.create(
        document_type=document_type, region=None, name=name, version=1, is_active=True
    )
    for order, step_name, role, days in steps:
        ChainStep.objects.create(chain=chain, order=order, name=step_name, role=role, deadline_days=days)

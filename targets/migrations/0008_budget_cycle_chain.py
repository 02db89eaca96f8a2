"""Data: version 2 of the default target chains ends with the budget cycle's own steps (issue 12 §1), as
长治市《预算绩效管理办法》第十二条 gives them: after 预算绩效管理科 the targets go to 局务会研究或局领导审定, and 预算管理科 batches
the approved budget and its targets (“二下”批复). Version 1 is deactivated as the chain page's own save does
(workflow.config.save_chain): the sheets already on it keep it; a new sheet takes version 2. A region's own chain is
untouched."""

from django.db import migrations
from django.utils import timezone

CYCLE = [("局领导审定（局务会研究）", "bureau_leader", 5), ("预算管理科批复", "budget_section", 5)]


def forward(apps, schema_editor):
    ChainDefinition = apps.get_model("workflow", "ChainDefinition")
    ChainStep = apps.get_model("workflow", "ChainStep")
    for document_type in ("targets.targetsheet", "targets.targetsheet.department_overall"):
        current = (
            ChainDefinition.objects.filter(document_type=document_type, region__isnull=True, is_active=True)
            .order_by("-version")
            .first()
        )
        if current is None:
            continue
        steps = list(ChainStep.objects.filter(chain=current).order_by("order"))
        if steps and steps[-1].role == "budget_section":
            continue  # already ends with the 批复
        chain = ChainDefinition.objects.create(
            document_type=document_type,
            region=None,
            name=current.name,
            version=current.version + 1,
            is_active=True,
            created_at=timezone.now(),
        )
        for step in steps:
            ChainStep.objects.create(
                chain=chain, order=step.order, name=step.name, role=step.role, deadline_days=step.deadline_days
            )
        for offset, (name, role, days) in enumerate(CYCLE, start=len(steps)):
            ChainStep.objects.create(chain=chain, order=offset, name=name, role=role, deadline_days=days)
        ChainDefinition.objects.filter(pk=current.pk).update(is_active=False)


class Migration(migrations.Migration):
    dependencies = [("targets", "0007_business_clock_defaults"), ("workflow", "0001_initial")]

    operations = [migrations.RunPython(forward, migrations.RunPython.noop)]

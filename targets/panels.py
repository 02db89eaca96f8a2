"""The target sheets panel of a subject's page (core/panels.py)."""

from core import panels


@panels.register("subjects.subject", "targets", "targets/_subject_panel.html", order=20)
def targets_panel(subject, user) -> dict | None:
    from targets.views import subject_targets

    context = subject_targets(subject, user)
    return context if context.get("target_sheets") or context.get("can_create_targets") else None

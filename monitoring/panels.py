"""The disbursement holds on a subject, above its page (core/panels.py)."""

from core import panels


@panels.register("subjects.subject", "holds", "monitoring/_subject_holds.html", order=10, slot="alerts")
def holds_panel(subject, user) -> dict | None:
    """Holds in force (暂缓拨款 / 停止拨款), for whoever may read the subject's records — the treasury among them."""
    from monitoring.views_holds import subject_holds

    holds = subject_holds(subject, user)
    return {"holds": holds, "show_link": True} if holds else None

"""The ex-ante assessments panel of a subject's page (core/panels.py)."""

from core import access, panels


@panels.register("subjects.subject", "assessments", "assessments/_subject_panel.html", order=10)
def assessments_panel(subject, user) -> dict:
    """The subject's assessments the user may read (department and third-party side by side), and whether this user
    may start one (only while the subject needs one that has not cleared it)."""
    from assessments.actions import can_start
    from assessments.models import Assessment
    from subjects.assessment_gate import assessment_clears

    assessments = access.restrict(Assessment.objects.filter(subject=subject).select_related("agency", "template"), user)
    cleared, _ = assessment_clears(subject)
    may_start = subject.needs_assessment and not cleared and can_start(user, subject)
    return {"assessments": assessments, "can_start_assessment": may_start}

from django import template

register = template.Library()


@register.filter
def load_percent(job) -> int:
    """The progress bar of a loading job: reading fills it to 70 %, checking shows 75 %, writing (one
    transaction) 85 %."""
    if job.status == "succeeded":
        return 100
    if job.phase == "apply":
        return 85
    if job.phase == "check":
        return 75
    if job.phase == "read" and job.total_rows:
        return 5 + min(65, int(job.processed_rows * 65 / job.total_rows))
    return 2 if job.status == "running" else 0

"""Background work of key evaluations (django-tasks, run by the worker ``manage.py db_worker``).

``deem_unanswered_letters``: every feedback letter whose reply date has passed without a reply becomes 逾期未反馈，视同
无异议 (seed 003 附件6: 逾期未复，视为无异议), on the business date (core.clock). Scheduled daily: ``manage.py
deem_feedback_letters`` enqueues it from the daily maintenance timer (docs/admin-guide.md §6). Idempotent — a second
run the same day deems nothing — and each letter it deems is audited (keyevals.letters.deem_overdue, the same rule the
pages apply when they open a letter)."""

from __future__ import annotations

from django_tasks import task


@task()
def deem_unanswered_letters() -> dict:
    from core import clock
    from keyevals import letters

    today = clock.today()
    return {"date": today.isoformat(), "deemed": letters.deem_overdue(today=today)}

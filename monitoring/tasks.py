"""Background part of opening a large monitoring round (more than ``actions.rounds.INLINE_TABLE_LIMIT``
subjects): the tables are created set-based in batches by the worker (``manage.py db_worker``)."""

from __future__ import annotations

from django_tasks import task

from audit.context import acting_as


@task()
def open_tables(round_id: int) -> dict:
    from monitoring import actions
    from monitoring.models import MonitoringRound

    monitoring_round = MonitoringRound.objects.select_related("opened_by").filter(pk=round_id).first()
    if monitoring_round is None or not monitoring_round.tables_pending:
        return {"round": round_id, "skipped": True}
    with acting_as(user=monitoring_round.opened_by):
        created = actions.finish_pending_tables(round_id)
    return {"round": round_id, "created": created}

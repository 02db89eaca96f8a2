"""Approved records are immutable in the database itself (issue 17 §5, docs/decisions/0024-immutable-approved-records.md).

The API and the pages refuse to change an approved target sheet or a review log; so must the database, for a DBA,
a script or a bug that goes around them. Each guarded table gets one trigger (PostgreSQL and SQLite alike) that
refuses:

- for a **document** (``Guard(model, when=…)``): an UPDATE of a row in the guarded state that changes any column
  other than the few the lifecycle still moves (``mutable``, e.g. ``is_current`` when a later revision is approved),
  and its DELETE;
- for the **rows of a document** (``Guard(model, parent=…)``): INSERT, UPDATE and DELETE while the parent is in the
  guarded state (an indicator row added to, changed in or removed from an approved sheet);
- for an **append-only** table (``Guard(model, always=True)``, the review logs): every UPDATE and DELETE.

The one exception is the **maintenance switch** (``maintenance``, ``manage.py maintenance``): a row in
``core_maintenancewindow`` opened and closed inside one transaction, with its reason and operator, and an audit row
of what was done. The triggers let changes through only while such a window is open — and an open window of one
transaction is invisible to every other one (PostgreSQL) or excludes them (SQLite's single writer).

The triggers are (re)installed after every ``migrate`` (``install_all`` on ``post_migrate``), from the models as
they are then: a column added later is guarded at once, and SQLite's table rebuilds (which drop a table's triggers)
cannot leave a table unguarded. Later apps guard their approved records with one ``register(Guard(…))`` in their
``AppConfig.ready``.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from django.db import connection, transaction
from django.utils import timezone

WINDOW_TABLE = "core_maintenancewindow"
MESSAGE = (
    "已审核通过的记录和审核记录不能修改或删除（{label}）；确需更正请由数据库管理员使用维护开关（manage.py maintenance）"
)


@dataclass(frozen=True)
class Guard:
    """One guarded table. ``when``: the SQL condition (on the row, columns unqualified) of the guarded state, e.g.
    ``status = 'approved'``. ``parent``: ``(fk_column, parent_model)`` for rows guarded by their parent's state,
    which is then the parent's ``when``. ``always``: append-only. ``mutable``: columns a document's lifecycle may
    still change once guarded."""

    model: type
    when: str = ""
    parent: tuple[str, type] | None = None
    always: bool = False
    mutable: tuple[str, ...] = field(default_factory=tuple)

    @property
    def table(self) -> str:
        return self.model._meta.db_table

    @property
    def label(self) -> str:
        return str(self.model._meta.verbose_name)

    @property
    def trigger(self) -> str:
        return f"jixiao_guard_{self.table}"


GUARDS: dict[str, Guard] = {}


def register(guard: Guard) -> Guard:
    GUARDS[guard.table] = guard
    return guard


def guard_for(model) -> Guard:
    return GUARDS[model._meta.db_table]


def _columns(model) -> list[str]:
    return [f.column for f in model._meta.concrete_fields]


def _parent_guard(guard: Guard) -> Guard:
    _fk, parent_model = guard.parent
    return guard_for(parent_model)


def _state(guard: Guard, row: str) -> str:
    """SQL that is true when the row ``row`` (OLD or NEW) is in the guarded state."""
    if guard.always:
        return "TRUE" if connection.vendor == "postgresql" else "1"
    if guard.parent:
        fk = guard.parent[0]
        parent = _parent_guard(guard)
        return f'EXISTS (SELECT 1 FROM "{parent.table}" p WHERE p.id = {row}."{fk}" AND {_qualified(parent.when, "p")})'
    return _qualified(guard.when, row)


def _qualified(condition: str, alias: str) -> str:
    """``status = 'approved'`` → ``OLD.status = 'approved'`` (the conditions name one column, first)."""
    column, rest = condition.split(" ", 1)
    return f'{alias}."{column}" {rest}'


def _window_open(vendor: str | None = None) -> str:
    """SQL that is true while a maintenance window is open for this transaction. On PostgreSQL the window names its
    transaction (``txid_current()``), so a window left open by mistake never lets anything else through."""
    if (vendor or connection.vendor) == "postgresql":
        return f"EXISTS (SELECT 1 FROM {WINDOW_TABLE} WHERE closed_at IS NULL AND txid = txid_current())"
    return f"EXISTS (SELECT 1 FROM {WINDOW_TABLE} WHERE closed_at IS NULL)"


def _message(guard: Guard) -> str:
    return MESSAGE.format(label=guard.label).replace("'", "''")


# ------------------------------------------------------------------------------------------------------ PostgreSQL
def _postgresql_sql(guard: Guard) -> list[str]:
    message = _message(guard)
    changed = "TRUE"
    if not guard.always and not guard.parent:
        keep = ", ".join(f"'{c}'" for c in guard.mutable) or "''"
        changed = f"(to_jsonb(OLD) - ARRAY[{keep}]::text[]) IS DISTINCT FROM (to_jsonb(NEW) - ARRAY[{keep}]::text[])"
    insert = f"IF TG_OP = 'INSERT' AND {_state(guard, 'NEW')} THEN RAISE EXCEPTION '{message}'; END IF;"
    update_new = f" OR {_state(guard, 'NEW')}" if guard.parent else ""
    body = f"""
BEGIN
  IF {_window_open()} THEN
    IF TG_OP = 'DELETE' THEN RETURN OLD; END IF;
    RETURN NEW;
  END IF;
  IF TG_OP = 'DELETE' THEN
    IF {_state(guard, "OLD")} THEN RAISE EXCEPTION '{message}'; END IF;
    RETURN OLD;
  END IF;
  {insert if guard.parent else ""}
  IF TG_OP = 'UPDATE' AND ({_state(guard, "OLD")}{update_new}) AND {changed} THEN
    RAISE EXCEPTION '{message}';
  END IF;
  RETURN NEW;
END;"""
    events = "INSERT OR UPDATE OR DELETE" if guard.parent else "UPDATE OR DELETE"
    return [
        f"CREATE OR REPLACE FUNCTION {guard.trigger}() RETURNS trigger LANGUAGE plpgsql AS $guard${body}$guard$;",
        f'DROP TRIGGER IF EXISTS {guard.trigger} ON "{guard.table}";',
        f'CREATE TRIGGER {guard.trigger} BEFORE {events} ON "{guard.table}" '
        f"FOR EACH ROW EXECUTE FUNCTION {guard.trigger}();",
        f'DROP TRIGGER IF EXISTS {guard.trigger}_truncate ON "{guard.table}";',
        f'CREATE TRIGGER {guard.trigger}_truncate BEFORE TRUNCATE ON "{guard.table}" '
        f"FOR EACH STATEMENT EXECUTE FUNCTION jixiao_guard_truncate();",
    ]


POSTGRESQL_TRUNCATE = f"""
CREATE OR REPLACE FUNCTION jixiao_guard_truncate() RETURNS trigger LANGUAGE plpgsql AS $guard$
BEGIN
  IF {_window_open("postgresql")} THEN RETURN NULL; END IF;
  RAISE EXCEPTION '审核记录和已审核通过的记录所在的表不能清空（TRUNCATE）；确需操作请使用维护开关（manage.py maintenance）';
END;$guard$;"""


# ---------------------------------------------------------------------------------------------------------- SQLite
def _sqlite_sql(guard: Guard) -> list[str]:
    message = _message(guard)
    not_open = f"NOT {_window_open()}"
    abort = f"BEGIN SELECT RAISE(ABORT, '{message}'); END;"
    name, table = guard.trigger, f'"{guard.table}"'
    if guard.always or guard.parent:
        changed = "1"
    else:
        columns = [c for c in _columns(guard.model) if c not in guard.mutable]
        changed = "(" + " OR ".join(f'OLD."{c}" IS NOT NEW."{c}"' for c in columns) + ")"
    update_state = _state(guard, "OLD") + (f" OR {_state(guard, 'NEW')}" if guard.parent else "")
    statements = [
        f"DROP TRIGGER IF EXISTS {name}_update;",
        f"CREATE TRIGGER {name}_update BEFORE UPDATE ON {table} "
        f"WHEN ({update_state}) AND {changed} AND {not_open} {abort}",
        f"DROP TRIGGER IF EXISTS {name}_delete;",
        f"CREATE TRIGGER {name}_delete BEFORE DELETE ON {table} WHEN {_state(guard, 'OLD')} AND {not_open} {abort}",
        f"DROP TRIGGER IF EXISTS {name}_insert;",
    ]
    if guard.parent:
        statements.append(
            f"CREATE TRIGGER {name}_insert BEFORE INSERT ON {table} WHEN {_state(guard, 'NEW')} AND {not_open} {abort}"
        )
    return statements


def install_sql(guard: Guard) -> list[str]:
    if connection.vendor == "postgresql":
        return _postgresql_sql(guard)
    if connection.vendor == "sqlite":
        return _sqlite_sql(guard)
    return []


def install_all(using: str = "default", **kwargs) -> None:
    """(Re)create every guard's trigger; run after every ``migrate`` (``post_migrate``)."""
    if not GUARDS or WINDOW_TABLE not in connection.introspection.table_names():
        return
    tables = set(connection.introspection.table_names())
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(POSTGRESQL_TRUNCATE)
        for guard in GUARDS.values():
            if guard.table in tables and (not guard.parent or _parent_guard(guard).table in tables):
                for sql in install_sql(guard):
                    cursor.execute(sql)


def installed_triggers() -> set[str]:
    """The names of the guard triggers present in the database (for the tests and the restore drill)."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT tgname FROM pg_trigger WHERE tgname LIKE 'jixiao_guard%' AND NOT tgisinternal")
        else:
            cursor.execute("SELECT name FROM sqlite_master WHERE type = 'trigger' AND name LIKE 'jixiao_guard%'")
        return {row[0] for row in cursor.fetchall()}


def missing_triggers() -> list[str]:
    """Guarded tables without their trigger (empty when every guard is in place)."""
    present = installed_triggers()
    missing = []
    for guard in GUARDS.values():
        names = [guard.trigger] if connection.vendor == "postgresql" else [f"{guard.trigger}_update"]
        if not all(n in present for n in names):
            missing.append(guard.table)
    return missing


# ---------------------------------------------------------------------------------------------- maintenance switch
@contextmanager
def maintenance(reason: str, operator: str) -> Iterator[None]:
    """Open the maintenance switch for the statements run inside, in one transaction, and record it: a row in
    ``core_maintenancewindow`` (kept, with its reason, operator and times) and an audit row written by the caller
    (``manage.py maintenance`` records what it ran). Nothing outside this transaction is let through."""
    from core.models import MaintenanceWindow

    reason = (reason or "").strip()
    if len(reason) < 4:
        raise ValueError("使用维护开关必须写明理由（至少 4 个字）")
    with transaction.atomic():
        txid = None
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SELECT txid_current()")
                txid = cursor.fetchone()[0]
        window = MaintenanceWindow.objects.create(reason=reason, operator=operator, txid=txid)
        yield window
        MaintenanceWindow.objects.filter(pk=window.pk).update(closed_at=timezone.now())


def guarded_tables() -> Iterable[str]:
    return sorted(GUARDS)

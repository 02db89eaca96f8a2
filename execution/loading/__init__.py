"""Set-based loading of budget execution data (指标下达, 国库集中支付明细) — docs/decisions/0014.

One path for every source (CSV, XLSX, API push, bench):

1. **stage** — the rows are streamed, as raw text with their line number, into a staging table without
   constraints (UNLOGGED in the schema ``jixiao_staging`` on PostgreSQL, TEMPORARY otherwise): ``COPY`` on
   PostgreSQL, ``executemany`` on SQLite, in chunks (constant memory; the progress between chunks is visible to the
   page);
2. **map** — the payer codes (``Organisation.budget_code`` within the importing bureau's region subtree) and the
   project codes (``Subject.code``, then ``MatchRule``) are resolved into two small staging tables, dates through a
   calendar table of the fiscal year, 预算类别/资金来源 through a table of their spellings;
3. **clean** — one ``CREATE TABLE … AS SELECT`` of the trimmed, typed and mapped values;
4. **validate** — one query over the suspect rows finds every bad value (empty or too long codes, dates that are
   not dates of the fiscal year, amounts that are not amounts, unknown kinds) and one finds voucher numbers
   repeated within the load; each bad row is reported with its line number and a reason in Chinese. Any error:
   nothing is written;
5. **write** — in ONE transaction: the existing records whose data differ (corrections) are read for the audit
   trail, then on SQLite one ``INSERT … SELECT … ON CONFLICT (natural key) DO UPDATE … WHERE the data differ``
   loads everything; on PostgreSQL the same result comes from one ``UPDATE … FROM`` for the changed records and
   the new ones through ``COPY`` (under a table lock). Re-loading the same records changes nothing. One audit row
   per corrected record (before/after) and one summarising the load.

No per-row ORM save and no per-row Python after parsing.

Where things are:

- ``kinds.py``: the record kinds ``PAYMENTS``/``ALLOCATIONS`` (columns, natural key), ``LoadError``,
  ``LoadResult`` and the downloadable error report;
- ``sources.py``: reading CSV/XLSX files and API records (format and encoding detection, the CSV cut at record
  boundaries and in halves for ``COPY``), the header mapped onto a kind's columns;
- ``dialect.py``: the SQL that differs between PostgreSQL and SQLite, the calendar and choice spellings;
- ``loader.py``: ``Loader`` — the staging schema, the session settings, mapping, cleaning and validation, and the
  entry points ``load_path``/``load_records``;
- ``staging.py``: step 1 (``COPY`` of the file's bytes, two halves side by side; or rows by chunks);
- ``writer.py``: step 5 (upsert on SQLite; ``UPDATE`` + streamed ``COPY`` on PostgreSQL; the audit rows);
- ``orphans.py``: dropping the staging tables of loads whose process died (``cleanup_staging``, run by the job
  reaper ``imports.liveness`` and at the start of every load).

Import from ``execution.loading``: the names below are its interface.
"""

from execution.loading.dialect import MAX_AMOUNT_DIGITS
from execution.loading.kinds import (
    ALLOCATIONS,
    KINDS,
    PAYMENTS,
    Field,
    Kind,
    LoadError,
    LoadResult,
    write_error_report,
)
from execution.loading.loader import (
    STAGING_SCHEMA,
    Loader,
    ProgressCallback,
    load_path,
    load_records,
)
from execution.loading.orphans import cleanup as cleanup_staging
from execution.loading.orphans import staging_tables
from execution.loading.sources import (
    OLE_MAGIC,
    SNIFF_BYTES,
    ZIP_MAGIC,
    LoadFileError,
    Source,
    count_lines,
    detect_encoding,
    detect_format,
    map_header,
    open_csv,
    open_file,
    open_xlsx,
    records_source,
)
from execution.loading.staging import CHUNK_ROWS

__all__ = [
    "ALLOCATIONS",
    "CHUNK_ROWS",
    "KINDS",
    "MAX_AMOUNT_DIGITS",
    "OLE_MAGIC",
    "PAYMENTS",
    "SNIFF_BYTES",
    "STAGING_SCHEMA",
    "ZIP_MAGIC",
    "Field",
    "Kind",
    "LoadError",
    "LoadFileError",
    "LoadResult",
    "Loader",
    "ProgressCallback",
    "Source",
    "cleanup_staging",
    "count_lines",
    "detect_encoding",
    "detect_format",
    "load_path",
    "load_records",
    "map_header",
    "open_csv",
    "open_file",
    "open_xlsx",
    "records_source",
    "staging_tables",
    "write_error_report",
]

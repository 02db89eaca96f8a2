#!/usr/bin/env bash
# The restore drill (docs/admin-guide.md §9, issue 17): dump the database, restore the dump into a scratch database,
# and check the copy — the audit chain (verify_audit), the schema against this code (migrate --check) and the
# triggers that keep the audit trail append-only and approved records immutable (check_guards). The scratch
# database is dropped at the end. Exits non-zero on any failure.
#
#   DATABASE_URL=postgres://postgres@127.0.0.1:5432/jixiao scripts/restore_drill.sh            # dump it now, then drill
#   DATABASE_URL=postgres://… scripts/restore_drill.sh /srv/backup/jixiao/jixiao-20261201.dump # drill a backup
#
# The audit key must be the production one (JIXIAO_AUDIT_KEY or JIXIAO_AUDIT_KEY_FILE in the environment, as for the
# service). The drill reads no checkpoint file: checkpoints written after the backup point past its end.
set -euo pipefail

here="$(cd "$(dirname "$0")/.." && pwd)"
python="${PYTHON:-$here/.venv/bin/python}"
url="${DATABASE_URL:?请设置 DATABASE_URL（postgres://…）}"
case "$url" in postgres://* | postgresql://*) ;; *) echo "恢复演练只用于 PostgreSQL：DATABASE_URL=$url" >&2; exit 2 ;; esac

base="${url%/*}"                 # postgres://user@host:port
name="${url##*/}"; name="${name%%\?*}"
scratch="${name}_drill_$$"
work="$(mktemp -d)"
dump="${1:-$work/$name.dump}"

cleanup() {
  dropdb --if-exists --maintenance-db="$base/postgres" "$scratch" || true
  rm -rf "$work"
}
trap cleanup EXIT

step() { printf '\n=== %s ===\n' "$*"; }

if [ $# -eq 0 ]; then
  step "备份：pg_dump $name"
  pg_dump --format=custom --file="$dump" "$url"
fi
[ -s "$dump" ] || { echo "备份文件不存在或为空：$dump" >&2; exit 1; }

step "恢复到临时库 $scratch"
createdb --maintenance-db="$base/postgres" -T template0 "$scratch"
pg_restore --exit-on-error --dbname="$base/$scratch" "$dump"

drill() { DATABASE_URL="$base/$scratch" JIXIAO_AUDIT_CHECKPOINT_FILE="$work/no-checkpoints.jsonl" "$python" "$here/manage.py" "$@"; }

step "校验审计日志哈希链（verify_audit）"
drill verify_audit
step "数据库结构与当前代码一致（migrate --check）"
drill migrate --check
step "保护触发器齐全（check_guards）"
drill check_guards

printf '\n恢复演练通过：%s 可以恢复，审计日志完整，结构与代码一致，保护触发器齐全\n' "$(basename "$dump")"

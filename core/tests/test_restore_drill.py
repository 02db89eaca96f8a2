"""The restore drill of the admin guide (§9) runs in CI on PostgreSQL (issue 17): scripts/restore_drill.sh dumps the
test database (the demo city), restores it into a scratch database, and checks the audit chain, the schema and the
protective triggers of the copy."""

import os
import subprocess
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection

pytestmark = pytest.mark.django_db
SCRIPT = Path(settings.BASE_DIR) / "scripts" / "restore_drill.sh"


def database_url() -> str:
    s = connection.settings_dict
    host = s["HOST"] or "127.0.0.1"
    port = s["PORT"] or "5432"
    return f"postgres://{s['USER'] or 'postgres'}@{host}:{port}/{s['NAME']}"


def test_the_restore_drill_passes_on_a_dump_of_the_demo():
    if connection.vendor != "postgresql":
        pytest.skip("the drill is for PostgreSQL (pg_dump, pg_restore)")
    env = {**os.environ, "DATABASE_URL": database_url()}
    result = subprocess.run([str(SCRIPT)], env=env, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    assert "审计日志校验通过" in result.stdout
    assert "触发器齐全" in result.stdout
    assert "恢复演练通过" in result.stdout

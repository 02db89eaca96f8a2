import pytest


@pytest.fixture(autouse=True)
def checkpoint_file(settings, tmp_path):
    """Checkpoints of the test database go to a file of the test's own, never to the checkout's var/."""
    settings.JIXIAO_AUDIT_CHECKPOINT_FILE = tmp_path / "audit-checkpoints.jsonl"
    return settings.JIXIAO_AUDIT_CHECKPOINT_FILE

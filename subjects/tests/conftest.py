from subjects.tests.helpers import fallback_gate, gate_open  # noqa: F401 - fixtures

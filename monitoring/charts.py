"""What the monitoring charts (ECharts on the dashboard and the 驾驶舱) are given: shares as percentages."""

from __future__ import annotations

from decimal import Decimal


def percent(value) -> float | None:
    """A four-place share as a percentage to one decimal for a chart (0.4567 → 45.7); None stays None."""
    return None if value is None else float((Decimal(value) * 100).quantize(Decimal("0.1")))

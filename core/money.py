"""Money as printed on forms. The database keeps yuan to the fen; forms such as 附件1 of the 长治市办法 print
万元 with thousands separators and fixed decimals. ``wan`` is the one conversion (half-up, as a finance bureau
rounds), ``wan_text`` its printed form; outputs call these and never divide by 10,000 themselves."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

WAN = Decimal("10000")
WAN_PLACES = 2  # 万元 to two decimals: to the hundred yuan, as the form's 万元 columns are filled
WAN_FORMAT = "#,##0.00"  # the same in a spreadsheet's number format


def wan(yuan, places: int = WAN_PLACES) -> Decimal | None:
    """``yuan`` in 万元, rounded half-up to ``places`` decimals; None stays None (not yet arranged)."""
    if yuan is None or yuan == "":
        return None
    return (Decimal(str(yuan)) / WAN).quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)


def wan_text(yuan, places: int = WAN_PLACES, blank: str = "") -> str:
    """``yuan`` printed in 万元: "1,234.57"; ``blank`` when there is no amount."""
    value = wan(yuan, places)
    return blank if value is None else f"{value:,.{places}f}"

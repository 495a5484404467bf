"""The report window: ``--since 30d`` / ``--from``/``--to`` (or the config's default) as
UTC days ``[start, end)``. Pure: ``today`` is passed in."""

from __future__ import annotations

import re
from datetime import date, timedelta

from espctl.errors import EspctlError

_SINCE = re.compile(r"^([1-9][0-9]{0,3})([dw])$")


class WindowError(EspctlError):
    """A window that cannot be reported on; ``option`` names the flag to blame."""

    def __init__(self, message: str, option: str) -> None:
        super().__init__(message)
        self.option = option


def since_days(text: str) -> int:
    """``"30d"`` -> 30, ``"4w"`` -> 28."""
    found = _SINCE.match(text.strip().lower())
    if not found:
        raise WindowError("use a number of days or weeks, e.g. 30d or 4w", "--since")
    return int(found.group(1)) * (7 if found.group(2) == "w" else 1)


def resolve_window(
    since: str | None, start: str | None, end: str | None, today: date
) -> tuple[date, date]:
    """``[start, end)`` in UTC days.

    ``--since Nd|Nw`` ends today (the last day is yesterday); ``--from``/``--to`` are
    inclusive (``--to`` defaults to yesterday). A window that starts after today is
    refused: no provider can have data for it.
    """
    if since and (start or end):
        raise WindowError("use either --since or --from/--to", "--since")
    try:
        last = date.fromisoformat(end) + timedelta(days=1) if end else today
        first = (
            date.fromisoformat(start)
            if start
            else last - timedelta(days=since_days(since or "30d"))
        )
    except ValueError as exc:
        raise WindowError("dates are YYYY-MM-DD", "--from/--to") from exc
    if first >= last:
        raise WindowError("the window is empty: --from must be on or before --to", "--from/--to")
    if first > today:
        raise WindowError(
            f"the window starts after today ({today.isoformat()}, UTC): no provider has data "
            "for it yet",
            "--from",
        )
    return first, last

"""Postmark's US Eastern day buckets, moved onto UTC days.

Postmark's stats API buckets every count by its own calendar day in US Eastern time
(ANALYTICS.md §2.3, "all stats use EST timezone") and takes whole dates only, while the
report speaks UTC days. Eastern day ``E`` runs from ``E 00:00`` to ``E+1 00:00``
Eastern, i.e. UTC ``E 04:00/05:00`` to ``E+1 04:00/05:00``: its last 4 or 5 hours
(from 20:00 or 19:00 Eastern) fall on UTC day ``E+1``.

The correction: for every Eastern day with sends inside the Messages API's retention,
espctl counts that day's outbound messages of the stream twice with the Messages API,
whose ``fromdate``/``todate`` take Eastern date-times (ESP-API.md 1.13): the whole
Eastern day, and its late slice (from UTC midnight to the end of the Eastern day). The
late slice's share of the day's counts moves to the next UTC day. Counters other than
sends (bounces, complaints, opens) move with the same share: their own times are not
available per day, which the methodology states. Days older than the retention (or
whose messages were already deleted) cannot be measured and stay on their own date;
the report says how many.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from espctl.errors import CredentialRejected, EspctlError
from espctl.providers.kit.concurrency import settle
from espctl.providers.postmark import wire

if TYPE_CHECKING:
    from espctl.providers.postmark.client import PostmarkApi

EASTERN = ZoneInfo("America/New_York")
#: Postmark keeps message details 45 days by default (configurable 7-365): older days
#: are not asked about. (A shorter retention shows up as days whose count is zero.)
MESSAGE_RETENTION_DAYS = 45
_FMT = "%Y-%m-%dT%H:%M:%S"


def late_slice_start(day: date) -> datetime:
    """The Eastern wall-clock moment on ``day`` when UTC day ``day + 1`` begins."""
    midnight = datetime.combine(day + timedelta(days=1), time(), tzinfo=UTC)
    return midnight.astimezone(EASTERN).replace(tzinfo=None)


@dataclass(frozen=True)
class DaySplit:
    """Measured share of each Eastern day that belongs to the next UTC day."""

    shares: Mapping[date, float]
    unmeasured: tuple[date, ...] = ()  # days with sends whose split could not be measured
    errors: tuple[str, ...] = ()


async def _count(api: PostmarkApi, stream: str, start: str, end: str) -> int:
    page = await api.server.get(
        "/messages/outbound",
        wire.OutboundMessages,
        {"count": 1, "offset": 0, "messagestream": stream, "fromdate": start, "todate": end},
    )
    return page.TotalCount


async def measure_split(
    api: PostmarkApi, stream: str, days: Sequence[date], today: date
) -> DaySplit:
    """Late-slice shares for ``days`` (Eastern dates with sends) of one stream."""
    horizon = today - timedelta(days=MESSAGE_RETENTION_DAYS)
    asked = [d for d in days if d >= horizon]

    async def one(day: date) -> tuple[date, float | None]:
        end = f"{day.isoformat()}T23:59:59"
        whole, late = await settle(
            _count(api, stream, f"{day.isoformat()}T00:00:00", end),
            _count(api, stream, late_slice_start(day).strftime(_FMT), end),
        )
        return day, (min(late, whole) / whole if whole else None)

    try:
        measured = await settle(*(one(d) for d in asked))
    except CredentialRejected:
        raise
    except EspctlError as exc:  # a failure here only costs the correction, not the data
        text = str(exc).removeprefix(f"{api.id}: ")
        return DaySplit({}, tuple(days), (f"stream {stream}: {text}",))
    shares = {d: s for d, s in measured if s is not None}
    return DaySplit(shares, tuple(d for d in days if d not in shares))


def rebucket(
    eastern: Mapping[date, Mapping[str, int]], shares: Mapping[date, float]
) -> dict[date, dict[str, int]]:
    """Eastern-day counts moved onto UTC days by the measured late-slice shares.

    Each counter of Eastern day ``E`` contributes ``round(n * share)`` to UTC day
    ``E + 1`` and the rest to UTC day ``E``, so totals are preserved exactly.
    """
    out: dict[date, dict[str, int]] = {}
    for day in sorted(eastern):
        counts = eastern[day]
        share = shares.get(day, 0.0)
        early = out.setdefault(day, {})
        late_row = out.setdefault(day + timedelta(days=1), {}) if share else None
        for name, value in counts.items():
            late = round(value * share) if share else 0
            early[name] = early.get(name, 0) + value - late
            if late_row is not None:
                late_row[name] = late_row.get(name, 0) + late
    return {d: row for d, row in sorted(out.items()) if row}

"""SendGrid traffic for the report: global stats by day, category totals, and bounce and
block reasons from the suppression lists.

- ``GET /v3/stats?start_date&end_date&aggregated_by=day`` (``tsg_stats_v3.yaml``): one
  bucket, the account (or the subuser the block acts for). Counters: sent = processed,
  delivered, hard bounces = ``bounces``, soft bounces = ``blocks`` (a receiver's
  refusal SendGrid may retry later), complained = ``spam_reports``, unique opens and
  clicks, unsubscribed = ``unsubscribes``, deferred, and rejected = the drops SendGrid
  counts (``bounce_drops``, ``spam_report_drops``, ``unsubscribe_drops``,
  ``invalid_emails``; other drop reasons are not in the stats).
- ``GET /v3/categories/stats?categories=<tag>`` per tag the routing rules name
  (SendGrid calls tags categories; there is no listing of them here, so the tags are
  only those asked about).
- ``GET /v3/suppression/bounces`` and ``/blocks`` (``start_time``/``end_time``, epoch
  seconds): the latest reasons, where the key may read them (a 403 is a note).

SendGrid reports no first-attempt deliveries and no delivery latency: those are said to
be unmeasured, never shown as 0 %.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from typing import TYPE_CHECKING

from espctl.errors import ProviderError
from espctl.model.events import EventType, NormalizedEvent, RejectReason, synthesize_event_id
from espctl.model.events import recipient_domain as domain_of
from espctl.model.traffic import (
    Counts,
    FailureKind,
    ReasonSample,
    TrafficData,
    TrafficQuery,
    tally_reasons,
)
from espctl.providers.kit.concurrency import settle
from espctl.providers.kit.shapes import parse
from espctl.providers.kit.traffic_units import Units
from espctl.providers.sendgrid import wire
from espctl.providers.sendgrid.parsing import smtp_code

if TYPE_CHECKING:
    from espctl.providers.sendgrid.client import SendGridApi

SUPPRESSION_LIMIT = 500  # latest records read per list, for reasons
#: what the report cannot show for SendGrid, and why
NOT_REPORTED = ("SendGrid's stats report no first-attempt deliveries and no delivery latency",)


def counts(m: wire.Metrics) -> dict[str, int]:
    """One day (or total) of SendGrid metrics as the report's counters."""
    return {
        "sent": m.processed,
        "delivered": m.delivered,
        "hard_bounced": m.bounces,
        "soft_bounced": m.blocks,
        "complained": m.spam_reports,
        "opened_unique": m.unique_opens,
        "clicked_unique": m.unique_clicks,
        "unsubscribed": m.unsubscribes,
        "deferred": m.deferred,
        "rejected": m.bounce_drops + m.spam_report_drops + m.unsubscribe_drops + m.invalid_emails,
    }


def _days(body: object, provider: str, path: str) -> list[wire.StatsDay]:
    if not isinstance(body, list):
        raise ProviderError(provider, "GET", path, 200, "unexpected response, not a list of days")
    return [parse(wire.StatsDay, d, provider=provider, method="GET", path=path) for d in body]


def _total(days: list[wire.StatsDay]) -> dict[str, int]:
    total: dict[str, int] = {}
    for day in days:
        for entry in day.stats:
            for name, value in counts(entry.metrics).items():
                total[name] = total.get(name, 0) + value
    return total


async def read_sendgrid_traffic(api: SendGridApi, query: TrafficQuery) -> TrafficData:
    """The report's numbers for ``query`` (see the module docstring)."""
    units = Units(api.id)
    bucket = api.block.subuser or "account"
    last = query.end.fromordinal(
        query.end.toordinal() - 1
    )  # end is exclusive; SendGrid's inclusive

    async def daily() -> dict[date, Counts]:
        path = "/v3/stats"
        body = await api.http.get_json(
            path,
            {
                "start_date": query.history_start.isoformat(),
                "end_date": last.isoformat(),
                "aggregated_by": "day",
            },
        )
        out: dict[date, Counts] = {}
        for day in _days(body, api.id, path):
            out[date.fromisoformat(day.date[:10])] = _total([day])
        return out

    async def tag(name: str) -> dict[str, int]:
        path = "/v3/categories/stats"
        body = await api.http.get_json(
            path,
            {
                "start_date": query.start.isoformat(),
                "end_date": last.isoformat(),
                "categories": name,
                "aggregated_by": "day",
            },
        )
        return _total(_days(body, api.id, path))

    series, tag_counts, reasons = await settle(
        units.read(f"account {bucket}", "daily stats", daily()),
        settle(*(units.read(f"tag {t}", "category stats", tag(t)) for t in query.tags)),
        _reasons(api, query, units),
    )
    samples, notes = reasons
    tags = {t: c for t, c in zip(query.tags, tag_counts, strict=True) if c is not None}
    return TrafficData(
        buckets={bucket: series} if series is not None else {},
        tags=tags,
        tags_complete=False,
        unread_tags=tuple(t for t, c in zip(query.tags, tag_counts, strict=True) if c is None),
        reason_samples=samples,
        sources=(("stats", "GET /v3/stats by day"), ("tags", "GET /v3/categories/stats")),
        notes=(*NOT_REPORTED, *notes),
        unmeasured=(),
        failures=tuple(units.failures),
        units=units.count,
    )


async def _reasons(
    api: SendGridApi, query: TrafficQuery, units: Units
) -> tuple[tuple[ReasonSample, ...], tuple[str, ...]]:
    """Reasons of the latest bounces (permanent) and blocks (temporary) in the window.

    Each list is its own unit (a failure hides only its reasons); a key that may not
    read one (403) is a note, not a failure: the report says why no reasons are shown.
    """
    start = int(datetime.combine(query.start, time(), tzinfo=UTC).timestamp())
    end = int(datetime.combine(query.end, time(), tzinfo=UTC).timestamp())
    notes: list[str] = []
    lists: tuple[tuple[FailureKind, str, RejectReason], ...] = (
        ("permanent", "/v3/suppression/bounces", RejectReason.bounced),
        ("temporary", "/v3/suppression/blocks", RejectReason.blocked),
    )

    async def one(kind: FailureKind, path: str, reject: RejectReason) -> ReasonSample | None:
        try:
            body = await api.http.get_json(
                path, {"start_time": start, "end_time": end, "limit": SUPPRESSION_LIMIT}
            )
        except ProviderError as exc:
            if exc.status != 403:
                raise
            notes.append(f"{path} not readable with this key ({exc.detail}): no reasons shown")
            return None
        if not isinstance(body, list):
            raise ProviderError(
                api.id, "GET", path, 200, "unexpected response, not a list of suppressions"
            )
        records = [
            parse(wire.Suppression, i, provider=api.id, method="GET", path=path) for i in body
        ]
        events = [_event(api.id, r, reject, path) for r in records]
        return ReasonSample(
            kind,
            len(events),
            None,
            tally_reasons(events),
            f"latest {SUPPRESSION_LIMIT} of {path.rsplit('/', 1)[-1]}",
        )

    found = await settle(
        *(
            units.read(f"{path.rsplit('/', 1)[-1]} list", "reasons", one(kind, path, reject))
            for kind, path, reject in lists
        )
    )
    return tuple(sample for sample in found if sample is not None), tuple(notes)


def _event(provider: str, r: wire.Suppression, reject: RejectReason, path: str) -> NormalizedEvent:
    stamp = datetime.fromtimestamp(r.created, UTC)
    return NormalizedEvent(
        provider=provider,
        event_type=EventType.bounced,
        timestamp=stamp,
        provider_event_type=path.rsplit("/", 1)[-1],
        event_id=synthesize_event_id(provider, path, r.email, r.created),
        recipient=r.email,
        recipient_domain=domain_of(r.email),
        reject_reason=reject,
        smtp_code=smtp_code(r.reason, r.status),
        mta_response=r.reason,
    )

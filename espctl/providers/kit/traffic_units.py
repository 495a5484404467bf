"""Read a provider's report traffic unit by unit, so one failure hides only its unit.

A *unit* is the smallest thing a traffic reader asks for on its own: one Mailgun
domain's metrics or events, one Postmark stream's stats, one tag's totals. A unit
whose request fails (404 for a domain that does not exist, a 5xx that outlived its
retries) is recorded as a :class:`~espctl.model.traffic.TrafficFailure` and yields
``None``; every other unit is still read and shown. Only a failure that concerns the
whole provider (listing its streams, a rejected credential) is left to propagate.
"""

from __future__ import annotations

from collections.abc import Awaitable
from typing import TypeVar

from espctl.errors import CredentialRejected, EspctlError
from espctl.model.traffic import TrafficFailure

T = TypeVar("T")


class Units:
    """Collects the outcome of every unit read for one provider."""

    def __init__(self, provider_id: str) -> None:
        self.provider_id = provider_id
        self.failures: list[TrafficFailure] = []
        self.count = 0

    async def read(self, unit: str, what: str, call: Awaitable[T]) -> T | None:
        """Await ``call``; on an espctl error record a failure of ``unit`` and return None."""
        self.count += 1
        try:
            return await call
        except CredentialRejected:
            raise  # the whole provider's credential, not this unit: nothing else can be read
        except EspctlError as exc:
            text = str(exc).removeprefix(f"{self.provider_id}: ")
            self.failures.append(TrafficFailure(unit, what, text))
            return None

    def failed(self, unit: str) -> bool:
        """Whether any read of ``unit`` failed."""
        return any(f.unit == unit for f in self.failures)

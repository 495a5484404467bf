"""Reading what is live: each provider's state, plus the raw settings the import needs.

The same ``read`` that ``plan`` uses (so "equal" means what the plan means by it), and
for Postmark the server settings, for Mailgun the raw tracking settings of every domain
of the account's region, for the warnings about what config cannot express.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from espctl.model.resources import LiveState, Resource
from espctl.providers.kit.concurrency import settle
from espctl.providers.kit.protocol import Provider
from espctl.providers.mailgun import resources as mg
from espctl.providers.mailgun.client import MailgunApi
from espctl.providers.mailgun.resources import MailgunProvider
from espctl.providers.postmark.client import PostmarkApi


@dataclass(frozen=True)
class _Snapshot:
    live: LiveState
    raw: Mapping[str, Any] | None = None
    raw_tracking: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)


async def _read(provider_id: str, provider: Provider, block: Any) -> _Snapshot:
    if isinstance(block, MailgunProvider):
        listing = await provider.read(())
        names = sorted(str(n) for n in listing.facts.get("all_domains") or [])
        wanted = [Resource(provider_id, mg.KIND_DOMAIN, name, {}) for name in names]
        live, raw = await settle(
            provider.read(wanted),
            _mailgun_tracking(provider, names),
        )
        return _Snapshot(live, raw_tracking=raw)
    if isinstance(provider, PostmarkApi):
        live, settings = await settle(provider.read(()), provider.read_settings())
        return _Snapshot(live, raw=settings)
    return _Snapshot(await provider.read(()))


async def _mailgun_tracking(provider: Provider, names: Sequence[str]) -> dict[str, dict[str, Any]]:
    if not isinstance(provider, MailgunApi):
        return {}
    found = await settle(*(provider.read_tracking_settings(n) for n in names))
    return dict(zip(names, found, strict=True))

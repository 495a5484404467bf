"""SendGrid: read the account's tracking settings, Event Webhooks and authenticated
domains; apply changes.

Wire facts follow the official OpenAPI files (``api-specs/sendgrid/``): ``Authorization:
Bearer <key>``, JSON bodies, ``PATCH`` for settings, the ``on-behalf-of: <subuser>``
header for a subuser (every request of a block with ``subuser``), the EU host for
``region: eu``, and errors as ``{"errors": [{"message", "field"}]}`` (rendered as one
line by :func:`error_detail`). Webhooks are read and written by :mod:`.webhooks`, the
authenticated domains and the default sender checked by :mod:`.checks`.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from typing import Any

import httpx
from pydantic import BaseModel

from espctl.errors import ProviderError
from espctl.model.resources import Check, LiveState, Resource, plain
from espctl.model.traffic import TrafficData, TrafficQuery
from espctl.providers.kit.concurrency import settle
from espctl.providers.kit.http import (
    Credential,
    HttpClient,
    HttpOptions,
    OverOneHttpClient,
    Sleep,
)
from espctl.providers.kit.protocol import ChangeRequest, ProbeResult, Snapshot
from espctl.providers.kit.spec import capabilities_of
from espctl.providers.sendgrid import resources as sg
from espctl.providers.sendgrid import scopes as sc
from espctl.providers.sendgrid import webhooks as hooks
from espctl.providers.sendgrid import wire
from espctl.providers.sendgrid.checks import domain_check, read_domains, sender_check
from espctl.providers.sendgrid.config import REGION_HOSTS, SendGridProvider
from espctl.providers.sendgrid.probe import probe_sendgrid, send_test_events
from espctl.providers.sendgrid.traffic import read_sendgrid_traffic

#: tracking setting -> its response model
TRACKING_MODELS: dict[str, type[BaseModel]] = {
    "open": wire.OpenTracking,
    "click": wire.ClickTracking,
    "subscription": wire.SubscriptionTracking,
    "google_analytics": wire.GoogleAnalytics,
}


def error_detail(response: httpx.Response) -> str:
    """SendGrid's errors in one line: ``message (field x); message``; else the raw text."""
    try:
        body = response.json()
    except ValueError:
        return " ".join(response.text[:200].split())
    errors = body.get("errors") if isinstance(body, dict) else None
    if isinstance(errors, list):
        parts = []
        for item in errors:
            if not isinstance(item, dict) or not item.get("message"):
                continue
            text = " ".join(str(item["message"]).split())
            field = item.get("field")
            parts.append(f"{text} (field {field})" if field else text)
        if parts:
            return "; ".join(parts)[:300]
    return " ".join(response.text[:200].split())


class SendGridApi(OverOneHttpClient):
    """A SendGrid account (or one subuser of it) in one region."""

    type = "sendgrid"
    capabilities = capabilities_of(sg.KINDS)

    def __init__(
        self,
        provider_id: str,
        block: SendGridProvider,
        *,
        options: HttpOptions | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
        sleep: Sleep = asyncio.sleep,
    ) -> None:
        self.id = provider_id
        self.block = block
        self.base_url = block.endpoint or REGION_HOSTS[block.region.value]
        headers = {"Authorization": f"Bearer {block.api_key.reveal()}"}
        if block.subuser:
            headers["on-behalf-of"] = block.subuser
        self.http = HttpClient(
            provider_id,
            self.base_url,
            headers=headers,
            options=options,
            transport=transport,
            error_detail=error_detail,
            # a wrong key, and a key sent to the other region's host, answer 401
            credential=Credential("API key", "api_key", block.api_key.source),
            sleep=sleep,
        )

    # -- scopes ----------------------------------------------------------------------
    def read_scopes(self, desired: Sequence[Resource], *, everything: bool = False) -> set[str]:
        """The scopes reading ``desired`` needs; ``everything``: a snapshot's (every
        tracking setting and domain is read)."""
        needed = {sc.WEBHOOKS_READ}
        for setting in _settings(desired, everything):
            needed.add(sc.tracking_scopes(setting)[0])
        if self.block.domains or everything:
            needed.add(sc.DOMAINS_READ)
        return needed

    def write_scopes(self, desired: Sequence[Resource]) -> dict[str, set[str]]:
        """Per scope applying ``desired`` may need, the keys of the resources it writes
        (a webhook scope also covers the live webhooks ``prune`` may delete: filled in
        by :meth:`_scope_check`)."""
        needed: dict[str, set[str]] = {}
        for r in desired:
            if r.kind == sg.KIND_TRACKING:
                needed.setdefault(sc.tracking_scopes(r.key)[1], set()).add(r.key)
            elif r.kind == sg.KIND_WEBHOOK:
                needed.setdefault(sc.WEBHOOKS_UPDATE, set()).add(r.key)
        return needed

    def needed_scopes(self, desired: Sequence[Resource]) -> set[str]:
        """Every scope reading and applying ``desired`` needs (``espctl test``)."""
        return self.read_scopes(desired) | set(self.write_scopes(desired))

    async def granted_scopes(self) -> set[str]:
        """The scopes of the key (``GET /v3/scopes``)."""
        found = await self.http.get("/v3/scopes", wire.Scopes)
        return set(found.scopes)

    def _scope_check(
        self, desired: Sequence[Resource], live: Sequence[Resource], granted: set[str]
    ) -> Check | None:
        """A key that may read but not write what the config declares: a failed error
        check naming the missing scopes, which blocks every change that needs them (so
        plan shows them blocked, and apply never sends a write SendGrid would refuse)."""
        needed = self.write_scopes(desired)
        if sc.WEBHOOKS_UPDATE in needed:
            needed[sc.WEBHOOKS_UPDATE] |= {r.key for r in live if r.kind == sg.KIND_WEBHOOK}
        missing = sorted(scope for scope in needed if scope not in granted)
        if not missing:
            return None
        return Check(
            self.id,
            "api key scopes",
            "account",
            False,
            f"the API key may not write what this config declares; missing scopes: "
            f"{', '.join(missing)} (grant them under Settings > API Keys at SendGrid)",
            severity="error",
            blocks=tuple(sorted({key for scope in missing for key in needed[scope]})),
        )

    # -- read ------------------------------------------------------------------------
    async def read(self, desired: Sequence[Resource]) -> LiveState:
        return await self._read(desired, everything=False)

    async def _read(self, desired: Sequence[Resource], *, everything: bool) -> LiveState:
        # the key's scopes first: one that cannot read is one error naming what it lacks
        granted = await self.granted_scopes()
        missing = self.read_scopes(desired, everything=everything) - granted
        if missing:
            raise sc.MissingScopes(self.id, missing)
        settings = _settings(desired, everything)
        aliases = hooks.url_aliases(desired)
        want_domains = bool(self.block.domains) or everything
        listing, tracking, domains, sender = await settle(
            self.http.get(f"{hooks.BASE}/all", wire.EventWebhookList),
            settle(*(self._tracking(s) for s in settings)),
            read_domains(self) if want_domains else _nothing(),
            sender_check(self),
        )
        resources: list[Resource] = list(tracking)
        live_hooks = hooks.live_webhooks(self.id, listing, aliases)
        resources.extend(
            hooks.adopt_legacy_names(self.id, live_hooks, desired, everything=everything)
        )
        checks: list[Check] = []
        domain_facts: dict[str, Any] = {}
        listed = {d.domain: d for d in domains or ()}
        for name in self.block.domains:
            check, facts = domain_check(self.id, name, listed.get(name))
            checks.append(check)
            domain_facts[name] = facts
        if sender is not None:
            checks.append(sender)
        checks.extend(self._limit_checks(desired, resources, listing.max_allowed))
        scope_check = None if everything else self._scope_check(desired, resources, granted)
        if scope_check is not None:
            checks.append(scope_check)
        checks.extend(self._key_checks(resources))
        return LiveState(
            self.id,
            tuple(resources),
            tuple(checks),
            {
                "region": self.block.region.value,
                "subuser": self.block.subuser,
                "domains": domain_facts,
                "all_domains": {d.domain: {"valid": d.valid} for d in domains or ()},
                "max_allowed": listing.max_allowed,
            },
        )

    async def _tracking(self, setting: str) -> Resource:
        body = await self.http.get_checked(
            f"/v3/tracking_settings/{setting}", TRACKING_MODELS[setting]
        )
        model = TRACKING_MODELS[setting].model_validate(body)
        fields = {k: v for k, v in model.model_dump().items()}
        return sg.tracking_resource(self.id, setting, fields)

    def _limit_checks(
        self, desired: Sequence[Resource], live: Sequence[Resource], max_allowed: int | None
    ) -> list[Check]:
        """More webhooks than the plan allows (``max_allowed``): the new ones are blocked.

        Counted as every live webhook (unmanaged ones are kept unless pruned: the safer
        reading) plus the declared ones not live yet."""
        if max_allowed is None:
            return []
        live_keys = {r.key for r in live if r.kind == sg.KIND_WEBHOOK}
        new = [r.key for r in desired if r.kind == sg.KIND_WEBHOOK and r.key not in live_keys]
        if not new or len(live_keys) + len(new) <= max_allowed:
            return []
        return [
            Check(
                self.id,
                "webhook limit",
                "account",
                False,
                f"SendGrid allows {max_allowed} Event Webhooks on this plan; "
                f"{len(live_keys)} exist and the config adds {len(new)}",
                severity="error",
                blocks=tuple(new),
            )
        ]

    def _key_checks(self, resources: Sequence[Resource]) -> list[Check]:
        """The public key of each signed webhook, for the receiver's verification."""
        return [
            Check(
                self.id,
                "webhook signature",
                r.key,
                True,
                f"{r.key} is signed; verify with public key {r.fields['public_key']}",
            )
            for r in resources
            if r.kind == sg.KIND_WEBHOOK and r.fields.get("public_key")
        ]

    async def snapshot(self) -> Snapshot:
        """Everything live: every tracking setting, webhook and authenticated domain."""
        return Snapshot(await self._read((), everything=True))

    # -- apply -----------------------------------------------------------------------
    async def apply(self, change: ChangeRequest) -> None:
        match change.kind:
            case sg.KIND_TRACKING:
                await self._patch_tracking(change)
            case sg.KIND_WEBHOOK:
                await hooks.apply_webhook(self, change)
            case _:
                raise ProviderError(self.id, "-", change.kind, None, "unsupported resource kind")

    async def _patch_tracking(self, change: ChangeRequest) -> None:
        """``PATCH /v3/tracking_settings/{setting}`` with the fields the config sets.

        The spec's request schema for ``click`` lists only ``enabled`` while its response
        has ``enable_text``: whether SendGrid applies ``enable_text`` is UNCONFIRMED, so
        the answer is checked and a field not applied is an error, never a silent drift.
        """
        assert change.after is not None
        setting = change.key
        wanted = {k: plain(v) for k, v in change.after.fields.items()}
        path = f"/v3/tracking_settings/{setting}"
        answer = await self.http.send("PATCH", path, TRACKING_MODELS[setting], json_body=wanted)
        got = answer.model_dump()
        wrong = sorted(k for k, v in wanted.items() if got.get(k) != v)
        if wrong:
            raise ProviderError(
                self.id,
                "PATCH",
                path,
                200,
                f"SendGrid answered without applying {', '.join(wrong)}",
            )

    # -- report ----------------------------------------------------------------------
    async def read_traffic(self, query: TrafficQuery) -> TrafficData:
        """Daily stats, category totals and bounce/block reasons (see :mod:`.traffic`)."""
        return await read_sendgrid_traffic(self, query)

    # -- connection test ---------------------------------------------------------------
    async def probe(self) -> list[ProbeResult]:
        """Read-only probes (see :mod:`.probe`)."""
        return await probe_sendgrid(self)

    async def send_test_events(self, desired: Sequence[Resource]) -> list[ProbeResult]:
        """SendGrid's own test event to each configured webhook (``espctl test
        --webhooks``; see :func:`.probe.send_test_events`)."""
        return await send_test_events(self, desired)


def _settings(desired: Sequence[Resource], everything: bool) -> tuple[str, ...]:
    """The tracking settings to read: the declared ones, or all of them."""
    if everything:
        return sg.TRACKING_SETTINGS
    return tuple(r.key for r in desired if r.kind == sg.KIND_TRACKING)


async def _nothing() -> list[wire.AuthenticatedDomain] | None:
    return None

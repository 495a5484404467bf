"""Mailgun: read domains, tracking and webhooks for the configured domains; apply changes.

Wire facts follow ESP-API.md Part 2: Basic auth ``api:KEY``, versioned paths, form
bodies for writes (repeated keys), tracking ``active`` values that come back as
booleans or ``"yes"``/``"no"``/``"htmlonly"`` strings, webhook credentials carried as
URL userinfo, and error bodies as ``message``/``Reason``/``Description`` or plain text.
Webhooks (domain and account level) are read and written by :mod:`.mailgun_webhooks`.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping, Sequence
from typing import Any

import httpx

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
from espctl.providers.kit.paging import Listing, Page, read_offset_pages
from espctl.providers.kit.protocol import ChangeRequest, ProbeResult, Snapshot
from espctl.providers.kit.spec import capabilities_of
from espctl.providers.mailgun import limits as mgl
from espctl.providers.mailgun import resources as mg
from espctl.providers.mailgun import webhooks as hooks
from espctl.providers.mailgun import wire
from espctl.providers.mailgun.config import REGION_HOSTS, MailgunProvider
from espctl.providers.mailgun.probe import probe_mailgun
from espctl.providers.mailgun.traffic import read_mailgun_traffic

DOMAIN_PAGE = 1000  # v4 domains list maximum
#: what reading one declared domain gives: its resources, checks and facts
DomainRead = tuple[list[Resource], list[Check], dict[str, Any]]


def error_detail(response: httpx.Response) -> str:
    """Mailgun's error text: ``message``, else ``Reason``, else ``Description``, else raw."""
    try:
        body = response.json()
    except ValueError:
        return response.text[:200].strip()
    if isinstance(body, dict):
        for key in ("message", "Reason", "Description"):
            if body.get(key):
                return str(body[key])
    return response.text[:200]


def _on_off(value: Any) -> bool:
    """``true``/``"yes"``/``"true"`` -> True; anything else False (ESP-API.md 2.5)."""
    if isinstance(value, str):
        return value.strip().lower() in ("yes", "true")
    return bool(value)


def click_setting(value: Any, desired: object) -> bool | str:
    """The live click setting, read tolerantly: the one place the two shapes meet.

    ``"htmlonly"`` is HTML-only and ``"yes"``/``"true"``/``"no"``/``"false"`` strings are
    exact (older answers, ESP-API.md 2.5). A *boolean* ``true`` is ambiguous: the spec
    types GET ``click.active`` as a boolean while PUT takes ``htmlonly``, so an account
    set to HTML-only may answer ``true`` (UNCONFIRMED which accounts do). espctl cannot
    tell the two apart from that answer; when the config wants ``html_only`` it reads
    ``true`` as matching it (safer than a permanent diff: re-sending ``htmlonly`` on every
    apply could never be confirmed) and the plan says so in a check.
    """
    if isinstance(value, str) and value.strip().lower() == "htmlonly":
        return "html_only"
    if value is True and desired == "html_only":
        return "html_only"
    return _on_off(value)


class MailgunApi(OverOneHttpClient):
    """A Mailgun account in one region."""

    type = "mailgun"
    capabilities = capabilities_of(
        mg.KINDS, mgl.url_limit_checks, lambda c: mgl.releases_room(c.action, c.before, c.after)
    )

    def __init__(
        self,
        provider_id: str,
        block: MailgunProvider,
        *,
        options: HttpOptions | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
        sleep: Sleep = asyncio.sleep,
    ) -> None:
        self.id = provider_id
        self.block = block
        self.base_url = block.endpoint or REGION_HOSTS[block.region.value]
        self.http = HttpClient(
            provider_id,
            self.base_url,
            auth=("api", block.api_key.reveal()),
            options=options,
            transport=transport,
            error_detail=error_detail,
            # Mailgun's 401 is plain text "Forbidden" (ESP-API.md 2.2), also for a key
            # sent to the other region's host
            credential=Credential("API key", "api_key", block.api_key.source),
            sleep=sleep,
        )

    # -- read ------------------------------------------------------------------------
    async def read(self, desired: Sequence[Resource]) -> LiveState:
        names = sorted({r.key for r in desired if r.kind == mg.KIND_DOMAIN})
        aliases = hooks.url_aliases(desired)
        tracking = {r.key: r for r in desired if r.kind == mg.KIND_TRACKING}
        declares_account = any(r.kind == mg.KIND_ACCOUNT_WEBHOOK for r in desired)

        async def domains() -> tuple[list[wire.Domain], list[DomainRead]]:
            # the listing first: it says which declared domains exist and which are active
            # (those need no detail read), so a domain costs 2 GETs, not 3 (issue 19)
            listing = await self._all_domains()
            listed = {item.name: item for item in listing}
            per_domain = await settle(
                *(
                    self._read_domain(name, aliases, tracking.get(name), listed.get(name))
                    for name in names
                )
            )
            return listing, per_domain

        (listing, per_domain), (account, account_checks) = await settle(
            domains(), self._account_webhooks(aliases, declares_account)
        )
        resources: list[Resource] = []
        checks: list[Check] = []
        configured = set(names)
        for item in listing:
            if item.name not in configured:
                resources.append(
                    Resource(self.id, mg.KIND_DOMAIN, item.name, {"state": item.state})
                )
        domain_facts: dict[str, dict[str, Any]] = {}
        for name, (found, found_checks, facts) in zip(names, per_domain, strict=True):
            resources.extend(found)
            checks.extend(found_checks)
            domain_facts[name] = facts
        resources.extend(account)
        checks.extend(account_checks)
        checks.extend(self._url_checks(desired))
        return LiveState(
            self.id,
            tuple(resources),
            tuple(checks),
            {
                "region": self.block.region.value,
                "domains": domain_facts,
                "all_domains": sorted(i.name for i in listing),
            },
        )

    async def _account_webhooks(
        self, aliases: Mapping[str, str], declared: bool
    ) -> tuple[list[Resource], list[Check]]:
        """The region's account-level webhooks. A key that may not read them (403) is a
        failed check when the config declares none there, so the plan still runs."""
        try:
            found = await self.http.get("/v1/webhooks", wire.AccountWebhookList)
        except ProviderError as exc:
            if declared or exc.status != 403:
                raise
            return [], [
                Check(
                    self.id,
                    "account webhooks",
                    "account",
                    False,
                    f"account-level webhooks could not be read ({exc.detail}): receivers "
                    "configured there fire for every domain and are not shown",
                    # the declared settings still converge; what else fires is unknown
                    severity="warning",
                )
            ]
        return hooks.live_account_webhooks(self.id, found.webhooks, aliases), []

    def _url_checks(self, desired: Sequence[Resource]) -> list[Check]:
        """Declared URLs Mailgun refuses to save: a host that cannot resolve publicly."""
        checks = []
        for r in desired:
            if r.kind not in mg.WEBHOOK_KINDS:
                continue
            reason = mgl.refused_host(hooks.shown_url(r))
            if reason is not None:
                checks.append(
                    Check(
                        self.id,
                        "webhook url",
                        r.key,
                        False,
                        f"Mailgun refuses webhook URLs whose host does not resolve publicly "
                        f"(HTTP 400 'host not found'): {reason}",
                        # Mailgun would refuse the write: never planned, shown as blocked
                        severity="error",
                        blocks=(r.key,),
                    )
                )
        return checks

    async def _all_domains(self) -> list[wire.Domain]:
        async def page(skip: int) -> Page[wire.Domain]:
            found = await self.http.get(
                "/v4/domains", wire.DomainList, {"limit": DOMAIN_PAGE, "skip": skip}
            )
            return Page(found.items, found.total_count)

        return await read_offset_pages(
            page,
            listing=Listing(self.id, "GET", "/v4/domains"),
            page_size=DOMAIN_PAGE,
            key=lambda domain: domain.name,
            ceiling=self.http.options.max_listing_items,
        )

    def _missing(self, name: str) -> DomainRead:
        region = self.block.region.value
        # espctl cannot create domains: nothing under it can converge, so the check
        # blocks the domain (its tracking and webhooks are shown as blocked, never planned)
        missing = Check(
            self.id,
            "domain",
            name,
            False,
            f"domain {name} does not exist in Mailgun's {region.upper()} region "
            "(create and verify it at Mailgun, or check `region`)",
            severity="error",
            blocks=(name,),
        )
        return [], [missing], {"exists": False}

    async def _read_domain(
        self,
        name: str,
        aliases: Mapping[str, str],
        desired: Resource | None,
        listed: wire.Domain | None,
    ) -> DomainRead:
        """One declared domain: its tracking and webhooks, and its detail (DNS records)
        only when the listing does not say it is active.

        Not in the (complete) listing: it does not exist, and nothing is read. Active:
        Mailgun activates a domain only once its sending DNS records verify, and marks it
        unverified again when its re-checks fail (UNCONFIRMED how soon: the safer reading
        would re-read the records, at one more GET per domain; `espctl test` does, and
        so does the plan for every domain that is not active).
        """
        if listed is None:
            return self._missing(name)
        if listed.state == "active":
            tracking, listing = await settle(
                self.http.get(f"/v3/domains/{name}/tracking", wire.TrackingResponse),
                self.http.get(f"/v3/domains/{name}/webhooks", wire.WebhookList),
            )
            state, records, web_scheme = listed.state, [], listed.web_scheme
        else:
            try:
                detail, tracking, listing = await settle(
                    self.http.get(f"/v4/domains/{name}", wire.DomainDetail),
                    self.http.get(f"/v3/domains/{name}/tracking", wire.TrackingResponse),
                    self.http.get(f"/v3/domains/{name}/webhooks", wire.WebhookList),
                )
            except ProviderError as exc:
                if exc.status == 404:  # deleted since the listing was read
                    return self._missing(name)
                raise
            state = detail.domain.state
            records = detail.sending_dns_records
            web_scheme = detail.domain.web_scheme
        invalid = [f"{r.record_type} {r.name}" for r in records if r.valid != "valid"]
        verified = state == "active" and not invalid
        message = (
            f"{name} is active (Mailgun verified its sending DNS records)"
            if verified
            else f"{name} is {state}"
            + (f"; DNS records not valid: {', '.join(invalid)}" if invalid else "")
        )
        # unverified or disabled: the settings converge, the mail will not go out well
        checks = [Check(self.id, "domain", name, verified, message, severity="warning")]
        track, note = self._tracking_resource(name, tracking.tracking, desired)
        if note is not None:
            checks.append(note)
        resources = [Resource(self.id, mg.KIND_DOMAIN, name, {"state": state}), track]
        resources.extend(hooks.live_domain_webhooks(self.id, name, listing.webhooks, aliases))
        facts = {
            "exists": True,
            "state": state,
            "verified": verified,
            "dns": [{"type": r.record_type, "name": r.name, "valid": r.valid} for r in records],
            "web_scheme": web_scheme,
        }
        return resources, checks, facts

    def _tracking_resource(
        self, name: str, tracking: wire.Tracking, desired: Resource | None
    ) -> tuple[Resource, Check | None]:
        unsub = tracking.unsubscribe
        wanted = desired.fields.get("clicks") if desired is not None else None
        clicks = click_setting(tracking.click.active, wanted)
        fields: dict[str, object] = {
            "opens": _on_off(tracking.open.active),
            "clicks": clicks,
            "unsubscribe": _on_off(unsub.active),
            "unsubscribe_html_footer": unsub.html_footer,
            "unsubscribe_text_footer": unsub.text_footer,
        }
        note = None
        if tracking.click.active is True and wanted in (True, "html_only"):
            # either reading is as likely: say which one the plan took
            taken = "html_only" if wanted == "html_only" else "true (all links)"
            note = Check(
                self.id,
                "tracking",
                name,
                True,
                f"click tracking on {name} reads back as true, which Mailgun may also answer "
                f"for HTML-only (the API types it as a boolean): taken as {taken}, as configured",
            )
        return Resource(self.id, mg.KIND_TRACKING, name, fields, parent=name), note

    async def read_tracking_settings(self, name: str) -> dict[str, Any]:
        """Raw ``GET /v3/domains/{name}/tracking`` object, read-only, for ``espctl import``.

        Import uses it to report tracking options espctl cannot express (e.g. the open
        pixel's ``place_at_the_top``, ``web_scheme``) instead of dropping them silently.
        """
        found = await self.http.get_checked(f"/v3/domains/{name}/tracking", wire.TrackingResponse)
        return dict(found["tracking"])

    async def snapshot(self) -> Snapshot:
        """Every domain of the region (read as the config would declare them all), with
        each domain's raw tracking object under ``raw["tracking"]``."""
        listing = await self.read(())
        names = sorted(str(n) for n in listing.facts.get("all_domains") or [])
        wanted = [Resource(self.id, mg.KIND_DOMAIN, name, {}) for name in names]
        live, tracking = await settle(
            self.read(wanted), settle(*(self.read_tracking_settings(n) for n in names))
        )
        return Snapshot(live, {"tracking": dict(zip(names, tracking, strict=True))})

    # -- apply -----------------------------------------------------------------------
    async def apply(self, change: ChangeRequest) -> None:
        match change.kind:
            case mg.KIND_TRACKING:
                assert change.after is not None
                await self._put_tracking(change)
            case mg.KIND_WEBHOOK:
                await hooks.apply_domain_webhook(self, change)
            case mg.KIND_ACCOUNT_WEBHOOK:
                await hooks.apply_account_webhook(self, change)
            case _:
                raise ProviderError(self.id, "-", change.kind, None, "unsupported resource kind")

    async def _put_tracking(self, change: ChangeRequest) -> None:
        assert change.after is not None
        domain = change.key
        after = change.after.fields
        before = change.before.fields if change.before else {}

        def changed(*names: str) -> bool:
            return any(n in after and plain(after[n]) != plain(before.get(n)) for n in names)

        base = f"/v3/domains/{domain}/tracking"
        if changed("opens"):
            await self.http.send(
                "PUT",
                f"{base}/open",
                wire.TrackingWritten,
                form=[("active", "true" if after["opens"] else "false")],
            )
        if changed("clicks"):
            clicks = after["clicks"]
            value = "htmlonly" if clicks == "html_only" else ("true" if clicks else "false")
            await self.http.send(
                "PUT", f"{base}/click", wire.TrackingWritten, form=[("active", value)]
            )
        if changed("unsubscribe", "unsubscribe_html_footer", "unsubscribe_text_footer"):
            form: list[tuple[str, str]] = []
            if "unsubscribe" in after:
                form.append(("active", "true" if after["unsubscribe"] else "false"))
            if "unsubscribe_html_footer" in after:
                form.append(("html_footer", str(plain(after["unsubscribe_html_footer"]))))
            if "unsubscribe_text_footer" in after:
                form.append(("text_footer", str(plain(after["unsubscribe_text_footer"]))))
            await self.http.send("PUT", f"{base}/unsubscribe", wire.TrackingWritten, form=form)

    # -- report ----------------------------------------------------------------------
    async def read_traffic(self, query: TrafficQuery) -> TrafficData:
        """Metrics per domain (``query.buckets``) by day and by tag; every tag is read."""
        return await read_mailgun_traffic(self, query, query.buckets)

    # -- connection test ---------------------------------------------------------------
    async def probe(self) -> list[ProbeResult]:
        """Read-only probes, run concurrently and timed one by one (see :mod:`.probe_mailgun`)."""
        return await probe_mailgun(self)

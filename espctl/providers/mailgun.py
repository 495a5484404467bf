"""Mailgun: read domains, tracking and webhooks for the configured domains; apply changes.

Wire facts follow ESP-API.md Part 2: Basic auth ``api:KEY``, versioned paths, form
bodies for writes (repeated ``url`` keys), tracking ``active`` values that come back as
booleans or ``"yes"``/``"no"``/``"htmlonly"`` strings, webhook credentials carried as
URL userinfo, and error bodies as ``message``/``Reason``/``Description`` or plain text.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping, Sequence
from typing import Any
from urllib.parse import quote, urlsplit, urlunsplit

import httpx

from espctl.errors import ProviderError
from espctl.model import mailgun as mg
from espctl.model.common import BasicAuth, Secret
from espctl.model.mailgun import MailgunProvider, MailgunWebhookUrl
from espctl.model.resources import Check, LiveState, Resource, plain
from espctl.model.traffic import TrafficData, TrafficQuery
from espctl.model.urls import split_userinfo as model_split_userinfo
from espctl.providers import responses_mailgun as wire
from espctl.providers.base import Capabilities, ChangeRequest, ProbeResult
from espctl.providers.concurrency import settle
from espctl.providers.http import Credential, HttpClient, HttpOptions, Sleep
from espctl.providers.paging import Listing, Page, read_offset_pages
from espctl.providers.probe_mailgun import probe_mailgun
from espctl.providers.traffic_mailgun import read_mailgun_traffic

DOMAIN_PAGE = 1000  # v4 domains list maximum


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


def _clicks(value: Any) -> bool | str:
    if isinstance(value, str) and value.strip().lower() == "htmlonly":
        return "html_only"
    return _on_off(value)


def split_userinfo(url: str, aliases: Mapping[str, str] | None = None) -> MailgunWebhookUrl:
    """A live webhook URL with its userinfo moved into basic auth (kept as a Secret).

    ``aliases`` maps real URLs of the config to their identity (environment values
    masked), so that a live URL equal to one gets the same identity.
    """
    split = model_split_userinfo(url)
    identity = (aliases or {}).get(split.url)
    if not split.username:
        return MailgunWebhookUrl(url=split.url, identity=identity)
    return MailgunWebhookUrl(
        url=split.url,
        basic_auth=BasicAuth(username=split.username, password=Secret(split.password or "")),
        identity=identity,
    )


def join_userinfo(url: str, username: str | None, password: Secret | None) -> str:
    """The URL Mailgun must call: basic-auth credentials as percent-encoded userinfo."""
    if not username:
        return url
    parts = urlsplit(url)
    secret = password.reveal() if password is not None else ""
    netloc = f"{quote(username, safe='')}:{quote(secret, safe='')}@{parts.netloc}"
    return urlunsplit((parts.scheme, netloc, parts.path, parts.query, parts.fragment))


class MailgunApi:
    """A Mailgun account in one region."""

    type = "mailgun"
    capabilities = Capabilities(
        creatable=frozenset({mg.KIND_WEBHOOK}),
        deletable=frozenset({mg.KIND_WEBHOOK}),
        unmanaged=frozenset({mg.KIND_DOMAIN, mg.KIND_WEBHOOK}),
        immutable={},
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
        self.base_url = block.endpoint or mg.REGION_HOSTS[block.region.value]
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

    @property
    def requests(self) -> int:
        return self.http.stats.requests

    @property
    def waiting(self) -> tuple[str, ...]:
        """What the client waits for now (a rate limit), for the progress line."""
        return self.http.waiting

    async def aclose(self) -> None:
        await self.http.aclose()

    # -- read ------------------------------------------------------------------------
    async def read(self, desired: Sequence[Resource]) -> LiveState:
        names = sorted({r.key for r in desired if r.kind == mg.KIND_DOMAIN})
        aliases = {
            secret.reveal(): identity
            for r in desired
            if r.kind == mg.KIND_WEBHOOK
            for identity, secret in dict(r.fields.get("secret_urls") or {}).items()
            if isinstance(secret, Secret)
        }
        listing, *per_domain = await settle(
            self._all_domains(), *(self._read_domain(name, aliases) for name in names)
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
        for name, (found, more, check, facts) in zip(names, per_domain, strict=True):
            resources.extend(found)
            checks.append(check)
            if more:
                resources.extend(more)
            domain_facts[name] = facts
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

    async def _read_domain(
        self, name: str, aliases: Mapping[str, str]
    ) -> tuple[list[Resource], list[Resource], Check, dict[str, Any]]:
        try:
            detail = await self.http.get(f"/v4/domains/{name}", wire.DomainDetail)
        except ProviderError as exc:
            if exc.status == 404:
                region = self.block.region.value
                return (
                    [],
                    [],
                    # espctl cannot create domains: nothing under it can converge, so
                    # the check blocks the domain (its tracking and webhooks are shown
                    # as blocked, never planned)
                    Check(
                        self.id,
                        "domain",
                        name,
                        False,
                        f"domain {name} does not exist in Mailgun's {region.upper()} region "
                        "(create and verify it at Mailgun, or check `region`)",
                        severity="error",
                        blocks=(name,),
                    ),
                    {"exists": False},
                )
            raise
        tracking, hooks = await settle(
            self.http.get(f"/v3/domains/{name}/tracking", wire.TrackingResponse),
            self.http.get(f"/v3/domains/{name}/webhooks", wire.WebhookList),
        )
        state = detail.domain.state
        records = detail.sending_dns_records
        invalid = [f"{r.record_type} {r.name}" for r in records if r.valid != "valid"]
        verified = state == "active" and not invalid
        message = (
            f"{name} is active and its sending DNS records are valid"
            if verified
            else f"{name} is {state}"
            + (f"; DNS records not valid: {', '.join(invalid)}" if invalid else "")
        )
        # unverified or disabled: the settings converge, the mail will not go out well
        check = Check(self.id, "domain", name, verified, message, severity="warning")
        resources = [Resource(self.id, mg.KIND_DOMAIN, name, {"state": state})]
        resources.append(self._tracking_resource(name, tracking.tracking))
        resources.extend(self._webhook_resources(name, hooks.webhooks, aliases))
        facts = {
            "exists": True,
            "state": state,
            "verified": verified,
            "dns": [{"type": r.record_type, "name": r.name, "valid": r.valid} for r in records],
            "web_scheme": detail.domain.web_scheme,
        }
        return resources, [], check, facts

    def _tracking_resource(self, name: str, tracking: wire.Tracking) -> Resource:
        unsub = tracking.unsubscribe
        fields: dict[str, object] = {
            "opens": _on_off(tracking.open.active),
            "clicks": _clicks(tracking.click.active),
            "unsubscribe": _on_off(unsub.active),
            "unsubscribe_html_footer": unsub.html_footer,
            "unsubscribe_text_footer": unsub.text_footer,
        }
        return Resource(self.id, mg.KIND_TRACKING, name, fields, parent=name)

    def _webhook_resources(
        self, name: str, hooks: dict[str, wire.WebhookUrls | None], aliases: Mapping[str, str]
    ) -> list[Resource]:
        out = []
        for event_id, entry in sorted(hooks.items()):
            if entry is None:
                continue  # absent and null alike: no webhook (ESP-API.md 2.6)
            # very old webhooks: one "url" string, read as a one-item list
            parsed = [split_userinfo(u, aliases) for u in entry.all()]
            if parsed:
                out.append(mg.webhook_resource(self.id, name, event_id, parsed))
        return out

    async def read_tracking_settings(self, name: str) -> dict[str, Any]:
        """Raw ``GET /v3/domains/{name}/tracking`` object, read-only, for ``espctl import``.

        Import uses it to report tracking options espctl cannot express (e.g. the open
        pixel's ``place_at_the_top``, ``web_scheme``) instead of dropping them silently.
        """
        found = await self.http.get_checked(f"/v3/domains/{name}/tracking", wire.TrackingResponse)
        return dict(found["tracking"])

    # -- apply -----------------------------------------------------------------------
    async def apply(self, change: ChangeRequest) -> None:
        match change.kind:
            case mg.KIND_TRACKING:
                assert change.after is not None
                await self._put_tracking(change)
            case mg.KIND_WEBHOOK:
                await self._apply_webhook(change)
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

    def _url_form(self, after: Resource) -> list[tuple[str, str]]:
        """One ``url`` per URL: the real URL (not its masked identity) with userinfo."""
        auth = after.fields.get("basic_auth") or {}
        real = dict(after.fields.get("secret_urls") or {})
        form = []
        for shown in after.fields["urls"]:
            url = str(plain(real.get(shown, shown)))
            creds = auth.get(shown) or {}
            username = plain(creds.get("username"))
            password = creds.get("password")
            form.append(("url", join_userinfo(url, username, password)))
        return form

    async def _current_urls(self, domain: str, event_id: str) -> list[str] | None:
        try:
            found = await self.http.get(
                f"/v3/domains/{domain}/webhooks/{event_id}", wire.WebhookResponse
            )
        except ProviderError as exc:
            if exc.status == 404:
                return None
            raise
        return found.webhook.all() or None

    async def _apply_webhook(self, change: ChangeRequest) -> None:
        domain, _, event_id = change.key.partition(" ")
        base = f"/v3/domains/{domain}/webhooks"
        match change.action:
            case "delete":
                try:
                    await self.http.send("DELETE", f"{base}/{event_id}", wire.WebhookWritten)
                except ProviderError as exc:
                    if exc.status != 404:
                        raise
            case "update":
                assert change.after is not None
                # PUT replaces the whole URL list at once, so the 3-URL limit cannot be
                # crossed in between (no add-before-remove window)
                await self.http.send(
                    "PUT",
                    f"{base}/{event_id}",
                    wire.WebhookWritten,
                    form=self._url_form(change.after),
                )
            case "create":
                assert change.after is not None
                form = [("id", event_id), *self._url_form(change.after)]
                try:
                    await self.http.send("POST", base, wire.WebhookWritten, form=form)
                except ProviderError as exc:
                    if exc.status is not None and exc.status < 500 and exc.status != 429:
                        # e.g. the event already has URLs (made since the plan): replace
                        if await self._current_urls(domain, event_id) is None:
                            raise
                    elif await self._current_urls(domain, event_id) is None:
                        raise  # not applied: report the failure, a re-run retries it
                    await self.http.send(
                        "PUT",
                        f"{base}/{event_id}",
                        wire.WebhookWritten,
                        form=self._url_form(change.after),
                    )

    # -- report ----------------------------------------------------------------------
    async def read_traffic(self, query: TrafficQuery) -> TrafficData:
        """Metrics per domain (``query.buckets``) by day and by tag; every tag is read."""
        return await read_mailgun_traffic(self, query, query.buckets)

    # -- connection test ---------------------------------------------------------------
    async def probe(self) -> list[ProbeResult]:
        """Read-only probes, run concurrently and timed one by one (see :mod:`.probe_mailgun`)."""
        return await probe_mailgun(self)

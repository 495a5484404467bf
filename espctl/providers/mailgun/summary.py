"""Mailgun's live state in the report: domains, tracking, webhooks."""

from __future__ import annotations

from espctl.model.resources import LiveState, Resource
from espctl.model.summary import AccountInfo, DomainInfo, TrackingInfo, WebhookInfo, WebhookTrigger
from espctl.model.text import plural
from espctl.providers.kit.summary import masked, resources
from espctl.providers.mailgun import resources as mg
from espctl.providers.mailgun.events import WEBHOOK_TO_EVENT


class MailgunAdapter:
    """Reads :mod:`espctl.providers.mailgun.resources` resources and the domain facts of a read."""

    bucket_label = "domain"

    def account(self, live: LiveState) -> AccountInfo:
        facts = live.facts.get("domains") or {}
        domains = tuple(
            DomainInfo(
                name,
                str(info.get("state", "missing") if info.get("exists") else "missing"),
                bool(info.get("verified")) if info.get("exists") else False,
            )
            for name, info in sorted(facts.items())
        )
        region = str(live.facts.get("region", "")).upper()
        total = len(live.facts.get("all_domains") or [])
        return AccountInfo(
            description=f"{region} region, {plural(total, 'domain')} in the account",
            domains=domains,
        )

    def tracking(self, live: LiveState) -> TrackingInfo:
        tracking = resources(live, mg.KIND_TRACKING)
        if not tracking:
            return TrackingInfo()
        opens = [bool(r.fields.get("opens")) for r in tracking]
        clicks = [r.fields.get("clicks") for r in tracking]
        html_only = sum(1 for c in clicks if c == "html_only")
        detail = (
            f"opens on {sum(opens)}/{plural(len(opens), 'domain')}, clicks on "
            f"{sum(1 for c in clicks if c)}/{len(clicks)}"
        )
        if html_only:
            detail += f" ({html_only} html_only)"
        return TrackingInfo(opens=any(opens), clicks=any(bool(c) for c in clicks), detail=detail)

    def webhooks(self, provider_id: str, live: LiveState) -> list[WebhookInfo]:
        """Every live receiver: each domain URL, then the account-level webhooks, which
        fire for every domain of the region (Mailgun sends a URL listed at both levels
        once per event)."""
        region = str(live.facts.get("region", "")).upper()
        found: list[tuple[str, str, str, list[WebhookTrigger]]] = []
        for r in resources(live, mg.KIND_WEBHOOK):
            shown = _url(r).removeprefix(f"{r.parent} ")
            found.append((f"domain {r.parent}", shown, _user(r), _triggers(r)))
        for r in resources(live, mg.KIND_ACCOUNT_WEBHOOK):
            scope = f"account (every {region} domain)" if region else "account (every domain)"
            found.append((scope, _url(r), _user(r), _triggers(r)))
        return [
            WebhookInfo(
                provider_id,
                masked(url, user),
                scope,
                "basic auth" if user else "signing key",
                tuple(triggers),
                deduplicated=True,
            )
            for scope, url, user, triggers in sorted(found, key=lambda f: f[:3])
            if triggers
        ]


def _url(resource: Resource) -> str:
    """The key's URL part; a copy (same URL, other credentials) is keyed after its original."""
    return resource.duplicate_of if resource.duplicate_of is not None else resource.key


def _user(resource: Resource) -> str:
    return str(resource.fields.get("basic_auth_username") or "")


def _triggers(resource: Resource) -> list[WebhookTrigger]:
    return [
        WebhookTrigger(event.value, event_id)
        for event_id in sorted(mg.events_of(resource))
        if (event := WEBHOOK_TO_EVENT.get(event_id)) is not None
    ]

"""SendGrid's live state in the report: the account, its tracking and Event Webhooks."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from espctl.model.resources import LiveState, Resource
from espctl.model.summary import AccountInfo, DomainInfo, TrackingInfo, WebhookInfo, WebhookTrigger
from espctl.model.text import plural
from espctl.providers.kit.summary import masked, resources
from espctl.providers.sendgrid import resources as sg
from espctl.providers.sendgrid.events import FLAG_TO_EVENT


class SendGridAdapter:
    """Reads :mod:`espctl.providers.sendgrid.resources` resources and the facts of a read."""

    bucket_label = "account"

    def account(self, live: LiveState) -> AccountInfo:
        facts: Mapping[str, Any] = live.facts.get("all_domains") or {}
        configured: Mapping[str, Any] = live.facts.get("domains") or {}
        names = sorted(set(facts) | set(configured))
        domains = tuple(
            DomainInfo(
                name,
                "missing" if name not in facts else "valid" if _valid(facts, name) else "invalid",
                _valid(facts, name) if name in facts else False,
            )
            for name in names
        )
        region = str(live.facts.get("region") or "global")
        subuser = live.facts.get("subuser")
        who = f"subuser {subuser}" if subuser else "account"
        return AccountInfo(
            description=f"{who}, {region} region, {plural(len(facts), 'authenticated domain')}",
            domains=domains,
        )

    def tracking(self, live: LiveState) -> TrackingInfo:
        settings = {r.key: r for r in resources(live, sg.KIND_TRACKING)}
        opens = settings.get("open")
        clicks = settings.get("click")
        open_on = bool(opens.fields.get("enabled")) if opens is not None else None
        click_on = bool(clicks.fields.get("enabled")) if clicks is not None else None
        detail = ""
        if clicks is not None and click_on:
            detail = "clicks: html and text" if clicks.fields.get("enable_text") else "clicks: html"
        return TrackingInfo(opens=open_on, clicks=click_on, detail=detail)

    def webhooks(self, provider_id: str, live: LiveState) -> list[WebhookInfo]:
        """Every live Event Webhook that is enabled (account-wide: SendGrid has one scope)."""
        out = []
        for r in sorted(resources(live, sg.KIND_WEBHOOK), key=lambda r: r.key):
            if r.fields.get("enabled") is False:
                continue
            user = str(r.fields.get("basic_auth_username") or "")
            url = r.duplicate_of if r.duplicate_of is not None else r.key
            auth = "signature (ECDSA)" if r.fields.get("signed") else "none"
            if user:
                auth = "basic auth" + (" + signature (ECDSA)" if r.fields.get("signed") else "")
            out.append(
                WebhookInfo(
                    provider_id,
                    masked(url, user),
                    "account",
                    auth,
                    _triggers(r),
                )
            )
        return [w for w in out if w.triggers]


def _valid(facts: Mapping[str, Any], name: str) -> bool:
    return bool((facts.get(name) or {}).get("valid"))


def _triggers(resource: Resource) -> tuple[WebhookTrigger, ...]:
    flags = [str(f) for f in resource.fields.get("events") or ()]
    return tuple(
        WebhookTrigger(FLAG_TO_EVENT[f].value, f) for f in sorted(flags) if f in FLAG_TO_EVENT
    )

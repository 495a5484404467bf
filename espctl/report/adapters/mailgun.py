"""Mailgun's live state in the report: domains, tracking, webhooks."""

from __future__ import annotations

from espctl.model import mailgun as mg
from espctl.model.resources import LiveState
from espctl.model.text import plural
from espctl.report.adapters.common import masked, resources
from espctl.report.data import AccountInfo, DomainInfo, TrackingInfo, WebhookInfo, WebhookTrigger


class MailgunAdapter:
    """Reads :mod:`espctl.model.mailgun` resources and the domain facts of a read."""

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
        by_url: dict[tuple[str, str, str], list[WebhookTrigger]] = {}
        for r in resources(live, mg.KIND_WEBHOOK):
            domain, _, event_id = r.key.partition(" ")
            credentials = r.fields.get("basic_auth") or {}
            for url in r.fields.get("urls", []):
                user = (credentials.get(url) or {}).get("username")
                event = mg.WEBHOOK_TO_EVENT.get(event_id)
                if event is not None:
                    by_url.setdefault((domain, url, str(user or "")), []).append(
                        WebhookTrigger(event.value, event_id)
                    )
        return [
            WebhookInfo(
                provider_id,
                masked(url, user),
                f"domain {domain}",
                "basic auth" if user else "signing key",
                tuple(found),
            )
            for (domain, url, user), found in sorted(by_url.items())
        ]

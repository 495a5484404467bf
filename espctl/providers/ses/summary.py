"""Amazon SES's live state in the report: identities, configuration sets, tracking and
webhooks (espctl's SNS destinations, and the other destinations, unmanaged)."""

from __future__ import annotations

from espctl.model.resources import LiveState, Resource
from espctl.model.summary import AccountInfo, DomainInfo, TrackingInfo, WebhookInfo, WebhookTrigger
from espctl.model.text import plural
from espctl.providers.kit.summary import masked, resources
from espctl.providers.ses import resources as ses
from espctl.providers.ses.events import TYPE_TO_EVENT


class SesAdapter:
    """Reads :mod:`espctl.providers.ses.resources` resources and the facts of a read."""

    bucket_label = "configuration set"

    def account(self, live: LiveState) -> AccountInfo:
        facts = live.facts.get("identities") or {}
        identities = tuple(
            DomainInfo(
                name,
                str(info.get("status") or "missing") if info.get("exists") else "missing",
                bool(info.get("verified")) if info.get("exists") else False,
            )
            for name, info in sorted(facts.items())
        )
        account = live.facts.get("account") or {}
        sets = live.facts.get("all_configuration_sets") or []
        access = "production access" if account.get("production_access") else "SES sandbox"
        return AccountInfo(
            description=f"{live.facts.get('region', '')}, {access}, "
            f"{plural(len(sets), 'configuration set')}",
            streams=(),
            domains=identities,
        )

    def tracking(self, live: LiveState) -> TrackingInfo:
        sets = resources(live, ses.KIND_CONFIGURATION_SET)
        custom = [r.key for r in sets if r.fields.get("custom_redirect_domain")]
        detail = (
            f"open and click tracking by event destination; custom domain on "
            f"{len(custom)}/{plural(len(sets), 'configuration set')}"
        )
        # SES tracks opens and clicks of every message of a set that publishes OPEN/CLICK
        types = {t for r in resources(live, ses.KIND_WEBHOOK) for t in r.fields["events"]}
        types |= {t for r in resources(live, ses.KIND_DESTINATION) for t in r.fields["events"]}
        return TrackingInfo(opens="OPEN" in types, clicks="CLICK" in types, detail=detail)

    def webhooks(self, provider_id: str, live: LiveState) -> list[WebhookInfo]:
        out = [
            WebhookInfo(
                provider_id,
                masked(r.key.removeprefix(f"{r.parent} "), _user(r)),
                f"configuration set {r.parent} (SNS)",
                "basic auth" if _user(r) else "SNS signature",
                _triggers(r),
            )
            for r in resources(live, ses.KIND_WEBHOOK)
        ]
        out += [
            WebhookInfo(
                provider_id,
                str(r.fields.get("target") or ""),
                f"configuration set {r.parent} ({r.fields.get('type')}, not managed)",
                "AWS",
                _triggers(r),
            )
            for r in resources(live, ses.KIND_DESTINATION)
        ]
        return sorted(out, key=lambda w: (w.scope, w.url))


def _user(resource: Resource) -> str:
    return str(resource.fields.get("basic_auth_username") or "")


def _triggers(resource: Resource) -> tuple[WebhookTrigger, ...]:
    return tuple(
        WebhookTrigger(TYPE_TO_EVENT[t].value if t in TYPE_TO_EVENT else t.lower(), t)
        for t in resource.fields.get("events") or ()
    )

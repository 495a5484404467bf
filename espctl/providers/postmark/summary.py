"""Postmark's live state in the report: server, streams, tracking, webhooks."""

from __future__ import annotations

from espctl.model.resources import LiveState
from espctl.model.summary import AccountInfo, StreamInfo, TrackingInfo, WebhookInfo, WebhookTrigger
from espctl.providers.kit.summary import masked, resources
from espctl.providers.postmark import resources as pm
from espctl.providers.postmark.events import TRIGGER_TO_EVENT


class PostmarkAdapter:
    """Reads :mod:`espctl.providers.postmark.resources` resources."""

    bucket_label = "stream"

    def account(self, live: LiveState) -> AccountInfo:
        name = str(live.facts.get("server_name") or "")
        streams = tuple(
            StreamInfo(r.key, str(r.fields.get("name", "")), str(r.fields.get("type", "")))
            for r in resources(live, pm.KIND_STREAM)
        )
        return AccountInfo(
            description=f"server {name}" if name else "",
            servers=(name,) if name else (),
            streams=streams,
        )

    def tracking(self, live: LiveState) -> TrackingInfo:
        servers = resources(live, pm.KIND_SERVER)
        if not servers:
            return TrackingInfo()
        fields = servers[0].fields
        links = str(fields.get("track_links", "none"))
        return TrackingInfo(
            opens=bool(fields.get("track_opens")), clicks=links != "none", detail=f"links: {links}"
        )

    def webhooks(self, provider_id: str, live: LiveState) -> list[WebhookInfo]:
        out: list[WebhookInfo] = []
        for r in resources(live, pm.KIND_WEBHOOK):
            stream, _, url = r.key.partition(" ")
            user = r.fields.get("basic_auth_username")
            auth = (
                "basic auth" if user else ("custom header" if r.fields.get("headers") else "none")
            )
            triggers = tuple(
                WebhookTrigger(TRIGGER_TO_EVENT[t].value, t)
                for t in r.fields.get("triggers", [])
                if t in TRIGGER_TO_EVENT
            )
            out.append(
                WebhookInfo(
                    provider_id,
                    masked(url.split(" (duplicate", 1)[0], user),
                    f"stream {stream}",
                    auth,
                    triggers,
                )
            )
        return out

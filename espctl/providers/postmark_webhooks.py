"""Postmark webhooks written (``espctl apply``): request bodies, create, edit and delete.

Functions of a :class:`~espctl.providers.postmark.PostmarkApi`, whose ``apply()`` hands
webhook changes to :func:`apply_webhook`. A webhook is keyed by (stream, URL): its body
always lists all six triggers; a create that may have been applied (timeout, 5xx) is
read back before it is tried again, so no run leaves a duplicate.
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Any

from espctl.errors import ProviderError
from espctl.model.resources import Resource, plain
from espctl.model.urls import split_userinfo
from espctl.providers import responses_postmark as wire
from espctl.providers.base import ChangeRequest

if TYPE_CHECKING:
    from espctl.providers.postmark import PostmarkApi

TRIGGERS = ("Open", "Click", "Delivery", "Bounce", "SpamComplaint", "SubscriptionChange")


async def apply_webhook(api: PostmarkApi, change: ChangeRequest) -> None:
    """Create, edit or delete the webhook a change names (key ``"<stream> <url>"``).

    The key shows the URL with its credentials masked; the real one is the change's
    ``url`` field when they differ. An edit always writes the credentials to
    ``HttpAuth`` and a URL without userinfo.
    """
    stream, _, shown = change.key.partition(" ")
    resource = change.after or change.before
    assert resource is not None
    url = webhook_url(resource, shown)
    match change.action:
        case "delete":
            assert change.before is not None and change.before.ref
            await _delete_webhook(api, change.before.ref)
        case "update":
            assert change.after is not None and change.before is not None
            body = webhook_body(change.after, stream, url)
            body.pop("MessageStream")  # not accepted on edit: a webhook's stream is fixed
            await api.server.send(
                "PUT", f"/webhooks/{change.before.ref}", wire.Webhook, json_body=body
            )
        case "create":
            assert change.after is not None
            await _create_webhook(api, change.after, stream, url)


def webhook_url(resource: Resource, shown: str) -> str:
    """The real URL of a webhook resource whose key shows ``shown``."""
    real = resource.fields.get("url")
    return str(plain(real)) if real is not None else shown


def webhook_body(after: Resource, stream: str, url: str) -> dict[str, Any]:
    """The create/edit body: every trigger, basic auth (cleared as "") and headers."""
    fields = after.fields
    triggers = set(fields["triggers"])
    body_triggers: dict[str, dict[str, bool]] = {}
    for trigger in TRIGGERS:  # always all six: partial Triggers is UNCONFIRMED
        entry = {"Enabled": trigger in triggers}
        if trigger == "Open":
            entry["PostFirstOpenOnly"] = bool(fields.get("first_open_only"))
        if trigger in ("Bounce", "SpamComplaint"):
            entry["IncludeContent"] = fields.get("include_content") is True
        body_triggers[trigger] = entry
    password = plain(fields.get("basic_auth_password"))
    username = plain(fields.get("basic_auth_username"))
    return {
        "Url": url,
        "MessageStream": stream,
        # clearing auth: empty strings (UNCONFIRMED how Postmark clears it; "" reads
        # back as "no auth" either way)
        "HttpAuth": {"Username": username or "", "Password": password or ""},
        "HttpHeaders": [
            {"Name": name, "Value": value} for name, value in dict(plain(fields["headers"])).items()
        ],
        "Triggers": body_triggers,
    }


async def _delete_webhook(api: PostmarkApi, ref: str) -> None:
    try:
        await api.server.send("DELETE", f"/webhooks/{ref}", wire.Deleted)
    except ProviderError as exc:
        if exc.status in (404, 422):
            return  # already gone: the desired state holds
        raise


async def _create_webhook(api: PostmarkApi, after: Resource, stream: str, url: str) -> None:
    body = webhook_body(after, stream, url)
    for attempt in range(3):
        try:
            await api.server.send("POST", "/webhooks", wire.Webhook, json_body=body)
            return
        except ProviderError as exc:
            if exc.status is not None and exc.status < 500 and exc.status != 429:
                raise
            failure = exc
        # The POST may have been applied (timeout, dropped connection, 5xx after
        # commit): read back before trying again, so no run leaves a duplicate.
        await asyncio.sleep(0)
        existing = await _find_webhook(api, stream, url)
        if existing is not None:
            edit = dict(body)
            edit.pop("MessageStream")
            await api.server.send("PUT", f"/webhooks/{existing}", wire.Webhook, json_body=edit)
            return
        if attempt == 2:
            raise failure


async def _find_webhook(api: PostmarkApi, stream: str, url: str) -> str | None:
    listing = await api.server.get("/webhooks", wire.Webhooks, {"MessageStream": stream})
    for hook in listing.Webhooks:
        if split_userinfo(hook.Url).url == url and hook.MessageStream == stream:
            return str(hook.ID)
    return None

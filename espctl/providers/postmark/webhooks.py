"""Postmark webhooks written (``espctl apply``): request bodies, create, edit and delete.

Functions of a :class:`~espctl.providers.postmark.client.PostmarkApi`, whose ``apply()`` hands
webhook changes to :func:`apply_webhook`. A webhook is keyed by (stream, URL): its body
always lists all six triggers; a create that may have been applied (timeout, 5xx) is
read back before it is tried again, so no run leaves a duplicate.

Basic auth (ESP-API.md 1.6): a body carries ``HttpAuth`` only when the webhook has
credentials, as Postmark's official SDKs send it (postmark.js, postmark-python and
postmark-php all omit the field when no auth is given; none sends empty strings). An
edit leaves an omitted field unchanged (postmark-python's docstring), and no SDK or
page documents how an edit clears ``HttpAuth`` (``null``, ``""`` or an empty object are
all UNCONFIRMED). So removing credentials uses only documented operations: the webhook is
replaced: a new one without auth is created, then the old one deleted (creating first:
a receiver may see an event twice in between, never miss one).
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Any

from espctl.errors import ProviderError
from espctl.model.resources import Resource, plain
from espctl.model.urls import split_userinfo
from espctl.providers.kit.protocol import ChangeRequest
from espctl.providers.postmark import wire

if TYPE_CHECKING:
    from espctl.providers.postmark.client import PostmarkApi

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
            if has_auth(change.before) and not has_auth(change.after):
                await _replace_webhook(api, change.before, change.after, stream, url)
                return
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


def has_auth(resource: Resource) -> bool:
    """Whether a webhook resource has basic auth (HttpAuth or URL userinfo, one setting)."""
    return bool(plain(resource.fields.get("basic_auth_username")))


def webhook_body(after: Resource, stream: str, url: str) -> dict[str, Any]:
    """The create/edit body: every trigger, headers, and basic auth when there is one."""
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
    body: dict[str, Any] = {"Url": url, "MessageStream": stream}
    if has_auth(after):
        # only with credentials, as the official SDKs do (module docstring)
        password = plain(fields.get("basic_auth_password"))
        body["HttpAuth"] = {
            "Username": plain(fields["basic_auth_username"]),
            "Password": password or "",
        }
    body["HttpHeaders"] = [
        {"Name": name, "Value": value} for name, value in dict(plain(fields["headers"])).items()
    ]
    body["Triggers"] = body_triggers
    return body


def error_code(exc: ProviderError) -> int | None:
    """The ErrorCode of a Postmark refusal (:func:`.postmark.error_detail` puts it first)."""
    text = exc.detail
    if text.startswith("ErrorCode "):
        try:
            return int(text.split(":", 1)[0].removeprefix("ErrorCode "))
        except ValueError:
            return None
    return None


#: Postmark's ErrorCode for "resource not found" (ESP-API.md 1.2). Postmark answers most
#: "not found" cases with 422 + an ErrorCode rather than 404; no webhook-specific code is
#: documented, so only this generic one (or a 404) means the webhook is already gone.
NOT_FOUND_CODE = 12


async def _delete_webhook(api: PostmarkApi, ref: str) -> None:
    try:
        await api.server.send("DELETE", f"/webhooks/{ref}", wire.Deleted)
    except ProviderError as exc:
        if exc.status == 404 or (exc.status == 422 and error_code(exc) == NOT_FOUND_CODE):
            return  # already gone: the desired state holds
        raise  # any other refusal: the webhook may still be there


async def _replace_webhook(
    api: PostmarkApi, before: Resource, after: Resource, stream: str, url: str
) -> None:
    """Remove a webhook's credentials: create its replacement, then delete it.

    An edit cannot be trusted to clear ``HttpAuth`` (module docstring). If the create
    fails, the old webhook is untouched; if the delete fails, the next plan shows the
    old one (the oldest copy keeps the key) with its credentials again and replaces it.
    """
    assert before.ref is not None
    await _create_webhook(api, after, stream, url, exclude=before.ref)
    await _delete_webhook(api, before.ref)


async def _create_webhook(
    api: PostmarkApi, after: Resource, stream: str, url: str, exclude: str | None = None
) -> None:
    """POST a webhook; after a timeout or 5xx, read back (ignoring ``exclude``, the
    webhook being replaced) and finish the one found instead of posting again."""
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
        existing = await _find_webhook(api, stream, url, exclude)
        if existing is not None:
            edit = dict(body)
            edit.pop("MessageStream")
            await api.server.send("PUT", f"/webhooks/{existing}", wire.Webhook, json_body=edit)
            return
        if attempt == 2:
            raise failure


async def _find_webhook(
    api: PostmarkApi, stream: str, url: str, exclude: str | None = None
) -> str | None:
    listing = await api.server.get("/webhooks", wire.Webhooks, {"MessageStream": stream})
    for hook in listing.Webhooks:
        if str(hook.ID) == exclude:
            continue
        if split_userinfo(hook.Url).url == url and hook.MessageStream == stream:
            return str(hook.ID)
    return None

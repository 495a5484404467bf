"""SendGrid Event Webhooks: the live listing to resources, and changes applied.

Functions of a :class:`~espctl.providers.sendgrid.client.SendGridApi`. The Multiple
Event Webhooks API (``tsg_webhooks_v3.yaml``): ``GET /v3/user/webhooks/event/settings/all``
lists them with ``max_allowed``; ``POST .../settings`` creates one (201, with its
``id``); ``PATCH .../settings/{id}`` replaces its settings (the body needs ``url``);
``DELETE .../settings/{id}`` (204); ``PATCH .../settings/signed/{id}`` turns signing on
or off and answers the public key (``""`` when off).

- One webhook per URL (SendGrid refuses a second with the same URL: 400 "already
  exists"), keyed by the URL without credentials; basic auth travels as URL userinfo,
  as SendGrid documents it. Every event flag espctl knows is sent, true or false, so a
  flag set by hand is put back; ``friendly_name`` is the config webhook's name.
- **Legacy accounts.** An account still on the single-webhook API lists one webhook
  with no ``id``. The spec's ``{id}`` paths need one, but SendGrid's documentation of
  "Update an Event Webhook" and "Toggle signature verification" says that without an
  id the call acts on the account's oldest (here: only) webhook, so such a webhook is
  updated with ``PATCH .../settings`` and ``PATCH .../settings/signed`` (the
  documentation is followed where it and the spec disagree). It cannot be deleted:
  a delete disables it (``enabled: false``), and a disabled legacy webhook is read as
  no webhook at all (the settings object always exists on such an account). The spec's
  "Zero Webhooks" example (``"webhooks": [{}]``) is the same empty object.
- **The legacy webhook has no name.** The single-webhook API's settings ("Update Event
  Notification Settings") have no ``friendly_name``; whether SendGrid keeps one sent
  to a legacy webhook is UNCONFIRMED, so espctl never sends it there and never compares
  it (the safer reading: a name SendGrid dropped would be a change in every plan). Read
  for a plan, the live legacy webhook carries the name of the config's webhook with its
  URL (:func:`adopt_legacy_names`); read for ``import`` (nothing declared), it carries
  :func:`legacy_entry_name`, ``<provider id>-<URL host>``, which names its entry (or a
  valid name it lists, should SendGrid list one).
- **A legacy account with its webhook unset** lists it without id and disabled (or as
  ``{}``); SendGrid refuses a POST there (400), so the create is written as the update
  without id (checked by reading the list back after the refusal).
- **Creates are never repeated blindly.** A POST whose answer was lost (timeout, 5xx)
  or refused as "already exists" is resolved by reading the list back: found by URL,
  it is updated to the desired settings; not found, the error stands.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import replace
from typing import TYPE_CHECKING, Any
from urllib.parse import quote, urlsplit

from espctl.errors import ProviderError
from espctl.model.common import Secret
from espctl.model.resources import Resource, plain
from espctl.providers.kit.importing import SLUG, WEBHOOK_NAME
from espctl.providers.kit.protocol import ChangeRequest
from espctl.providers.kit.userinfo import from_live, join_userinfo
from espctl.providers.sendgrid import resources as sg
from espctl.providers.sendgrid import wire
from espctl.providers.sendgrid.events import FLAGS
from espctl.providers.sendgrid.resources import WebhookUrl

if TYPE_CHECKING:
    from espctl.providers.sendgrid.client import SendGridApi

BASE = "/v3/user/webhooks/event/settings"
NO_CONTENT = frozenset({204})


# -- URLs and their credentials ---------------------------------------------------------
def live_url(url: str, aliases: Mapping[str, str]) -> WebhookUrl:
    """A live webhook URL with its userinfo moved into basic auth (kept as a Secret)."""
    return from_live(url, aliases)


def url_aliases(desired: Iterable[Resource]) -> dict[str, str]:
    """Real URL -> identity, for the config's webhook URLs whose key masks a part."""
    return {
        real.reveal(): r.key
        for r in desired
        if r.kind == sg.KIND_WEBHOOK and isinstance(real := r.fields.get("url"), Secret)
    }


def url_to_send(resource: Resource) -> str:
    """The URL as SendGrid must hold it: the real URL with basic auth as userinfo."""
    real = resource.fields.get("url")
    url = str(plain(real)) if real is not None else resource.key
    username = plain(resource.fields.get("basic_auth_username"))
    password = resource.fields.get("basic_auth_password")
    secret = password if isinstance(password, Secret) else Secret(str(plain(password) or ""))
    return join_userinfo(url, str(username) if username else None, secret)


# -- read ---------------------------------------------------------------------------------
def is_present(hook: wire.EventWebhook) -> bool:
    """Whether a listed webhook exists: one with an id, or the legacy one while it has a
    URL and is enabled (see the module docstring)."""
    return hook.id is not None or bool(hook.url and hook.enabled)


def live_webhooks(
    provider_id: str, listing: wire.EventWebhookList, aliases: Mapping[str, str]
) -> list[Resource]:
    """One resource per listed webhook; a later one with the same key is a copy."""
    out: list[Resource] = []
    seen: set[str] = set()
    for hook in listing.webhooks:
        if not is_present(hook) or not hook.url:
            continue
        url = live_url(hook.url, aliases)
        flags = [flag for flag in FLAGS if getattr(hook, flag)]
        copy = url.shown in seen
        seen.add(url.shown)
        out.append(
            sg.webhook_resource(
                provider_id,
                url,
                flags,
                friendly_name=hook.friendly_name,
                signed=bool(hook.public_key),
                enabled=hook.enabled,
                ref=hook.id,
                public_key=hook.public_key or None,
                duplicate_of=url.shown if copy else None,
            )
        )
    return out


def legacy_entry_name(provider_id: str, key: str) -> str:
    """The config entry name of a legacy webhook (which holds none at SendGrid):
    ``<provider id>-<URL host>``, lower-case, every other character run a ``-``, at most
    63 characters (one legacy webhook per account, and provider ids are unique, so no
    two imported legacy webhooks share it)."""
    host = urlsplit(key).hostname or "webhook"
    name = SLUG.sub("-", f"{provider_id}-{host}".lower()).strip("-")[:63].rstrip("-_")
    return name if WEBHOOK_NAME.match(name) else "sendgrid-webhook"


def adopt_legacy_names(
    provider_id: str, live: Sequence[Resource], desired: Sequence[Resource], *, everything: bool
) -> list[Resource]:
    """Each live legacy webhook (no id) with the name it has in the config: that of the
    declared webhook with its URL, or (``everything``: an import's read, nothing
    declared) the name it lists if that can name an entry, else :func:`legacy_entry_name`.
    SendGrid holds no name for it (see the module
    docstring), so the name is never a difference; every other resource as read."""
    names = {r.key: r.fields.get("friendly_name") for r in desired if r.kind == sg.KIND_WEBHOOK}

    def named(r: Resource) -> Resource:
        if r.kind != sg.KIND_WEBHOOK or r.ref is not None or r.duplicate_of is not None:
            return r
        if r.key in names:
            return replace(r, fields={**r.fields, "friendly_name": names[r.key]})
        if not everything:
            return r
        held = r.fields.get("friendly_name")
        name = held if isinstance(held, str) and WEBHOOK_NAME.match(held) else None
        name = name or legacy_entry_name(provider_id, r.key)
        return replace(r, fields={**r.fields, "friendly_name": name})

    return [named(r) for r in live]


# -- write --------------------------------------------------------------------------------
def body(resource: Resource, *, legacy: bool = False) -> dict[str, Any]:
    """The settings of a webhook resource as SendGrid takes them (every flag sent);
    ``legacy``: the single webhook without id, which takes no ``friendly_name``."""
    flags = {str(f) for f in resource.fields.get("events") or ()}
    out: dict[str, Any] = {"enabled": bool(resource.fields.get("enabled", True))}
    out["url"] = url_to_send(resource)
    out.update({flag: flag in flags for flag in FLAGS})
    if not legacy:
        out["friendly_name"] = resource.fields.get("friendly_name")
    return out


async def apply_webhook(api: SendGridApi, change: ChangeRequest) -> None:
    """Create, update or delete one Event Webhook."""
    match change.action:
        case "create":
            assert change.after is not None
            await _create(api, change.after)
        case "update":
            assert change.after is not None and change.before is not None
            await _update(api, change.before.ref, change.after, change.before)
        case "delete":
            assert change.before is not None
            await _delete(api, change.before)


def _path(ref: str | None, signed: bool = False) -> str:
    where = f"{BASE}/signed" if signed else BASE
    return f"{where}/{quote(ref, safe='')}" if ref is not None else where


async def _create(api: SendGridApi, after: Resource) -> None:
    try:
        created = await api.http.send(
            "POST", BASE, wire.CreatedWebhook, json_body=body(after), ok=frozenset({200, 201})
        )
    except ProviderError as exc:
        # the spec's "Account Change" refusal; UNCONFIRMED that a legacy account answers
        # it to a POST: only then, and with the list showing the unset legacy webhook
        if exc.status == 400 and "billing plan" in exc.detail and await _legacy_unset(api):
            # a legacy account refuses POST; its one webhook is written without an id
            await _update(api, None, after, _unset_legacy(api, after))
            return
        if exc.status is not None and exc.status < 500 and "already exists" not in exc.detail:
            raise  # refused before anything was made
        found = await _find(api, after.key)
        if found is None:
            raise
        await _update(api, found.ref, after, found)
        return
    if after.fields.get("signed"):
        await _sign(api, created.id, True)


async def _legacy_unset(api: SendGridApi) -> bool:
    """Whether the account is on the legacy single-webhook API with its webhook unset
    (listed without an id, and not present): a create is then an update without id."""
    listing = await api.http.get(f"{BASE}/all", wire.EventWebhookList)
    hooks = listing.webhooks
    return len(hooks) == 1 and hooks[0].id is None and not is_present(hooks[0])


def _unset_legacy(api: SendGridApi, after: Resource) -> Resource:
    """The unset legacy webhook as ``before`` of its update (unsigned, nothing set)."""
    return sg.webhook_resource(
        api.id, sg.WebhookUrl(after.key, None), [], friendly_name=None, signed=False
    )


async def _find(api: SendGridApi, key: str) -> Resource | None:
    """The live webhook with ``key`` (read back after an uncertain create)."""
    listing = await api.http.get(f"{BASE}/all", wire.EventWebhookList)
    hooks = live_webhooks(api.id, listing, {})
    return next((h for h in hooks if h.key == key and h.duplicate_of is None), None)


async def _update(api: SendGridApi, ref: str | None, after: Resource, before: Resource) -> None:
    # ref None: the legacy single webhook, by SendGrid's documentation (see above); it
    # has no friendly_name, which is neither sent nor checked
    wanted = body(after, legacy=ref is None)
    written = await api.http.send("PATCH", _path(ref), wire.EventWebhook, json_body=wanted)
    # an answer that did not take a setting would be a difference in every later plan
    ignored = [f"event {flag!r}" for flag in FLAGS if getattr(written, flag) != wanted[flag]]
    if "friendly_name" in wanted and written.friendly_name != wanted["friendly_name"]:
        ignored.append("friendly_name")
    if ignored:
        raise ProviderError(
            api.id,
            "PATCH",
            _path(ref),
            200,
            f"SendGrid answered the update without applying {', '.join(ignored)}",
        )
    signed = bool(after.fields.get("signed"))
    if signed != bool(before.fields.get("signed")):
        await _sign(api, ref, signed)


async def _sign(api: SendGridApi, ref: str | None, enabled: bool) -> None:
    answer = await api.http.send(
        "PATCH", _path(ref, signed=True), wire.SignedWebhook, json_body={"enabled": enabled}
    )
    if enabled and not answer.public_key:
        raise ProviderError(
            api.id,
            "PATCH",
            _path(ref, signed=True),
            200,
            "SendGrid enabled signing but answered no public key",
        )


async def _delete(api: SendGridApi, before: Resource) -> None:
    if before.ref is None:
        # the legacy webhook cannot be deleted: disabled, it is no webhook (see above)
        disabled = body(before, legacy=True) | {"enabled": False}
        await api.http.send("PATCH", BASE, wire.EventWebhook, json_body=disabled)
        return
    try:
        await api.http.request("DELETE", _path(before.ref), ok=NO_CONTENT)
    except ProviderError as exc:
        if exc.status != 404:  # gone already (an earlier attempt whose answer was lost)
            raise

"""The SendGrid client against respx routes: every call, with exact request bodies.

Reads (scopes first, then webhooks, tracking, domains, senders), the on-behalf-of
header and the EU host, tracking PATCHes with only the configured fields, Event Webhook
creates/updates/deletes (signed ones too), the legacy single-webhook account (written
by SendGrid's documentation, not the spec), creates whose answer was lost, SendGrid's
error bodies in one line, and its rate-limit headers.
"""

from __future__ import annotations

import time
from dataclasses import replace
from typing import Any

import httpx
import pytest
import respx

from espctl.errors import ProviderError
from espctl.model.common import BasicAuth, Event, Secret
from espctl.model.resources import Resource
from espctl.providers.kit.protocol import ChangeRequest
from espctl.providers.kit.spec import WebhookBinding
from espctl.providers.sendgrid import resources as sg
from espctl.providers.sendgrid import webhooks as hooks
from espctl.providers.sendgrid import wire
from espctl.providers.sendgrid.config import SendGridWebhookOptions
from espctl.providers.sendgrid.scopes import MissingScopes
from tests.providers.helpers import Sleeps, run
from tests.providers.sendgrid.conftest import (
    KEY,
    OURS,
    SCOPES,
    SETTINGS,
    SG,
    SG_EU,
    api,
    block,
    body,
    flags,
    hook,
)

TRACKING = {"opens": True, "clicks": {"enabled": True, "text": False}}


def scopes(base: str = SG, granted: list[str] = SCOPES) -> respx.Route:
    return respx.get(f"{base}/v3/scopes").mock(
        return_value=httpx.Response(200, json={"scopes": granted})
    )


def listing(*hooks: dict[str, Any], base: str = SG, max_allowed: int = 5) -> respx.Route:
    return respx.get(f"{base}/v3/user/webhooks/event/settings/all").mock(
        return_value=httpx.Response(200, json={"max_allowed": max_allowed, "webhooks": list(hooks)})
    )


def binding(
    name: str = "events",
    url: str = OURS,
    events: tuple[Event, ...] = (Event.delivered, Event.bounced, Event.unsubscribed),
    auth: BasicAuth | None = None,
    signed: bool = False,
) -> WebhookBinding:
    return WebhookBinding(name, "", url, events, auth, (), SendGridWebhookOptions(signed=signed))


def desired(**extra: Any) -> list[Resource]:
    hooks = extra.pop("hooks", ())
    return sg.desired_resources("sg", block(**extra), hooks)


# -- read -----------------------------------------------------------------------------------
@respx.mock
def test_read_asks_scopes_first_then_reads_with_bearer_key_and_on_behalf_of() -> None:
    granted = scopes(SG_EU)
    hooks = listing(hook(), base=SG_EU)
    opens = respx.get(f"{SG_EU}/v3/tracking_settings/open").mock(
        return_value=httpx.Response(200, json={"enabled": False})
    )
    clicks = respx.get(f"{SG_EU}/v3/tracking_settings/click").mock(
        return_value=httpx.Response(200, json={"enabled": True, "enable_text": True})
    )
    client = api(region="eu", subuser="marketing", tracking=TRACKING)
    want = desired(region="eu", subuser="marketing", tracking=TRACKING, hooks=[binding()])
    live = run(client.read(want))
    for route in (granted, hooks, opens, clicks):
        assert route.call_count == 1
        request = route.calls[0].request
        assert request.headers["Authorization"] == f"Bearer {KEY}"
        assert request.headers["on-behalf-of"] == "marketing"
    by_key = {(r.kind, r.key): r for r in live.resources}
    assert by_key[(sg.KIND_TRACKING, "open")].fields["enabled"] is False
    assert by_key[(sg.KIND_TRACKING, "click")].fields["enable_text"] is True
    webhook = by_key[(sg.KIND_WEBHOOK, OURS)]
    assert webhook.ref == "wh-1" and webhook.fields["signed"] is False
    assert live.facts["region"] == "eu" and live.facts["subuser"] == "marketing"


@respx.mock
def test_no_on_behalf_of_without_a_subuser() -> None:
    granted = scopes()
    listing()
    run(api().read([]))
    assert "on-behalf-of" not in granted.calls[0].request.headers


@respx.mock
def test_a_key_that_cannot_read_is_one_error_naming_the_scopes() -> None:
    scopes(granted=["mail.send", "user.webhooks.event.settings.read"])
    other = listing()
    want = desired(tracking=TRACKING, hooks=[binding()])
    with pytest.raises(MissingScopes) as info:
        run(api(tracking=TRACKING).read(want))
    message = str(info.value)
    assert message == (
        "sg: the API key lacks the scopes reading this config needs: "
        "tracking_settings.click.read, tracking_settings.open.read (grant them to the key "
        "under Settings > API Keys at SendGrid, or use a key with full access) "
        "(GET /v3/scopes)"
    )
    assert KEY not in message
    assert other.call_count == 0  # nothing else is read


@respx.mock
def test_a_key_that_cannot_write_blocks_the_changes_that_need_it() -> None:
    read_only = [s for s in SCOPES if not s.endswith(".update")] + ["tracking_settings.open.update"]
    scopes(granted=read_only)
    listing(hook("https://other.acme-mail.com/x", id="9"))
    respx.get(f"{SG}/v3/tracking_settings/open").mock(
        return_value=httpx.Response(200, json={"enabled": False})
    )
    respx.get(f"{SG}/v3/tracking_settings/click").mock(
        return_value=httpx.Response(200, json={"enabled": False, "enable_text": False})
    )
    want = desired(tracking=TRACKING, hooks=[binding()])
    live = run(api(tracking=TRACKING).read(want))
    (check,) = (c for c in live.checks if c.name == "api key scopes")
    assert not check.ok and check.severity == "error"
    assert check.message == (
        "the API key may not write what this config declares; missing scopes: "
        "tracking_settings.click.update, user.webhooks.event.settings.update (grant them "
        "under Settings > API Keys at SendGrid)"
    )
    # what the missing scopes would write (prune included): never planned, shown blocked
    assert check.blocks == ("click", OURS, "https://other.acme-mail.com/x")


@respx.mock
def test_live_webhooks_legacy_empty_disabled_copies_and_credentials() -> None:
    scopes()
    listing(
        {},  # the spec's "Zero Webhooks" example: an empty settings object
        hook("https://legacy.acme-mail.com/old", id=None, enabled=False),  # legacy, off
        hook("https://u:p%40ss@hooks.acme-mail.com/esp/events", id="a", public_key="PK"),
        hook(OURS, id="b", friendly_name=None),
        hook("https://legacy.acme-mail.com/new", id=None, **flags(open=True)),
    )
    live = run(api().read([]))
    hooks = sorted((r for r in live.resources if r.kind == sg.KIND_WEBHOOK), key=lambda r: r.key)
    assert [(r.key, r.ref, r.duplicate_of) for r in hooks] == [
        (OURS, "a", None),
        (f"{OURS} (copy b)", "b", OURS),
        ("https://legacy.acme-mail.com/new", None, None),
    ]
    first = hooks[0].fields
    assert first["basic_auth_username"] == "u"
    assert isinstance(first["basic_auth_password"], Secret)
    assert first["basic_auth_password"].reveal() == "p@ss"
    assert first["signed"] is True and first["public_key"] == "PK"
    assert hooks[2].fields["events"] == ["open"]
    # the public key of a signed webhook is shown by plan (a passed check)
    assert any(c.name == "webhook signature" and "PK" in c.message for c in live.checks)


@respx.mock
def test_declared_webhook_equal_to_live_has_no_difference() -> None:
    scopes()
    live_hook = hook(
        "https://esp:pw@hooks.acme-mail.com/esp/events",
        **flags(delivered=True, bounce=True, unsubscribe=True, group_unsubscribe=True),
        public_key="PK",
    )
    listing(live_hook)
    auth = BasicAuth(username="esp", password=Secret("pw"))
    want = desired(hooks=[binding(auth=auth, signed=True)])
    live = run(api().read(want))
    (ours,) = (r for r in want if r.kind == sg.KIND_WEBHOOK)
    (found,) = (r for r in live.resources if r.kind == sg.KIND_WEBHOOK)
    assert ours.key == found.key
    assert {k: found.fields[k] for k in ours.fields} == dict(ours.fields)


@respx.mock
def test_authenticated_domains_and_the_default_sender_are_checks() -> None:
    scopes()
    listing()
    domains = respx.get(f"{SG}/v3/whitelabel/domains").mock(
        return_value=httpx.Response(
            200,
            json=[
                {
                    "id": 1,
                    "domain": "em.acme-mail.com",
                    "valid": False,
                    "dns": {
                        "mail_cname": {"valid": True, "type": "cname", "host": "em", "data": "x"},
                        "dkim1": {
                            "valid": False,
                            "type": "cname",
                            "host": "s1._domainkey",
                            "data": "y",
                        },
                    },
                }
            ],
        )
    )
    respx.get(f"{SG}/v3/verified_senders").mock(
        return_value=httpx.Response(200, json={"results": []})
    )
    client = api(domains=["em.acme-mail.com", "gone.acme-mail.com"], default_sender="a@x.org")
    live = run(client.read([]))
    assert dict(domains.calls[0].request.url.params) == {"limit": "200", "offset": "0"}
    checks = {(c.name, c.subject): c for c in live.checks}
    invalid = checks[("authenticated domain", "em.acme-mail.com")]
    assert not invalid.ok and invalid.severity == "warning"
    assert "dkim1 s1._domainkey" in invalid.message
    missing = checks[("authenticated domain", "gone.acme-mail.com")]
    assert not missing.ok and missing.severity == "error"
    sender = checks[("sender", "a@x.org")]
    assert not sender.ok and "neither a verified sender" in sender.message
    assert live.facts["domains"]["gone.acme-mail.com"] == {"exists": False, "valid": False}


@respx.mock
def test_more_webhooks_than_the_plan_allows_blocks_the_new_ones() -> None:
    scopes()
    listing(hook("https://a.acme-mail.com/", id="1"), max_allowed=1)
    live = run(api().read(desired(hooks=[binding()])))
    (limit,) = (c for c in live.checks if c.name == "webhook limit")
    assert not limit.ok and limit.blocks == (OURS,)


# -- tracking -----------------------------------------------------------------------------
@respx.mock
def test_tracking_patch_sends_only_the_configured_fields() -> None:
    route = respx.patch(f"{SG}/v3/tracking_settings/subscription").mock(
        return_value=httpx.Response(
            200, json={"enabled": True, "html_content": "<p>bye</p>", "landing": "x"}
        )
    )
    after = sg.tracking_resource(
        "sg", "subscription", {"enabled": True, "html_content": "<p>bye</p>"}
    )
    run(api().apply(ChangeRequest("update", sg.KIND_TRACKING, "subscription", after, after)))
    assert body(route.calls[0].request) == {"enabled": True, "html_content": "<p>bye</p>"}


@respx.mock
def test_a_tracking_answer_that_did_not_apply_a_field_is_an_error() -> None:
    # the spec's click request schema has only `enabled`: an ignored enable_text shows
    respx.patch(f"{SG}/v3/tracking_settings/click").mock(
        return_value=httpx.Response(200, json={"enabled": True, "enable_text": False})
    )
    after = sg.tracking_resource("sg", "click", {"enabled": True, "enable_text": True})
    with pytest.raises(ProviderError, match="without applying enable_text"):
        run(api().apply(ChangeRequest("update", sg.KIND_TRACKING, "click", None, after)))


# -- webhooks -----------------------------------------------------------------------------
def _created(*, signed: bool, auth: BasicAuth | None = None) -> Resource:
    (resource,) = desired(hooks=[binding(auth=auth, signed=signed)])
    return resource


@respx.mock
def test_create_posts_every_flag_then_turns_signing_on() -> None:
    post = respx.post(SETTINGS).mock(return_value=httpx.Response(201, json={"id": "new-1"}))
    sign = respx.patch(f"{SETTINGS}/signed/new-1").mock(
        return_value=httpx.Response(200, json={"id": "new-1", "public_key": "PK"})
    )
    after = _created(signed=True, auth=BasicAuth(username="esp", password=Secret("p@ss/w")))
    run(api().apply(ChangeRequest("create", sg.KIND_WEBHOOK, after.key, None, after)))
    assert body(post.calls[0].request) == {
        "enabled": True,
        "url": "https://esp:p%40ss%2Fw@hooks.acme-mail.com/esp/events",
        **flags(delivered=True, bounce=True, unsubscribe=True, group_unsubscribe=True),
        "friendly_name": "events",
    }
    assert body(sign.calls[0].request) == {"enabled": True}


@respx.mock
def test_a_create_whose_answer_was_lost_is_read_back_not_repeated() -> None:
    post = respx.post(SETTINGS).mock(return_value=httpx.Response(500, json={"errors": []}))
    listing(hook(id="made-1", **flags(open=True)))
    patch = respx.patch(f"{SETTINGS}/made-1").mock(
        return_value=httpx.Response(
            200,
            json=hook(
                id="made-1",
                **flags(delivered=True, bounce=True, unsubscribe=True, group_unsubscribe=True),
            ),
        )
    )
    after = _created(signed=False)
    run(api().apply(ChangeRequest("create", sg.KIND_WEBHOOK, after.key, None, after)))
    assert post.call_count == 1  # a POST is never repeated blindly
    assert body(patch.calls[0].request)["delivered"] is True


@respx.mock
def test_a_refused_create_is_an_error_in_one_line() -> None:
    respx.post(SETTINGS).mock(
        return_value=httpx.Response(
            400,
            json={
                "errors": [
                    {"message": "'https://x' is not a valid url", "field": "url"},
                    {"message": "You have reached the maximum\nnumber of webhooks"},
                ]
            },
        )
    )
    after = _created(signed=False)
    with pytest.raises(ProviderError) as info:
        run(api().apply(ChangeRequest("create", sg.KIND_WEBHOOK, after.key, None, after)))
    assert str(info.value) == (
        "sg: POST /v3/user/webhooks/event/settings: HTTP 400: 'https://x' is not a valid url "
        "(field url); You have reached the maximum number of webhooks"
    )


@respx.mock
def test_a_create_on_a_legacy_account_with_its_webhook_unset_is_the_update_without_id() -> None:
    """SendGrid refuses a POST on a legacy account (the spec's "Account Change" 400):
    with the list showing its one webhook unset (no id, no URL, disabled), the create is
    written as the documented update without id, then signed; never a second POST."""
    post = respx.post(SETTINGS).mock(
        return_value=httpx.Response(
            400,
            json={
                "errors": [
                    {
                        "message": "This webhook cannot be modified based on your current "
                        "billing plan."
                    }
                ]
            },
        )
    )
    listing({"enabled": False, "url": "", **flags()})
    answer = hook(
        id=None, **flags(delivered=True, bounce=True, unsubscribe=True, group_unsubscribe=True)
    )
    patch = respx.patch(SETTINGS).mock(return_value=httpx.Response(200, json=answer))
    sign = respx.patch(f"{SETTINGS}/signed").mock(
        return_value=httpx.Response(200, json={"id": "", "public_key": "PK"})
    )
    after = _created(signed=True)
    run(api().apply(ChangeRequest("create", sg.KIND_WEBHOOK, after.key, None, after)))
    assert post.call_count == 1
    # the legacy webhook takes no friendly_name (the single-webhook API has none)
    assert body(patch.calls[0].request) == {
        "enabled": True,
        "url": OURS,
        **flags(delivered=True, bounce=True, unsubscribe=True, group_unsubscribe=True),
    }
    assert body(sign.calls[0].request) == {"enabled": True}


@respx.mock
def test_another_refused_create_is_not_taken_for_a_legacy_account() -> None:
    respx.post(SETTINGS).mock(
        return_value=httpx.Response(400, json={"errors": [{"message": "invalid url"}]})
    )
    listing({})  # the spec's "Zero Webhooks" example
    after = _created(signed=False)
    with pytest.raises(ProviderError):
        run(api().apply(ChangeRequest("create", sg.KIND_WEBHOOK, after.key, None, after)))


def _live(ref: str | None, *, signed: bool = False) -> Resource:
    return sg.webhook_resource(
        "sg", sg.WebhookUrl(OURS), ["open"], friendly_name="old", signed=signed, ref=ref
    )


@respx.mock
def test_update_patches_the_webhook_by_id_and_signing_when_it_changes() -> None:
    answer = hook(**flags(delivered=True, bounce=True, unsubscribe=True, group_unsubscribe=True))
    patch = respx.patch(f"{SETTINGS}/wh-1").mock(return_value=httpx.Response(200, json=answer))
    sign = respx.patch(f"{SETTINGS}/signed/wh-1").mock(
        return_value=httpx.Response(200, json={"id": "wh-1", "public_key": ""})
    )
    after = _created(signed=False)
    run(
        api().apply(
            ChangeRequest("update", sg.KIND_WEBHOOK, OURS, _live("wh-1", signed=True), after)
        )
    )
    sent = body(patch.calls[0].request)
    assert sent["friendly_name"] == "events" and sent["url"] == OURS and sent["open"] is False
    assert body(sign.calls[0].request) == {"enabled": False}


@respx.mock
def test_legacy_webhook_is_written_without_an_id_as_the_documentation_says() -> None:
    """The spec's update and signing paths require ``{id}``; SendGrid's documentation
    says that without one they act on the oldest (a legacy account's only) webhook.
    espctl follows the documentation: the legacy webhook has no id to send."""
    answer = hook(
        id=None, **flags(delivered=True, bounce=True, unsubscribe=True, group_unsubscribe=True)
    )
    patch = respx.patch(SETTINGS).mock(return_value=httpx.Response(200, json=answer))
    sign = respx.patch(f"{SETTINGS}/signed").mock(
        return_value=httpx.Response(200, json={"public_key": "PK"})
    )
    after = _created(signed=True)
    run(api().apply(ChangeRequest("update", sg.KIND_WEBHOOK, OURS, _live(None), after)))
    sent = body(patch.calls[0].request)
    assert sent["url"] == OURS and "friendly_name" not in sent
    assert body(sign.calls[0].request) == {"enabled": True}


@respx.mock
def test_an_update_answer_that_ignored_an_event_is_an_error() -> None:
    respx.patch(f"{SETTINGS}/wh-1").mock(return_value=httpx.Response(200, json=hook()))
    after = _created(signed=False)
    with pytest.raises(ProviderError, match="without applying event 'delivered'"):
        run(api().apply(ChangeRequest("update", sg.KIND_WEBHOOK, OURS, _live("wh-1"), after)))


@respx.mock
def test_delete_by_id_tolerates_gone_and_legacy_is_disabled() -> None:
    gone = respx.delete(f"{SETTINGS}/wh-1").mock(
        return_value=httpx.Response(404, json={"errors": [{"message": "Invalid ID"}]})
    )
    run(api().apply(ChangeRequest("delete", sg.KIND_WEBHOOK, OURS, _live("wh-1"), None)))
    assert gone.call_count == 1
    off = respx.patch(SETTINGS).mock(
        return_value=httpx.Response(200, json=hook(id=None, enabled=False))
    )
    run(api().apply(ChangeRequest("delete", sg.KIND_WEBHOOK, OURS, _live(None), None)))
    sent = body(off.calls[0].request)
    assert sent["enabled"] is False and sent["url"] == OURS and sent["open"] is True
    assert "friendly_name" not in sent


# -- rate limits --------------------------------------------------------------------------
@respx.mock
def test_a_used_up_window_makes_the_next_request_wait_for_its_reset() -> None:
    reset = int(time.time()) + 30
    first = respx.get(f"{SG}/v3/scopes").mock(
        return_value=httpx.Response(
            200,
            json={"scopes": SCOPES},
            headers={"X-RateLimit-Remaining": "0", "X-RateLimit-Reset": str(reset)},
        )
    )
    listing()
    sleeps = Sleeps()
    run(api(sleeps).read([]))
    assert first.call_count == 1
    assert len(sleeps.calls) == 1 and 25 < sleeps.calls[0] <= 30


@respx.mock
def test_a_429_waits_until_x_ratelimit_reset() -> None:
    reset = int(time.time()) + 20
    route = respx.get(f"{SG}/v3/scopes").mock(
        side_effect=[
            httpx.Response(
                429,
                json={"errors": [{"field": None, "message": "too many requests"}]},
                headers={"X-RateLimit-Remaining": "0", "X-RateLimit-Reset": str(reset)},
            ),
            httpx.Response(200, json={"scopes": SCOPES}),
        ]
    )
    listing()
    sleeps = Sleeps()
    run(api(sleeps).read([]))
    assert route.call_count == 2
    assert len(sleeps.calls) == 1 and 15 < sleeps.calls[0] <= 20


@respx.mock
def test_authenticated_domains_are_read_page_by_page() -> None:
    scopes()
    listing()

    def page(request: httpx.Request) -> httpx.Response:
        offset = int(request.url.params["offset"])
        size = 200 if offset == 0 else 1
        items = [
            {"id": offset + i, "domain": f"d{offset + i}.acme-mail.com", "valid": True}
            for i in range(size)
        ]
        return httpx.Response(200, json=items)

    route = respx.get(f"{SG}/v3/whitelabel/domains").mock(side_effect=page)
    live = run(api(domains=["d200.acme-mail.com"]).read([]))
    assert [c.request.url.params["offset"] for c in route.calls] == ["0", "200"]
    assert len(live.facts["all_domains"]) == 201
    (check,) = (c for c in live.checks if c.name == "authenticated domain")
    assert check.ok


def test_the_legacy_webhook_reads_with_the_config_name_or_its_import_name() -> None:
    """SendGrid holds no name for the legacy webhook: a plan's read gives it the declared
    webhook's name (never a difference), an import's read ``<provider id>-<URL host>``;
    webhooks with an id keep the name SendGrid holds."""
    listing_ = wire.EventWebhookList.model_validate(
        {
            "max_allowed": 1,
            "webhooks": [
                hook("https://u:p@Hooks.Acme-Mail.com:8443/esp/x", id=None, friendly_name=None)
            ],
        }
    )
    (legacy,) = hooks.live_webhooks("sg", listing_, {})
    assert legacy.fields["friendly_name"] is None
    declared = sg.webhook_resource(
        "sg", sg.WebhookUrl(legacy.key), [], friendly_name="events", signed=False
    )
    (planned,) = hooks.adopt_legacy_names("sg", [legacy], [declared], everything=False)
    assert planned.fields["friendly_name"] == "events" and planned.ref is None
    (imported,) = hooks.adopt_legacy_names("sg", [legacy], [], everything=True)
    assert imported.fields["friendly_name"] == "sg-hooks-acme-mail-com"
    (untouched,) = hooks.adopt_legacy_names("sg", [legacy], [], everything=False)
    assert untouched.fields["friendly_name"] is None
    listed = replace(legacy, fields={**legacy.fields, "friendly_name": "kept"})
    (kept,) = hooks.adopt_legacy_names("sg", [listed], [], everything=True)
    assert kept.fields["friendly_name"] == "kept"  # a valid name it lists, should it list one
    named = replace(legacy, ref="wh-1")
    assert hooks.adopt_legacy_names("sg", [named], [declared], everything=True) == [named]
    assert hooks.legacy_entry_name("sg", "https://" + "a" * 80 + ".io/x") == "sg-" + "a" * 60
    assert hooks.legacy_entry_name("sg", "not a url") == "sg-webhook"

"""``espctl import`` of a SendGrid account over respx: every tracking setting, the
authenticated domains and the Event Webhooks become config that the import's own
round-trip check finds equal to what is live (webhook entries keep SendGrid's
``friendly_name``)."""

from __future__ import annotations

from typing import Any

import httpx
import respx

from espctl.importer import import_providers, provider_source
from tests.providers.helpers import run
from tests.providers.sendgrid.conftest import ALL, SCOPES, SG, api, block, flags, hook

SUBSCRIPTION = {
    "enabled": True,
    "html_content": "<p>Unsubscribe: <% %></p>",
    "plain_content": "Unsubscribe: <% %>",
    "replace": "[unsubscribe]",
    "url": "",
    "landing": "<p>bye</p>",
}


def _account(*hooks: dict[str, Any]) -> None:
    respx.get(f"{SG}/v3/scopes").mock(return_value=httpx.Response(200, json={"scopes": SCOPES}))
    respx.get(ALL).mock(
        return_value=httpx.Response(200, json={"max_allowed": 5, "webhooks": list(hooks)})
    )
    for setting, answer in (
        ("open", {"enabled": True}),
        ("click", {"enabled": True, "enable_text": False}),
        ("subscription", SUBSCRIPTION),
        ("google_analytics", {"enabled": False, "utm_source": "sendgrid.com"}),
    ):
        respx.get(f"{SG}/v3/tracking_settings/{setting}").mock(
            return_value=httpx.Response(200, json=answer)
        )
    respx.get(f"{SG}/v3/whitelabel/domains").mock(
        return_value=httpx.Response(
            200, json=[{"id": 7, "domain": "em.acme-mail.com", "valid": True, "dns": {}}]
        )
    )


@respx.mock
def test_an_account_imports_and_round_trips() -> None:
    _account(
        hook(
            "https://esp:pw@hooks.acme-mail.com/esp/events",
            id="a",
            friendly_name="events",
            public_key="PK",
            **flags(processed=True, delivered=True, bounce=True, dropped=True),
        ),
        hook(
            "https://analytics.acme-mail.com/opens",
            id="b",
            friendly_name="opens",
            **flags(open=True, click=True),
        ),
    )
    client = api()
    result = run(import_providers({"sg": client}, [provider_source("sg", block())]))
    text = result.text
    assert "type: sendgrid" in text and "region: global" in text
    assert "domains: [em.acme-mail.com]" in text
    assert "  events:\n    url: https://hooks.acme-mail.com/esp/events" in text
    assert "  opens:\n    url: https://analytics.acme-mail.com/opens" in text
    assert "signed: true" in text
    assert "pw" not in text.replace("password", "")
    assert result.warnings == ()


@respx.mock
def test_webhooks_the_config_cannot_write_exactly_are_left_unmanaged() -> None:
    _account(
        hook(
            "https://a.acme-mail.com/x",
            id="1",
            friendly_name="Engagement Webhook",
            **flags(open=True),
        ),
        hook("https://b.acme-mail.com/x", id="2", friendly_name="half", **flags(unsubscribe=True)),
        hook(
            "https://c.acme-mail.com/x",
            id="3",
            friendly_name="off",
            enabled=False,
            **flags(open=True),
        ),
    )
    result = run(import_providers({"sg": api()}, [provider_source("sg", block())]))
    assert "webhooks:" not in result.text
    warnings = "\n".join(result.warnings)
    assert "friendly_name 'Engagement Webhook' cannot name a config webhook entry" in warnings
    assert "its events cannot be written exactly (unsubscribed)" in warnings
    assert "(it is disabled)" in warnings


@respx.mock
def test_the_legacy_single_webhook_imports_named_after_its_host_and_round_trips() -> None:
    """The legacy webhook (listed without id) holds no friendly_name: its entry is named
    ``<provider id>-<URL host>``, and the import's round-trip check (the imported
    config's desired state against what is live) finds nothing to change: the name is
    the config's alone, never sent to the legacy webhook nor compared with it."""
    _account(
        hook(
            "https://esp:pw@hooks.acme-mail.com/esp/eu-events",
            id=None,
            friendly_name=None,
            public_key="PK",
            **flags(delivered=True, bounce=True, dropped=True),
        )
    )
    result = run(import_providers({"sg": api()}, [provider_source("sg", block())]))
    text = result.text
    assert "  sg-hooks-acme-mail-com:\n    url: https://hooks.acme-mail.com/esp/eu-events" in text
    assert "events: [delivered, bounced, dropped]" in text
    assert "signed: true" in text
    assert result.warnings == ()

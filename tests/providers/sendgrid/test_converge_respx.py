"""plan -> apply -> plan against a stateful fake of the SendGrid endpoints espctl uses
(routed by respx): the second plan is empty, on a multi-webhook account and on a legacy
single-webhook one, and prune removes only the webhook the config does not declare."""

from __future__ import annotations

import json
import re
import uuid
from typing import Any

import httpx
import respx

from espctl.config.models import Policy, UnmanagedPolicy
from espctl.engine.apply import apply_plan
from espctl.engine.plan import make_plan
from espctl.model.common import BasicAuth, Event, Secret
from espctl.providers.kit.spec import WebhookBinding
from espctl.providers.sendgrid import resources as sg
from espctl.providers.sendgrid.config import SendGridWebhookOptions
from tests.providers.helpers import run
from tests.providers.sendgrid.conftest import SCOPES, api, block, flags, hook

BASE = "/v3/user/webhooks/event/settings"


class FakeSendGrid:
    """What one account holds, changed by the calls as SendGrid documents them."""

    def __init__(self, hooks: list[dict[str, Any]], scopes: list[str] = SCOPES) -> None:
        self.hooks = hooks
        self.scopes = scopes
        self.tracking: dict[str, dict[str, Any]] = {
            "open": {"enabled": False},
            "click": {"enabled": False, "enable_text": False},
        }
        self.writes: list[str] = []

    def _find(self, ref: str | None) -> dict[str, Any] | None:
        if ref is None:  # the oldest: the legacy account's only webhook
            return self.hooks[0] if self.hooks else None
        return next((h for h in self.hooks if h.get("id") == ref), None)

    def __call__(self, request: httpx.Request) -> httpx.Response:
        path, method = request.url.path, request.method
        sent = json.loads(request.content) if request.content else None
        if method != "GET":
            self.writes.append(f"{method} {path}")
        if path == "/v3/scopes":
            return httpx.Response(200, json={"scopes": self.scopes})
        if path == f"{BASE}/all":
            return httpx.Response(200, json={"max_allowed": 5, "webhooks": self.hooks})
        if match := re.fullmatch(r"/v3/tracking_settings/(\w+)", path):
            setting = self.tracking[match.group(1)]
            if method == "PATCH":
                setting.update(sent)
            return httpx.Response(200, json=setting)
        if path == BASE and method == "POST":
            made = {**sent, "id": uuid.uuid4().hex}
            self.hooks.append(made)
            return httpx.Response(201, json=made)
        if match := re.fullmatch(rf"{BASE}/signed(?:/([\w-]+))?", path):
            found = self._find(match.group(1))
            assert found is not None
            found["public_key"] = "PK-" + str(found.get("id")) if sent["enabled"] else ""
            return httpx.Response(
                200, json={"id": found.get("id"), "public_key": found["public_key"]}
            )
        if match := re.fullmatch(rf"{BASE}(?:/([\w-]+))?", path):
            found = self._find(match.group(1))
            if found is None:
                return httpx.Response(404, json={"errors": [{"message": "Invalid ID"}]})
            if method == "DELETE":
                self.hooks.remove(found)
                return httpx.Response(204)
            if "id" not in found:
                # the single-webhook API has no friendly_name: espctl never sends one
                assert "friendly_name" not in sent, sent
            found.update(sent)
            return httpx.Response(200, json=found)
        return httpx.Response(404, json={"errors": [{"message": f"no route {path}"}]})


def _desired() -> list[Any]:
    binding = WebhookBinding(
        "events",
        "",
        "https://hooks.acme-mail.com/esp/events",
        (Event.delivered, Event.bounced, Event.dropped),
        BasicAuth(username="esp", password=Secret("pw")),
        (),
        SendGridWebhookOptions(signed=True),
    )
    tracking = {"opens": True, "clicks": {"enabled": True}}
    return sg.desired_resources("sg", block(tracking=tracking), [binding])


def _plan(unmanaged: UnmanagedPolicy = UnmanagedPolicy.warn) -> tuple[Any, Any]:
    client = api(tracking={"opens": True, "clicks": {"enabled": True}})
    desired = _desired()
    live = run(client.read(desired))
    policy = Policy(unmanaged=unmanaged)
    return client, make_plan({"sg": desired}, {"sg": live}, {"sg": client.capabilities}, policy)


def _converge(fake: FakeSendGrid, unmanaged: UnmanagedPolicy) -> list[str]:
    with respx.mock:
        respx.route(host="api.sendgrid.com").mock(side_effect=fake)
        client, plan = _plan(unmanaged)
        assert plan.changes
        result = run(apply_plan(plan, {"sg": client}))
        assert result.exit_code == 0, [(o.change.address, o.message) for o in result.outcomes]
        _, again = _plan(unmanaged)
        assert again.changes == (), again.changes
    return [c.address for c in plan.changes]


def test_a_multi_webhook_account_converges_and_prune_removes_only_the_undeclared() -> None:
    other = hook("https://other.acme-mail.com/x", id="keep-or-prune", **flags(open=True))
    fake = FakeSendGrid([other])
    changes = _converge(fake, UnmanagedPolicy.prune)
    assert sorted(changes) == [
        "sg:sendgrid.tracking:click",
        "sg:sendgrid.tracking:open",
        "sg:sendgrid.webhook:https://hooks.acme-mail.com/esp/events",
        "sg:sendgrid.webhook:https://other.acme-mail.com/x",
    ]
    (ours,) = fake.hooks
    assert ours["url"] == "https://esp:pw@hooks.acme-mail.com/esp/events"
    assert ours["friendly_name"] == "events" and ours["public_key"]
    assert fake.tracking["click"] == {"enabled": True, "enable_text": False}
    assert f"DELETE {BASE}/keep-or-prune" in fake.writes


def test_a_legacy_single_webhook_account_converges_without_ids() -> None:
    legacy = hook(
        "https://esp:pw@hooks.acme-mail.com/esp/events",
        id=None,
        friendly_name=None,
        **flags(open=True),
    )
    fake = FakeSendGrid([legacy])
    changes = _converge(fake, UnmanagedPolicy.warn)
    assert "sg:sendgrid.webhook:https://hooks.acme-mail.com/esp/events" in changes
    assert f"PATCH {BASE}" in fake.writes and f"PATCH {BASE}/signed" in fake.writes
    assert not any(w.startswith("POST") for w in fake.writes)
    (only,) = fake.hooks
    assert "id" not in only and only["delivered"] and not only["open"]
    # no name at SendGrid, and none planned: the second plan (asserted empty) agrees
    assert only["friendly_name"] is None


def test_a_key_that_cannot_write_webhooks_plans_them_blocked_and_writes_nothing() -> None:
    granted = [s for s in SCOPES if s != "user.webhooks.event.settings.update"]
    fake = FakeSendGrid([], granted)
    with respx.mock:
        respx.route(host="api.sendgrid.com").mock(side_effect=fake)
        client, plan = _plan()
        assert sorted(c.address for c in plan.changes) == [
            "sg:sendgrid.tracking:click",
            "sg:sendgrid.tracking:open",
        ]
        (blocked,) = plan.blocked_changes
        assert "sendgrid.webhook" in blocked.change.address
        run(apply_plan(plan, {"sg": client}))
    assert not any("webhooks" in w for w in fake.writes)

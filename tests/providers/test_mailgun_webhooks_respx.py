"""Mailgun webhooks against respx routes: per-URL reads, v4 and v1 writes, exact bodies.

Every write names one URL (v4) or one account-level webhook (v1); a URL the config does
not declare is never in a request body, except where a v3 list is written back as read
(a credential swap), which the test asserts too.
"""

from __future__ import annotations

from urllib.parse import parse_qsl

import httpx
import pytest
import respx

from espctl.config.models import Policy, UnmanagedPolicy
from espctl.engine.apply import apply_plan
from espctl.engine.plan import make_plan
from espctl.errors import ProviderError
from espctl.model.common import BasicAuth, Secret
from espctl.model.resources import Resource
from espctl.providers.kit.protocol import ChangeRequest
from espctl.providers.mailgun import resources as mg
from espctl.providers.mailgun.client import MailgunApi
from espctl.providers.mailgun.limits import url_limit_checks
from espctl.providers.mailgun.resources import MailgunWebhookUrl
from tests.providers.helpers import FAST, MG_EU, Sleeps, account_webhooks, mailgun_block, run
from tests.providers.test_mailgun_respx import DOMAIN, mock_domain

V4 = f"{MG_EU}/v4/domains/{DOMAIN}/webhooks"
V3 = f"{MG_EU}/v3/domains/{DOMAIN}/webhooks"
OURS = "https://hooks.acme-mail.com/esp/events"
FOREIGN = "https://analytics.acme-mail.com/mailgun/opens"
AUTH = BasicAuth(username="esp", password=Secret("p@ss/w"))
WITH_AUTH = "https://esp:p%40ss%2Fw@hooks.acme-mail.com/esp/events"


def api() -> MailgunApi:
    return MailgunApi("mg", mailgun_block(), options=FAST, sleep=Sleeps())


def form(request: httpx.Request) -> list[tuple[str, str]]:
    assert request.headers["Content-Type"] == "application/x-www-form-urlencoded"
    return parse_qsl(request.content.decode(), keep_blank_values=True)


def whole_map(**hooks: list[str]) -> httpx.Response:
    """The v4 answer: the domain's whole (event -> URLs) map after the write."""
    return httpx.Response(200, json={"webhooks": {e: {"urls": u} for e, u in hooks.items()}})


def hook(url: str, *events: str, auth: BasicAuth | None = None, **live: object) -> Resource:
    return mg.webhook_resource(
        "mg", DOMAIN, MailgunWebhookUrl(url=url, basic_auth=auth), events, **live
    )  # type: ignore[arg-type]


def desired_of(*resources: Resource) -> list[Resource]:
    return [Resource("mg", mg.KIND_DOMAIN, DOMAIN, {}), *resources]


def mock_listing(hooks: dict[str, list[str]], account: tuple[dict, ...] = ()) -> None:  # type: ignore[type-arg]
    respx.get(f"{MG_EU}/v4/domains").mock(
        return_value=httpx.Response(
            200, json={"total_count": 1, "items": [{"name": DOMAIN, "state": "active"}]}
        )
    )
    mock_domain(DOMAIN, hooks={e: {"urls": u} for e, u in hooks.items()})
    account_webhooks(*account)


def plan_for(desired: list[Resource], policy: Policy) -> tuple[MailgunApi, object]:
    client = api()
    live = run(client.read(desired))
    plan = make_plan(
        {"mg": desired}, {"mg": live}, {"mg": client.capabilities}, policy, config_text=""
    )
    return client, plan


# -- read ------------------------------------------------------------------------------
@respx.mock
def test_the_v3_listing_is_read_per_url_and_a_foreign_url_is_its_own_resource() -> None:
    mock_listing(
        {
            "delivered": [WITH_AUTH],
            "opened": [WITH_AUTH, FOREIGN],
            "clicked": ["https://other:pw@hooks.acme-mail.com/esp/events"],
        }
    )
    state = run(api().read(desired_of()))
    hooks = {r.key: r for r in state.resources if r.kind == mg.KIND_WEBHOOK}
    assert set(hooks) == {
        f"{DOMAIN} {OURS}",
        f"{DOMAIN} {OURS} (copy 1)",  # the same receiver with other credentials
        f"{DOMAIN} {FOREIGN}",
    }
    assert hooks[f"{DOMAIN} {OURS}"].fields["events"] == ["delivered", "opened"]
    assert hooks[f"{DOMAIN} {FOREIGN}"].fields == {
        "events": ["opened"],
        "basic_auth_username": None,
        "basic_auth_password": None,
    }
    copy = hooks[f"{DOMAIN} {OURS} (copy 1)"]
    assert copy.duplicate_of == f"{DOMAIN} {OURS}"
    assert copy.fields["stored_url"] == Secret("https://other:pw@hooks.acme-mail.com/esp/events")


# -- plan: what is managed and what is another integration's --------------------------------
@respx.mock
def test_a_foreign_url_is_unmanaged_never_part_of_a_change() -> None:
    mock_listing({"opened": [OURS, FOREIGN]})
    ours = hook(OURS, "opened", "clicked")
    for policy, action in (
        (UnmanagedPolicy.warn, "listed"),
        (UnmanagedPolicy.ignore, None),
        (UnmanagedPolicy.prune, "delete"),
    ):
        _, plan = plan_for(desired_of(ours), Policy(unmanaged=policy))
        changed = {(c.action, c.key) for c in plan.changes}  # type: ignore[attr-defined]
        listed = {(u.resource.key, u.action) for u in plan.unmanaged}  # type: ignore[attr-defined]
        assert ("update", f"{DOMAIN} {OURS}") in changed
        if action is None:
            assert listed == set()
        else:
            assert listed == {(f"{DOMAIN} {FOREIGN}", action)}
        assert (("delete", f"{DOMAIN} {FOREIGN}") in changed) == (action == "delete")
    # never under protect: a protected domain keeps what it holds, even under prune
    _, plan = plan_for(
        desired_of(ours), Policy(unmanaged=UnmanagedPolicy.prune, protect=[f"mg/{DOMAIN}"])
    )
    assert {(u.resource.key, u.action) for u in plan.unmanaged} == {  # type: ignore[attr-defined]
        (f"{DOMAIN} {FOREIGN}", "protected")
    }
    assert not [c for c in plan.changes if c.action == "delete"]  # type: ignore[attr-defined]


@respx.mock
def test_the_three_url_limit_counts_the_foreign_urls_kept() -> None:
    others = ["https://a.acme-mail.com/x", "https://b.acme-mail.com/y"]
    mock_listing({"opened": others})
    desired = desired_of(hook(OURS, "opened"), hook("https://c.acme-mail.com/z", "opened"))
    _, plan = plan_for(desired, Policy())
    failed = [c for c in plan.checks if not c.ok]  # type: ignore[attr-defined]
    assert [(c.name, c.subject) for c in failed] == [("webhook limit", f"{DOMAIN} opened")]
    assert failed[0].message == (
        f"opened webhooks on {DOMAIN} would have 4 URLs after apply; Mailgun allows at most 3: "
        "2 declared, 2 not in the config and kept (https://a.acme-mail.com/x, "
        "https://b.acme-mail.com/y); remove URLs from the config, delete the others at "
        "Mailgun, or set policy.unmanaged: prune"
    )
    # an error: the URLs that would take the missing places are blocked, not planned
    assert (failed[0].severity, failed[0].blocks) == (
        "error",
        (f"{DOMAIN} https://c.acme-mail.com/z", f"{DOMAIN} {OURS}"),
    )
    assert plan.changes == () and plan.converges is False  # type: ignore[attr-defined]
    assert {b.change.key for b in plan.blocked_changes} == set(failed[0].blocks)  # type: ignore[attr-defined]
    # under prune they are deleted (before anything is added): the plan fits
    _, pruned = plan_for(desired, Policy(unmanaged=UnmanagedPolicy.prune))
    assert [c for c in pruned.checks if not c.ok] == []  # type: ignore[attr-defined]
    assert len(pruned.changes) == 4  # type: ignore[attr-defined]


@respx.mock
def test_a_url_already_on_the_full_event_is_not_blocked() -> None:
    """Only the URLs that would take a place wait; one already there still converges."""
    mock_listing({"opened": [OURS, "https://a.acme-mail.com/x", "https://b.acme-mail.com/y"]})
    desired = desired_of(
        hook(OURS, "opened", "clicked"), hook("https://c.acme-mail.com/z", "opened")
    )
    _, plan = plan_for(desired, Policy())
    (failed,) = [c for c in plan.checks if not c.ok]  # type: ignore[attr-defined]
    assert failed.blocks == (f"{DOMAIN} https://c.acme-mail.com/z",)
    assert [(c.action, c.key) for c in plan.changes] == [("update", f"{DOMAIN} {OURS}")]  # type: ignore[attr-defined]


# -- apply: v4 per URL ----------------------------------------------------------------------
@respx.mock
def test_create_is_one_v4_post_naming_one_url() -> None:
    post = respx.post(V4).mock(return_value=whole_map(delivered=[WITH_AUTH], opened=[WITH_AUTH]))
    after = hook(OURS, "opened", "delivered", auth=AUTH)
    run(api().apply(ChangeRequest("create", mg.KIND_WEBHOOK, after.key, None, after)))
    assert form(post.calls[0].request) == [
        ("url", WITH_AUTH),
        ("event_types", "delivered"),
        ("event_types", "opened"),
    ]


@respx.mock
def test_an_event_change_is_one_v4_put_of_that_url() -> None:
    put = respx.put(V4).mock(return_value=whole_map(delivered=[OURS], clicked=[OURS]))
    before = hook(OURS, "delivered", "opened")
    after = hook(OURS, "delivered", "clicked")
    run(api().apply(ChangeRequest("update", mg.KIND_WEBHOOK, after.key, before, after)))
    assert form(put.calls[0].request) == [
        ("url", OURS),
        ("event_types", "clicked"),
        ("event_types", "delivered"),
    ]


@respx.mock
def test_new_credentials_are_swapped_in_place_keeping_the_other_urls() -> None:
    """v4 names a URL by its text, userinfo included: the URL with the new password is
    written into each event's list where the old one was, the others as they were read."""
    put4 = respx.put(V4).mock(return_value=whole_map(opened=[OURS, FOREIGN], clicked=[OURS]))
    get_opened = respx.get(f"{V3}/opened").mock(
        return_value=httpx.Response(200, json={"webhook": {"urls": [OURS, FOREIGN]}})
    )
    get_clicked = respx.get(f"{V3}/clicked").mock(
        return_value=httpx.Response(200, json={"webhook": {"urls": [OURS]}})
    )
    written = {"message": "Webhook has been updated", "webhook": {"urls": []}}
    put_opened = respx.put(f"{V3}/opened").mock(return_value=httpx.Response(200, json=written))
    put_clicked = respx.put(f"{V3}/clicked").mock(return_value=httpx.Response(200, json=written))
    before = hook(OURS, "opened")
    after = hook(OURS, "opened", "clicked", auth=AUTH)
    run(api().apply(ChangeRequest("update", mg.KIND_WEBHOOK, after.key, before, after)))
    assert form(put4.calls[0].request) == [
        ("url", OURS),  # the URL as Mailgun holds it now
        ("event_types", "clicked"),
        ("event_types", "opened"),
    ]
    assert get_opened.called and get_clicked.called
    assert form(put_opened.calls[0].request) == [("url", WITH_AUTH), ("url", FOREIGN)]
    assert form(put_clicked.calls[0].request) == [("url", WITH_AUTH)]


@respx.mock
def test_delete_is_one_v4_delete_naming_the_url_as_stored() -> None:
    stored = "https://old:pw@hooks.acme-mail.com/esp/events"
    delete = respx.delete(V4, params={"url": stored}).mock(return_value=whole_map(opened=[FOREIGN]))
    before = hook(OURS, "opened", stored=stored)
    run(api().apply(ChangeRequest("delete", mg.KIND_WEBHOOK, before.key, before, None)))
    assert delete.calls[0].request.url.params.get_list("url") == [stored]
    assert delete.calls[0].request.content == b""
    # already gone is done
    respx.delete(V4, params={"url": stored}).mock(
        return_value=httpx.Response(404, json={"Description": "Webhook not found"})
    )
    run(api().apply(ChangeRequest("delete", mg.KIND_WEBHOOK, before.key, before, None)))


@respx.mock
def test_a_url_with_a_comma_is_removed_event_by_event() -> None:
    """v4's ``url`` is a comma-separated list: such a URL cannot be named alone there."""
    odd = "https://h.acme-mail.com/in?tags=a,b"
    respx.get(V3).mock(
        return_value=httpx.Response(
            200,
            json={"webhooks": {"opened": {"urls": [odd, FOREIGN]}, "clicked": {"urls": [odd]}}},
        )
    )
    written = {"message": "Webhook has been updated", "webhook": {"urls": []}}
    put_opened = respx.put(f"{V3}/opened").mock(return_value=httpx.Response(200, json=written))
    deleted = {"message": "Webhook has been deleted", "webhook": {"urls": [odd]}}
    delete_clicked = respx.delete(f"{V3}/clicked").mock(
        return_value=httpx.Response(200, json=deleted)
    )
    before = hook(odd, "opened", "clicked")
    run(api().apply(ChangeRequest("delete", mg.KIND_WEBHOOK, before.key, before, None)))
    assert form(put_opened.calls[0].request) == [("url", FOREIGN)]
    assert delete_clicked.called


@respx.mock
def test_a_create_refused_as_existing_is_read_back_and_made_exact() -> None:
    respx.post(V4).mock(
        return_value=httpx.Response(
            400,
            json={"Reason": f"Webhook for event type 'opened' with URL '{OURS}' already exists"},
        )
    )
    respx.get(V3).mock(
        return_value=httpx.Response(200, json={"webhooks": {"opened": {"urls": [OURS]}}})
    )
    put = respx.put(V4).mock(return_value=whole_map(opened=[OURS], delivered=[OURS]))
    after = hook(OURS, "opened", "delivered")
    run(api().apply(ChangeRequest("create", mg.KIND_WEBHOOK, after.key, None, after)))
    assert form(put.calls[0].request) == [
        ("url", OURS),
        ("event_types", "delivered"),
        ("event_types", "opened"),
    ]


@respx.mock
def test_a_create_refused_and_absent_fails_with_the_reason() -> None:
    respx.post(V4).mock(
        return_value=httpx.Response(
            400, json={"Reason": f"invalid parameters: {OURS} is not a valid url: host not found"}
        )
    )
    listing = respx.get(V3).mock(return_value=httpx.Response(200, json={"webhooks": {}}))
    after = hook(OURS, "opened")
    with pytest.raises(ProviderError, match="host not found"):
        run(api().apply(ChangeRequest("create", mg.KIND_WEBHOOK, after.key, None, after)))
    assert listing.call_count == 1


@respx.mock
def test_a_create_whose_answer_was_lost_is_read_back_not_repeated() -> None:
    post = respx.post(V4).mock(side_effect=httpx.ReadTimeout("lost"))
    respx.get(V3).mock(
        return_value=httpx.Response(200, json={"webhooks": {"opened": {"urls": [OURS]}}})
    )
    put = respx.put(V4).mock(return_value=whole_map(opened=[OURS]))
    after = hook(OURS, "opened")
    run(api().apply(ChangeRequest("create", mg.KIND_WEBHOOK, after.key, None, after)))
    assert post.call_count == 1  # applied after all: made exact, never posted twice
    assert put.called


@respx.mock
def test_apply_frees_places_before_it_takes_them() -> None:
    """A full event: the pruned URL goes before the new one comes (4 would be refused)."""
    # the new URL sorts first in the plan: only the phases put the delete before it
    new = "https://a.acme-mail.com/new"
    full = ["https://b.acme-mail.com/1", "https://c.acme-mail.com/2", "https://d.acme-mail.com/3"]
    mock_listing({"opened": full})
    order: list[str] = []

    def record(name: str, response: httpx.Response) -> object:
        def side_effect(request: httpx.Request) -> httpx.Response:
            order.append(f"{name} {request.url.params.get('url') or form(request)[0][1]}")
            return response

        return side_effect

    respx.delete(V4).mock(side_effect=record("DELETE", whole_map()))
    respx.post(V4).mock(side_effect=record("POST", whole_map()))
    client, plan = plan_for(
        desired_of(hook(new, "opened"), hook(full[0], "opened"), hook(full[1], "opened")),
        Policy(unmanaged=UnmanagedPolicy.prune),
    )
    result = run(apply_plan(plan, {"mg": client}))  # type: ignore[arg-type]
    assert result.exit_code == 0
    assert [c.action for c in plan.changes] == ["create", "delete"]  # type: ignore[attr-defined]
    assert order == [f"DELETE {full[2]}", f"POST {new}"]


# -- account level --------------------------------------------------------------------------
ACCOUNT = {
    "webhook_id": "64f0c0ffee",
    "description": "Ops monitoring",
    "url": "https://ops.acme-mail.com/mg",
    "event_types": ["permanent_fail", "complained"],
    "created_at": "2024-05-01T10:00:00Z",
}


def account_hook(url: str, *events: str, **live: object) -> Resource:
    return mg.account_webhook_resource("mg", MailgunWebhookUrl(url=url), events, **live)  # type: ignore[arg-type]


@respx.mock
def test_account_webhooks_are_read_and_unmanaged_unless_declared() -> None:
    mock_listing({}, account=(ACCOUNT,))
    _, plan = plan_for(desired_of(), Policy())
    (listed,) = plan.unmanaged  # type: ignore[attr-defined]
    assert (listed.resource.kind, listed.resource.key, listed.action) == (
        mg.KIND_ACCOUNT_WEBHOOK,
        "https://ops.acme-mail.com/mg",
        "listed",
    )
    assert listed.resource.ref == "64f0c0ffee"
    assert listed.resource.fields["events"] == ["complained", "permanent_fail"]
    # declared with the same events: nothing to do; the description is not managed
    _, same = plan_for(
        desired_of(account_hook("https://ops.acme-mail.com/mg", "complained", "permanent_fail")),
        Policy(),
    )
    assert same.changes == () and same.unmanaged == ()  # type: ignore[attr-defined]
    # deleted only under prune, never when the provider is protected as a whole
    _, pruned = plan_for(desired_of(), Policy(unmanaged=UnmanagedPolicy.prune))
    assert [(c.action, c.kind) for c in pruned.changes] == [  # type: ignore[attr-defined]
        ("delete", mg.KIND_ACCOUNT_WEBHOOK)
    ]
    _, kept = plan_for(desired_of(), Policy(unmanaged=UnmanagedPolicy.prune, protect=["mg"]))
    assert kept.changes == ()  # type: ignore[attr-defined]
    assert [u.action for u in kept.unmanaged] == ["protected"]  # type: ignore[attr-defined]


@respx.mock
def test_account_webhook_create_replace_delete_bodies() -> None:
    create = respx.post(f"{MG_EU}/v1/webhooks").mock(
        return_value=httpx.Response(200, json={"webhook_id": "new-id"})
    )
    after = account_hook("https://ops.acme-mail.com/mg", "delivered", "opened")
    client = api()
    run(client.apply(ChangeRequest("create", mg.KIND_ACCOUNT_WEBHOOK, after.key, None, after)))
    assert form(create.calls[0].request) == [
        ("url", "https://ops.acme-mail.com/mg"),
        ("event_types", "delivered"),
        ("event_types", "opened"),
        ("description", "managed by espctl"),
    ]
    replace = respx.put(f"{MG_EU}/v1/webhooks/64f0c0ffee").mock(return_value=httpx.Response(204))
    before = account_hook(
        "https://ops.acme-mail.com/mg", "opened", ref="64f0c0ffee", description="Ops monitoring"
    )
    run(client.apply(ChangeRequest("update", mg.KIND_ACCOUNT_WEBHOOK, after.key, before, after)))
    assert form(replace.calls[0].request) == [
        ("url", "https://ops.acme-mail.com/mg"),
        ("event_types", "delivered"),
        ("event_types", "opened"),
        ("description", "Ops monitoring"),  # a full replace: the live description kept
    ]
    delete = respx.delete(f"{MG_EU}/v1/webhooks/64f0c0ffee").mock(return_value=httpx.Response(204))
    run(client.apply(ChangeRequest("delete", mg.KIND_ACCOUNT_WEBHOOK, before.key, before, None)))
    assert delete.called and delete.calls[0].request.content == b""


@respx.mock
def test_account_webhook_conflict_is_read_back_and_replaced() -> None:
    respx.post(f"{MG_EU}/v1/webhooks").mock(
        return_value=httpx.Response(409, json={"Description": "A webhook with this URL exists"})
    )
    account_webhooks(ACCOUNT)
    replace = respx.put(f"{MG_EU}/v1/webhooks/64f0c0ffee").mock(return_value=httpx.Response(204))
    after = account_hook("https://ops.acme-mail.com/mg", "delivered")
    run(api().apply(ChangeRequest("create", mg.KIND_ACCOUNT_WEBHOOK, after.key, None, after)))
    assert form(replace.calls[0].request)[-1] == ("description", "Ops monitoring")


@respx.mock
def test_a_key_that_may_not_read_account_webhooks_is_a_failed_check() -> None:
    mock_listing({})
    respx.get(f"{MG_EU}/v1/webhooks").mock(
        return_value=httpx.Response(403, json={"message": "Forbidden: missing permission"})
    )
    state = run(api().read(desired_of()))
    (check,) = [c for c in state.checks if c.name == "account webhooks"]
    assert not check.ok and "missing permission" in check.message
    assert check.severity == "warning"  # the declared settings still converge
    # declared ones cannot be planned without reading them: an error
    with pytest.raises(ProviderError, match="HTTP 403"):
        run(api().read(desired_of(account_hook("https://ops.acme-mail.com/mg", "opened"))))


def test_limits_count_account_level_separately() -> None:
    declared = [account_hook(f"https://{n}.acme-mail.com/x", "opened") for n in "ab"]
    kept = [account_hook(f"https://{n}.acme-mail.com/x", "opened") for n in "cd"]
    domain = [hook(f"https://{n}.acme-mail.com/x", "opened") for n in "ef"]
    checks = url_limit_checks([*declared, *domain], kept)
    assert [(c.subject, c.ok) for c in checks] == [("account opened", False)]
    assert "opened webhooks at account level would have 4 URLs" in checks[0].message


@respx.mock
def test_declared_urls_mailgun_cannot_resolve_are_failed_checks() -> None:
    mock_listing({})
    state = run(
        api().read(
            desired_of(
                hook("http://localhost:9000/hook", "opened"),
                account_hook("https://hooks.acme.test/in", "opened"),
                hook(OURS, "opened"),
            )
        )
    )
    refused = [c for c in state.checks if c.name == "webhook url"]
    # errors that block the URL itself: Mailgun would refuse the write
    assert all((c.severity, c.blocks) == ("error", (c.subject,)) for c in refused)
    failed = {c.subject: c.message for c in refused}
    assert failed == {
        f"{DOMAIN} http://localhost:9000/hook": "Mailgun refuses webhook URLs whose host does "
        "not resolve publicly (HTTP 400 'host not found'): host 'localhost' has no dot",
        "https://hooks.acme.test/in": "Mailgun refuses webhook URLs whose host does not "
        "resolve publicly (HTTP 400 'host not found'): host 'hooks.acme.test' is under the "
        "reserved suffix .test",
    }

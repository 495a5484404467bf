"""Schema and semantic rules: each asserts line, column and message."""

from __future__ import annotations

from pathlib import Path

from espctl.config import load_config
from tests.conftest import find, problems_for

ENV = {"PM": "pm-token", "MG": "mg-key", "PW": "hook-pass"}

BASE = """\
version: 1
providers:
  postmark:
    type: postmark
    server_token: ${env:PM}
    message_streams:
      outbound: {type: transactional, name: Transactional}
      news: {type: broadcasts, name: News}
  mailgun:
    type: mailgun
    api_key: ${env:MG}
    domains:
      mg.acme-mail.com: {}
"""


def check(tmp_path: Path, extra: str) -> list:  # type: ignore[type-arg]
    return problems_for(tmp_path, BASE + extra, env=ENV)


def test_base_is_valid(tmp_path: Path) -> None:
    assert check(tmp_path, "") == []


def test_unknown_key_did_you_mean(tmp_path: Path) -> None:
    problems = problems_for(
        tmp_path,
        BASE.replace("    message_streams:", "    trackng: {}\n    message_streams:"),
        env=ENV,
    )
    p = find(problems, "unknown key")
    assert p.message == "unknown key 'trackng' (did you mean 'tracking'?)"
    assert (p.line, p.column, p.path) == (6, 5, "providers.postmark.trackng")


def test_unknown_key_without_close_match_lists_allowed(tmp_path: Path) -> None:
    problems = check(tmp_path, "policy: {zzz: 1}\n")
    p = find(problems, "unknown key")
    assert p.message.startswith("unknown key 'zzz'; allowed: unmanaged, max_change_ratio")
    assert (p.line, p.column) == (14, 10)


def test_enum_did_you_mean(tmp_path: Path) -> None:
    problems = problems_for(tmp_path, BASE.replace("broadcasts", "broadcast"), env=ENV)
    p = find(problems, "is not one of")
    assert p.message == (
        "'broadcast' is not one of: transactional, broadcasts (did you mean 'broadcasts'?)"
    )
    assert (p.line, p.column, p.path) == (8, 20, "providers.postmark.message_streams.news.type")


def test_unknown_provider_type(tmp_path: Path) -> None:
    problems = problems_for(tmp_path, BASE.replace("type: mailgun", "type: mailgum"), env=ENV)
    p = find(problems, "unknown provider type")
    assert (
        p.message
        == "unknown provider type 'mailgum'; expected postmark or mailgun or sendgrid or ses "
        "(did you mean 'mailgun'?)"
    )
    assert p.path == "providers.mailgun"


def test_missing_required_key_points_at_parent(tmp_path: Path) -> None:
    problems = problems_for(
        tmp_path,
        BASE.replace("news: {type: broadcasts, name: News}", "news: {type: broadcasts}"),
        env=ENV,
    )
    p = find(problems, "missing required key")
    assert p.message == "missing required key 'name'"
    assert (p.line, p.column) == (8, 13)


def test_wrong_version(tmp_path: Path) -> None:
    problems = problems_for(tmp_path, BASE.replace("version: 1", "version: 2"), env=ENV)
    p = find(problems, "unsupported config version 2")
    assert (p.line, p.column, p.path) == (1, 10, "version")
    assert p.message == (
        "unsupported config version 2 (this espctl reads version 1): write 'version: 1'"
    )


def test_wrong_type(tmp_path: Path) -> None:
    problems = check(tmp_path, "policy: {max_change_ratio: lots}\n")
    p = find(problems, "must be a number")
    assert p.message == "must be a number (got 'lots')"
    assert p.path == "policy.max_change_ratio"
    assert (p.line, p.column) == (14, 28)


def test_routing_target_must_exist(tmp_path: Path) -> None:
    problems = check(tmp_path, "routing:\n  default: postmark/outbund\n")
    p = find(problems, "no message stream")
    assert p.message == (
        "postmark has no message stream 'outbund' in this config (declared: news, outbound)"
    )
    assert (p.line, p.column, p.path) == (15, 12, "routing.default")


def test_unknown_provider_in_target(tmp_path: Path) -> None:
    problems = check(
        tmp_path,
        "routing:\n  rules:\n    - {email_types: [a], to: sendgrid/x}\n",
    )
    p = find(problems, "unknown provider")
    assert p.message == "unknown provider 'sendgrid' (providers: mailgun, postmark)"
    assert (p.line, p.column, p.path) == (16, 30, "routing.rules[0].to")


def test_fallback_and_protect_targets_must_exist(tmp_path: Path) -> None:
    problems = check(
        tmp_path,
        "routing:\n  rules:\n"
        "    - {email_types: [a], to: postmark/news, fallback: [mailgun/x.com]}\n"
        "policy:\n  protect: [mailgun/y.com, sendgrid/z]\n",
    )
    fb = find(problems, "no domain 'x.com'")
    assert fb.path == "routing.rules[0].fallback[0]"
    # protect may name undeclared streams/domains (it shields unmanaged ones from prune),
    # but not an unknown provider
    protect = find(problems, "unknown provider 'sendgrid'")
    assert (protect.line, protect.column, protect.path) == (18, 28, "policy.protect[1]")
    assert not any("y.com" in p.message for p in problems)


def test_email_type_in_one_rule_only(tmp_path: Path) -> None:
    problems = check(
        tmp_path,
        "routing:\n  rules:\n"
        "    - {name: auth, email_types: [reset, magic], to: postmark/outbound}\n"
        "    - {email_types: [magic], to: mailgun/mg.acme-mail.com}\n",
    )
    p = find(problems, "already routed")
    assert p.message == (
        "email type 'magic' is already routed by rule 'auth' (one email type belongs to at most "
        "one rule)"
    )
    assert (p.line, p.column, p.path) == (17, 22, "routing.rules[1].email_types[0]")


HOOK = """\
webhooks:
  h:
    url: {url}
    events: {events}
    targets: {targets}
"""


def hook(
    url: str = "https://hooks.acme-mail.com/x",
    events: str = "[delivered]",
    targets: str = "[postmark/outbound]",
) -> str:
    return HOOK.format(url=url, events=events, targets=targets)


def test_webhook_target_must_exist(tmp_path: Path) -> None:
    p = find(check(tmp_path, hook(targets="[mailgun/nope.com]")), "no domain")
    assert (p.line, p.column, p.path) == (18, 15, "webhooks.h.targets[0]")


def test_event_the_provider_cannot_deliver(tmp_path: Path) -> None:
    p = find(check(tmp_path, hook(events="[deferred]")), "cannot deliver")
    assert p.message == (
        "postmark cannot deliver 'deferred' webhooks (it can: delivered, bounced, complained, "
        "opened, clicked, unsubscribed)"
    )
    assert p.path == "webhooks.h.targets[0]"


def test_no_bounce_webhooks_on_broadcast_streams(tmp_path: Path) -> None:
    p = find(
        check(tmp_path, hook(events="[opened, bounced]", targets="[postmark/news]")),
        "broadcast stream",
    )
    assert "'bounced' webhooks are not available on broadcast stream 'news'" in p.message


def test_mailgun_accepts_deferred(tmp_path: Path) -> None:
    assert (
        check(tmp_path, hook(events="[deferred, accepted]", targets="[mailgun/mg.acme-mail.com]"))
        == []
    )


def test_at_most_three_mailgun_urls_per_event(tmp_path: Path) -> None:
    hooks = "webhooks:\n" + "".join(
        f"  h{i}:\n    url: https://h{i}.acme-mail.com/\n    events: [delivered]\n"
        f"    targets: [mailgun/mg.acme-mail.com]\n"
        for i in range(4)
    )
    p = find(check(tmp_path, hooks), "at most 3")
    assert p.path == "webhooks.h3.targets[0]"
    assert (p.line, p.column) == (30, 15)


def test_at_most_ten_postmark_streams(tmp_path: Path) -> None:
    streams = "".join(f"      s{i}: {{type: transactional, name: S{i}}}\n" for i in range(9))
    text = BASE.replace("      news: {type: broadcasts, name: News}\n", streams)
    p = find(problems_for(tmp_path, text, env=ENV), "at most 10")
    assert p.message.startswith("11 streams including the defaults")
    assert (p.line, p.column) == (7, 7)


def test_default_sender_must_be_an_address(tmp_path: Path) -> None:
    text = BASE.replace(
        "    api_key: ${env:MG}", "    api_key: ${env:MG}\n    default_sender: Acme"
    )
    p = find(problems_for(tmp_path, text, env=ENV), "not a valid sender")
    assert (p.line, p.column, p.path) == (12, 21, "providers.mailgun.default_sender")


def test_default_sender_forms(tmp_path: Path) -> None:
    for sender in ['"Acme <noreply@acme-mail.com>"', "ops@acme-mail.com"]:
        text = BASE.replace(
            "    api_key: ${env:MG}", f"    api_key: ${{env:MG}}\n    default_sender: {sender}"
        )
        assert problems_for(tmp_path, text, env=ENV) == []


def test_webhook_url_must_be_https(tmp_path: Path) -> None:
    p = find(check(tmp_path, hook(url="http://hooks.acme-mail.com/x")), "must use https")
    assert (p.line, p.column, p.path) == (16, 10, "webhooks.h.url")
    assert check(tmp_path, hook(url="http://127.0.0.1:9000/x")) == []
    assert check(tmp_path, hook(url="http://localhost/x")) == []


def test_webhook_url_must_not_carry_credentials(tmp_path: Path) -> None:
    problems = check(tmp_path, hook(url="https://user:hunter2@hooks.acme-mail.com/x"))
    p = find(problems, "must not carry credentials")
    assert p.path == "webhooks.h.url"
    assert all("hunter2" not in q.render() for q in problems)


def test_stream_id_rules(tmp_path: Path) -> None:
    text = BASE.replace("      news:", "      pm-news:")
    p = find(problems_for(tmp_path, text, env=ENV), "must not start with 'pm-'")
    assert (p.line, p.column) == (8, 7)


def test_headers_to_mailgun_warn(tmp_path: Path) -> None:
    extra = hook(targets="[mailgun/mg.acme-mail.com]") + "    headers: {X-A: b}\n"
    (p,) = check(tmp_path, extra)
    assert p.severity == "warning"
    assert "headers are not sent by Mailgun" in p.message


def test_all_problems_reported_at_once(tmp_path: Path) -> None:
    text = (
        BASE.replace("broadcasts", "broadcast")
        + "routing: {default: postmark/x}\n"
        + hook(url="http://a.com/")
    )
    problems = problems_for(tmp_path, text, env=ENV)
    kinds = {p.path for p in problems}
    assert {
        "providers.postmark.message_streams.news.type",
        "routing.default",
        "webhooks.h.url",
    } <= kinds


def test_mailgun_defaults_merge_under_domains(tmp_path: Path) -> None:
    from espctl.providers.mailgun.resources import merged_tracking

    path = tmp_path / "c.yaml"
    path.write_text(
        BASE.replace(
            "    domains:\n      mg.acme-mail.com: {}\n",
            "    defaults:\n      tracking: {opens: true, clicks: true,"
            " unsubscribe: {enabled: false, text_footer: T}}\n"
            "    domains:\n      mg.acme-mail.com: {}\n"
            "      b.acme-mail.com:\n"
            "        tracking: {clicks: html_only, unsubscribe: {enabled: true}}\n",
        )
    )
    block = load_config(path, env=ENV).config.providers["mailgun"]
    assert block.type == "mailgun"
    a = merged_tracking(block, "mg.acme-mail.com")
    b = merged_tracking(block, "b.acme-mail.com")
    assert (a.opens, a.clicks, a.unsubscribe and a.unsubscribe.enabled) == (True, True, False)
    assert (b.opens, b.clicks) == (True, "html_only")
    assert b.unsubscribe is not None
    assert (b.unsubscribe.enabled, b.unsubscribe.text_footer) == (True, "T")


def test_two_webhooks_differing_only_in_credentials_are_one_postmark_webhook(
    tmp_path: Path,
) -> None:
    extra = """\
webhooks:
  a:
    url: https://hooks.acme-mail.com/in?token=${env:PM}
    events: [delivered]
    targets: [postmark/outbound]
  b:
    url: https://hooks.acme-mail.com/in?token=${env:MG}
    events: [bounced]
    targets: [postmark/outbound]
"""
    problem = find(check(tmp_path, extra), "already sends to this URL")
    assert (problem.line, problem.path) == (22, "webhooks.b.targets[0]")
    assert "pm-token" not in problem.message and "mg-key" not in problem.message


def test_a_mailgun_provider_id_alone_is_its_account_level_webhooks(tmp_path: Path) -> None:
    assert check(tmp_path, hook(targets="[mailgun, mailgun/mg.acme-mail.com]")) == []
    loaded = load_config(
        _write(tmp_path, BASE + hook(targets="[mailgun]", events="[deferred]")), env=ENV
    )
    assert loaded.config.webhooks["h"].targets == ["mailgun"]


def test_a_provider_id_alone_must_be_a_mailgun_provider(tmp_path: Path) -> None:
    typo = find(check(tmp_path, hook(targets="[mailgn]")), "unknown provider")
    assert typo.message == (
        "unknown provider 'mailgn' (did you mean 'mailgun'?) (providers: mailgun, postmark); "
        "a target is provider/stream, provider/domain, provider/configuration_set, or a Mailgun "
        "or SendGrid provider id alone for its account-level webhooks"
    )
    assert (typo.line, typo.column, typo.path) == (18, 15, "webhooks.h.targets[0]")
    postmark = find(check(tmp_path, hook(targets="[postmark]")), "not a Mailgun or SendGrid")
    assert postmark.message == (
        "postmark is not a Mailgun or SendGrid provider: its webhooks belong to a message "
        "stream (e.g. postmark/news); only Mailgun and SendGrid have account-level webhooks"
    )
    assert check(tmp_path, hook(targets="[Mailgun]"))  # the schema's pattern refuses it


def test_at_most_three_account_level_urls_per_event(tmp_path: Path) -> None:
    hooks = "webhooks:\n" + "".join(
        f"  h{i}:\n    url: https://h{i}.acme-mail.com/\n    events: [opened]\n"
        "    targets: [mailgun]\n"
        for i in range(4)
    )
    p = find(check(tmp_path, hooks), "at most 3")
    assert p.message == (
        "more than 3 webhook URLs for event 'opened' at mailgun's account level: Mailgun "
        "allows at most 3"
    )


def test_two_entries_sending_to_one_mailgun_url_must_be_merged(tmp_path: Path) -> None:
    extra = """\
webhooks:
  a:
    url: https://hooks.acme-mail.com/in
    events: [delivered]
    targets: [mailgun/mg.acme-mail.com, mailgun]
  b:
    url: https://hooks.acme-mail.com/in
    events: [opened]
    targets: [mailgun]
"""
    problem = find(check(tmp_path, extra), "already sends to this URL")
    assert problem.message == (
        "webhook 'a' already sends to this URL from mailgun; merge the two (Mailgun keys "
        "webhooks by domain (or account level) and URL without its credentials)"
    )
    assert problem.path == "webhooks.b.targets[0]"


def test_protect_may_name_a_provider_alone(tmp_path: Path) -> None:
    assert check(tmp_path, "policy: {protect: [mailgun, postmark/legacy]}\n") == []
    p = find(check(tmp_path, "policy: {protect: [mailgn]}\n"), "unknown provider")
    assert p.path == "policy.protect[0]"


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "espctl.yaml"
    path.write_text(text)
    return path

"""SES config validation: the schema and the rules beyond it, each with its place."""

from __future__ import annotations

from pathlib import Path

from tests.conftest import find, problems_for
from tests.providers.ses.helpers import CONFIG, ENV


def _problems(tmp_path: Path, text: str) -> list:  # type: ignore[type-arg]
    return problems_for(tmp_path, text, env=ENV)


def test_the_issue_example_is_valid(tmp_path: Path) -> None:
    assert _problems(tmp_path, CONFIG) == []


def test_a_region_is_required_and_spelled_like_aws(tmp_path: Path) -> None:
    p = find(_problems(tmp_path, CONFIG.replace("region: eu-west-1", "region: Ireland")), "match")
    assert (p.line, p.path) == (5, "providers.ses.region")
    missing = CONFIG.replace("    region: eu-west-1\n", "")
    assert find(_problems(tmp_path, missing), "region").path == "providers.ses.region"


def test_half_a_key_pair_is_refused(tmp_path: Path) -> None:
    text = CONFIG.replace("    secret_access_key: ${env:AWS_SECRET}\n", "")
    p = find(_problems(tmp_path, text), "needs secret_access_key")
    assert p.message == "access_key_id needs secret_access_key (one key pair)"


def test_profile_and_keys_together_are_refused(tmp_path: Path) -> None:
    text = CONFIG.replace("    region: eu-west-1\n", "    region: eu-west-1\n    profile: prod\n")
    p = find(_problems(tmp_path, text), "either profile or access keys")
    assert p.path == "providers.ses.profile"


def test_a_session_token_needs_keys(tmp_path: Path) -> None:
    text = CONFIG.replace("    access_key_id: ${env:AWS_KEY}\n", "").replace(
        "    secret_access_key: ${env:AWS_SECRET}\n", ""
    )
    assert find(_problems(tmp_path, text), "session_token needs").path == (
        "providers.ses.session_token"
    )


def test_keys_must_come_from_the_environment(tmp_path: Path) -> None:
    for key, value in (("AWS_KEY", "AKIAPLAINTEXT"), ("AWS_TOKEN", "FwoGplain")):
        text = CONFIG.replace("${env:" + key + "}", value)
        p = find(_problems(tmp_path, text), "credentials must come from the environment")
        assert p.message.endswith("write ${env:NAME}, not the value itself")
        assert value not in p.render()


def test_names_identities_and_domains(tmp_path: Path) -> None:
    text = (
        CONFIG.replace("[mail.acme-mail.com]", "[mail.acme-mail.com, not a domain]")
        .replace("      transactional:\n", "      trans actional:\n")
        .replace("click.acme-mail.com", "Click_Domain")
        .replace("targets: [ses/transactional]", "targets: [ses/trans actional]")
    )
    problems = _problems(tmp_path, text)
    assert find(problems, "not a domain (lower-case host name) or an email address").path == (
        "providers.ses.identities[1]"
    )
    assert find(problems, "not a valid configuration set name").line == 11
    assert find(problems, "'Click_Domain' is not a valid domain name").path == (
        "providers.ses.configuration_sets.trans actional.tracking.custom_redirect_domain"
    )


def test_an_unknown_set_as_target_and_an_undeliverable_option(tmp_path: Path) -> None:
    text = CONFIG.replace("targets: [ses/transactional]", "targets: [ses/marketing]")
    assert find(_problems(tmp_path, text), "marketing").path.startswith("webhooks.events.targets")
    bad = CONFIG + "    ses: {rendering_failure: true}\n"
    assert find(_problems(tmp_path, bad), "unknown key").message.startswith(
        "unknown key 'rendering_failure' (did you mean 'rendering_failures'?)"
    )


def test_tls_and_suppression_values(tmp_path: Path) -> None:
    text = CONFIG.replace("tls: require", "tls: always").replace(
        "[bounce, complaint]", "[bounce, spam]"
    )
    problems = _problems(tmp_path, text)
    assert find(problems, "'always' is not one of").message == (
        "'always' is not one of: require, optional"
    )
    assert find(problems, "'spam' is not one of").path == (
        "providers.ses.configuration_sets.transactional.suppression[1]"
    )

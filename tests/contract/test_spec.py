"""The self-check of every provider spec (issue 14), like Terraform's ``InternalValidate``:
a spec is plain data, and these are the promises the rest of espctl relies on."""

from __future__ import annotations

import typing
from datetime import UTC, datetime
from typing import Any

import pytest

from espctl.config import load_config_text
from espctl.engine.desired import desired_state
from espctl.model.common import Event, Frozen, Secret
from espctl.providers import registry
from espctl.providers.kit.connection import Connection
from espctl.providers.kit.spec import ProviderSpec
from espctl.sandbox import SandboxCredentials
from espctl.session import sandbox_default
from tests.contract.harness import CREDENTIALS, HARNESSES

SPECS = registry.specs()
NOW = datetime(2024, 6, 1, tzinfo=UTC)


def _block(spec: ProviderSpec[Any]) -> Any:
    """A minimal valid block: its type, its credentials and, for a type with regions, its
    first region (a region may be required: AWS has no default one)."""
    secrets = {c.key: Secret(f"{spec.type}-{c.key}") for c in spec.credentials}
    region = {"region": spec.regions[0]} if spec.regions else {}
    return spec.config.model_validate({"type": spec.type, **secrets, **region})


@pytest.fixture(params=SPECS, ids=[s.type for s in SPECS])
def spec(request: pytest.FixtureRequest) -> ProviderSpec[Any]:
    found: ProviderSpec[Any] = request.param
    return found


def test_the_registry_knows_each_type_once_and_refuses_others() -> None:
    assert [s.type for s in SPECS] == list(registry.TYPES)
    assert not set(registry.PLANNED) & set(registry.TYPES)
    with pytest.raises(registry.UnknownProviderType, match="unknown provider type 'nope'"):
        registry.spec("nope")


def test_identity(spec: ProviderSpec[Any]) -> None:
    assert spec.label and spec.account_noun
    field = spec.config.model_fields["type"]
    assert typing.get_args(field.annotation) == (spec.type,)  # the block's discriminator


def test_credentials_are_secret_fields_of_the_block(spec: ProviderSpec[Any]) -> None:
    assert spec.credentials, "a provider without credentials"
    fields = spec.config.model_fields
    for credential in spec.credentials:
        assert credential.key in fields, credential.key
        assert "Secret" in str(fields[credential.key].annotation), credential.key
        assert fields[credential.key].is_required() == credential.required, credential.key
        assert credential.label and credential.purpose
        # the sandbox accepts the credential by (type, key) (the session relies on it)
        assert isinstance(CREDENTIALS.get(spec.type, credential.key), str)
    # and checks no credential the block does not hold
    assert set(CREDENTIALS.values[spec.type]) == {c.key for c in spec.credentials}


@pytest.mark.parametrize("spec", registry.specs(), ids=registry.TYPES)
def test_the_plain_info_says_what_the_spec_does(spec: ProviderSpec[Any]) -> None:
    """The help texts' words for a type (its ``info`` module, read without loading the
    spec; the spec takes its label from it) name every credential variable
    ``import --type`` reads and the default region first."""
    info = registry.info(spec.type)
    for credential in spec.credentials:
        assert f"{spec.type}_{credential.key}".upper() in info.import_credentials
    if spec.regions is None:
        assert info.regions == ""
    else:
        assert info.regions.startswith(f"{spec.regions[0]} (default)")
        if len(spec.regions) <= 3:  # a short closed list is named whole
            assert all(r in info.regions for r in spec.regions)


def test_credential_keys_and_variables_are_unique_across_providers() -> None:
    """The session finds the sandbox's value of a missing variable by (block type,
    credential key), so two providers may share a key (SendGrid's and Mailgun's
    ``api_key``) but never a (type, key) pair; the documented variables
    (``SENDGRID_API_KEY``, ``MAILGUN_API_KEY``) must not collide either."""
    pairs = [(s.type, c.key) for s in SPECS for c in s.credentials]
    names = [s.env_name(c.key) for s in SPECS for c in s.credentials]
    assert len(pairs) == len(set(pairs))
    assert len(names) == len(set(names))
    accepted = SandboxCredentials()
    for provider_type, row in accepted.values.items():
        for key, value in row.items():
            assert sandbox_default(provider_type, key) == value, (provider_type, key)


def test_a_shared_credential_key_gets_each_providers_sandbox_value() -> None:
    """Two blocks holding ``api_key`` get their own type's sandbox value under --sandbox,
    also when an override file leaves the block's ``type`` out; with no type known
    anywhere, an ambiguous key gets none (the variable is then reported unset)."""
    owners_of: dict[str, list[str]] = {}
    for spec in SPECS:
        for credential in spec.credentials:
            owners_of.setdefault(credential.key, []).append(spec.type)
    shared = {key: owners for key, owners in owners_of.items() if len(owners) > 1}
    assert shared, "no two providers share a credential key: this test cannot fail"
    for key, owners in shared.items():
        values = {sandbox_default(owner, key) for owner in owners}
        assert len(values) == len(owners), key  # each its own
        assert sandbox_default(None, key) is None


def test_events_map_both_ways(spec: ProviderSpec[Any]) -> None:
    native = spec.events.native
    assert native and set(native) <= set(Event)
    assert len(set(native.values())) == len(native), "two events share a native name"
    assert {spec.events.normalized[name] for name in native.values()} == set(native)
    for sub_type, restriction in spec.events.restricted.items():
        assert sub_type and restriction.what and restriction.why
        assert restriction.events and restriction.events <= set(native), sub_type


def test_resource_kinds_are_consistent(spec: ProviderSpec[Any]) -> None:
    names = [k.name for k in spec.kinds]
    assert len(names) == len(set(names))
    for kind in spec.kinds:
        assert kind.name.startswith(f"{spec.type}."), kind.name  # registry.resource_kind
        assert registry.resource_kind(kind.name) is kind
        assert kind.parent is None or kind.parent in names, kind.name
        assert not kind.immutable & kind.sensitive, kind.name
        if kind.immutable:
            assert kind.create, f"{kind.name}: immutable fields of a kind never created"
        if kind.permanent:
            assert kind.delete and kind.unmanaged, f"{kind.name}: permanent but never pruned"
        if kind.delete_note:
            assert kind.delete, kind.name
    assert spec.targets.kind is None or spec.targets.kind in names
    if spec.limits is not None:
        assert any(k.limited for k in spec.kinds)
    assert (spec.releases is None) == (spec.limits is None)


def test_the_client_reports_the_capabilities_of_the_spec(spec: ProviderSpec[Any]) -> None:
    client = spec.client(spec.type, _block(spec), Connection())
    assert client.type == spec.type
    ours, theirs = spec.capabilities, client.capabilities
    for name in ("creatable", "deletable", "unmanaged", "immutable", "permanent", "limited"):
        assert getattr(theirs, name) == getattr(ours, name), name
    assert (theirs.limits is None) == (ours.limits is None)
    assert (theirs.releases is None) == (ours.releases is None)


def test_desired_resources_keep_to_their_kinds(spec: ProviderSpec[Any]) -> None:
    """What the harness config declares becomes resources of declared kinds, carrying
    their immutable fields and no sensitive field the kind does not declare."""
    harness = HARNESSES[spec.type]
    text = harness.config("http://127.0.0.1:9")
    text = text.replace(
        "    url: https://hooks.example.com/contract\n",
        "    url: https://hooks.example.com/contract\n"
        '    basic_auth: {username: u, password: "${env:HOOK_PASSWORD}"}\n',
    )
    env = {**harness.env, "HOOK_PASSWORD": "p4ss"}
    loaded = load_config_text(text, "contract.yaml", env=env)
    resources = desired_state(loaded.config)[spec.type]
    assert resources
    for resource in resources:
        kind = spec.kind(resource.kind)
        assert kind is not None, resource.kind
        assert kind.immutable <= set(resource.fields), resource.kind
        assert resource.sensitive <= kind.sensitive, resource.kind
    assert any(r.sensitive for r in resources), "basic auth is sensitive"


def test_targets_and_webhook_traits(spec: ProviderSpec[Any]) -> None:
    form = spec.targets
    assert form.key and form.noun
    if form.kind is None:
        # no sub-targets (SendGrid: account-wide settings): the provider id alone is the
        # target, for routing and webhooks, and no name after a slash is an example
        assert form.routes_to_account and form.account and not form.example
    else:
        assert form.example
    assert form.names(_block(spec)) == ()  # a block that declares none
    traits = spec.webhooks
    assert traits.keyed_by
    assert traits.max_headers is None or traits.max_headers > 0
    assert traits.max_urls is None or traits.max_urls > 0
    if traits.options is not None:
        assert issubclass(traits.options, Frozen)
        assert traits.options()  # every option has a default
        assert traits.options_description
    if spec.regions is not None:
        assert "region" in spec.config.model_fields


def test_samples_parse_back_to_their_event(spec: ProviderSpec[Any]) -> None:
    """``espctl test --webhooks`` posts what the provider's own parser reads back."""
    block = _block(spec)
    for event in spec.events.native:
        sample = spec.sample(event, spec.targets.example, block, NOW, None)
        assert sample.record
        parsed = spec.parse_webhook(sample.payload)
        assert len(parsed) == 1, event
        assert parsed[0].provider == spec.type
        # the normalized record's finer vocabulary (ANALYTICS.md): a message the provider
        # accepted is queued, one it refused to send at all is rejected
        expected = {Event.accepted: "queued", Event.dropped: "rejected"}.get(event, event.value)
        assert parsed[0].event_type.value == expected, event


def test_the_rest_of_the_spec_answers_for_a_minimal_block(spec: ProviderSpec[Any]) -> None:
    block = _block(spec)
    endpoint, region = spec.where(block)
    assert endpoint.startswith("https://")
    assert (region is None) == (spec.regions is None)
    assert spec.report_buckets(block) == ()
    assert isinstance(spec.sandbox_account(block), tuple)
    assert spec.receiver.retries
    assert spec.summary.bucket_label

"""``espctl import``: write the config of what is live, so that the first plan is empty.

The import reads each named provider through the provider protocol (the same ``read``
that ``plan`` uses, so "equal" means what the plan means by it), maps every live
resource back to config, renders deterministic YAML with comments, and then *proves*
the result: it loads its own text with the real config loader, computes
:func:`~espctl.engine.desired.desired_state` and compares it resource by resource with
the live read. A difference is a bug and fails the import (nothing is written).

Decisions (the issue left them to us):

- **What is imported.** Postmark: server tracking, every non-inbound, non-archived
  message stream, every webhook on those streams. Mailgun: *every* domain of the
  account's region, including ``disabled`` ones and Mailgun's ``sandbox*.mailgun.org``
  test domain (each gets a comment saying so). Leaving them out would make the first plan
  list them as unmanaged and leave their webhooks unread; declaring them changes nothing
  at Mailgun (domains are never created or deleted by espctl) and a user can delete the
  lines. Their state shows up as a failed check in ``plan``, which is the honest report.
- **Webhooks.** Live webhooks are turned into *items* (target, URL, basic auth, headers,
  Postmark options, events): a Postmark webhook is one item; a Mailgun webhook URL (of a
  domain, or at account level, whose target is the provider id alone) is one item with
  its events. Items equal in everything but target become one entry with the union of
  targets, so an entry's events hold for all of its targets and every live Mailgun URL
  and every Postmark (stream, URL) webhook comes back exactly. Entry names come from the
  URL path (``/esp/events`` -> ``esp-events``; the host is added when two URLs share a
  path; a URL with several entries gets ``-2``, ``-3``... in target order).
- **Secrets.** Credentials become ``${env:NAME}`` (the config's own names when a config
  is used; ``POSTMARK_SERVER_TOKEN``, ``POSTMARK_ACCOUNT_TOKEN``, ``MAILGUN_API_KEY``
  otherwise, prefixed by the provider id when it is not the type name). Basic-auth
  passwords become ``${env:ESPCTL_HOOK_<ENTRY>_PASSWORD}``, one variable per distinct
  (URL, user, password), named after the first entry that uses it. The values never
  leave memory; :attr:`ImportResult.env` lists the names to set.
- **Mailgun tracking.** For each tracking key (opens, clicks, unsubscribe, html and text
  footers) the most common value across domains goes into ``defaults.tracking`` (ties:
  the value of the alphabetically first domain) and a domain lists only the keys that
  differ, which :func:`espctl.providers.mailgun.resources.merged_tracking` merges back key by key. A
  key that some domain cannot express (a footer holding ``${``, which the loader would
  read as a reference) is not lifted; that domain leaves it unmanaged, with a warning.
- **Not expressible** (a warning each, one line, never a secret; the resource stays
  unmanaged so the plan changes nothing): Postmark legacy ``*HookUrl`` server fields and
  their options, inbound server options, archived streams, webhooks on the inbound or
  archived streams, webhooks without triggers, mixed IncludeContent, duplicate
  (stream, URL) webhooks, stream unsubscribe handling other than Postmark's default for
  its type; Mailgun ``web_scheme: http``, ``place_at_the_top``, unknown webhook events;
  anywhere: a URL the config language refuses (plain http to a non-local host, URL
  credentials) or a string containing ``${``. A Mailgun URL is imported with all its
  events or not at all; one left out stays another integration's (unmanaged, kept).

The package, by concern: each provider's client reads everything live
(``Provider.snapshot``) and each provider's importer
(:attr:`~espctl.providers.kit.spec.ProviderSpec.importer`, in its package) maps it to a
provider block and webhook items on the :class:`~espctl.providers.kit.importing.ImportDoc`;
:mod:`.webhooks` groups the items into named entries; :mod:`.yaml_writer` writes the
text; :mod:`.round_trip` proves it; :mod:`.document` holds what they share. This module
is the entry point, :func:`import_providers`, and re-exports the public names.

Layering: this package imports errors, model, config, providers and engine, never the
sandbox; the ``--sandbox`` wiring is the command's (through :mod:`espctl.api`).
"""

from __future__ import annotations

import asyncio
import dataclasses
import textwrap
from collections.abc import Mapping, Sequence
from typing import Any

from espctl.engine.refresh import raise_in_order
from espctl.importer.document import (
    MODELINE,
    SCHEMA_REF,
    ImportFailed,
    ImportResult,
    Notify,
    _quiet,
    provider_source,
    with_references,
)
from espctl.importer.round_trip import verify
from espctl.importer.webhooks import (
    KnownWebhook,
    _entries,
    _url_names,
    _webhook_spec,
    known_webhooks,
)
from espctl.importer.yaml_writer import _scalar, render
from espctl.model.targets import Targets
from espctl.providers import registry
from espctl.providers.kit.importing import EnvVar, ImportDoc, ProviderSource, default_env_name
from espctl.providers.kit.protocol import Provider, Snapshot

__all__ = [
    "MODELINE",
    "SCHEMA_REF",
    "EnvVar",
    "ImportFailed",
    "ImportResult",
    "KnownWebhook",
    "ProviderSource",
    "_scalar",
    "_url_names",
    "default_env_name",
    "import_providers",
    "known_webhooks",
    "provider_source",
    "render",
    "verify",
]


async def import_providers(
    providers: Mapping[str, Provider],
    sources: Sequence[ProviderSource],
    *,
    notify: Notify = _quiet,
    schema_ref: str = SCHEMA_REF,
    references: Mapping[str, str] | None = None,
    known: Sequence[KnownWebhook] = (),
    targets: Targets | None = None,
) -> ImportResult:
    """Read the named providers and return the config that declares what is live.

    With ``targets`` (``import --target ID/KEY``) only the targeted resources are
    declared (a stream with its webhooks, a domain with its tracking and webhooks).

    ``providers`` maps provider ids to clients (e.g. from :func:`espctl.api.providers_for`);
    only the ids in ``sources`` are read. The result's text has been loaded with the
    real config loader and its desired state checked equal to the live read, resource by
    resource; a difference raises :class:`ImportFailed` (a bug: please report it).
    ``references`` (value -> variable, :attr:`LoadedConfig.env_values`) are the config's
    values from the environment: found live, they are written as ``${env:NAME}``.
    ``known`` (:func:`known_webhooks` of an existing config) keeps that config's
    webhook names and basic-auth password variables for the same webhooks.
    """
    if not sources:
        raise ImportFailed("name at least one provider to import (--provider ID)")
    missing = [s.provider_id for s in sources if s.provider_id not in providers]
    if missing:
        raise ImportFailed(f"no provider client for: {', '.join(missing)}")
    ordered = sorted(sources, key=lambda s: s.provider_id)
    notify(f"reading live state from {', '.join(s.provider_id for s in ordered)}...")
    results = await asyncio.gather(
        *(providers[s.provider_id].snapshot() for s in ordered),
        return_exceptions=True,
    )
    raise_in_order(results)  # one line per failing provider, in provider-id order
    snapshots = [r for r in results if not isinstance(r, BaseException)]
    if targets is not None and not targets.everything:
        snapshots = [_narrowed(snap, targets) for snap in snapshots]
        found = [r for snap in snapshots for r in snap.live.resources]
        for pid, key in targets.resources:
            if not any(Targets.covers_one(pid, key, r) for r in found):
                raise ImportFailed(f"--target {pid}/{key}: nothing live at {pid} has that key")
    doc = ImportDoc(references=dict(references or {}), known=tuple(known))
    blocks: dict[str, Any] = {}
    for source, snap in zip(ordered, snapshots, strict=True):
        importer = registry.spec(source.block.type).importer
        blocks[source.provider_id] = importer(doc, source, snap)
    entries = _entries(doc)
    data: dict[str, Any] = {"version": 1, "providers": blocks}
    if entries:
        data["webhooks"] = {e.name: _webhook_spec(e) for e in entries}
    doc.data = with_references(data, doc.references, doc)
    doc.counts["webhooks"] = len(entries)
    text = render(doc.data, doc.comments, _header(ordered, doc, schema_ref))
    live = {s.provider_id: snap.live for s, snap in zip(ordered, snapshots, strict=True)}
    config = verify(text, doc, entries, live)
    credentials = {name for s in ordered for name in s.credentials.values()}
    env = tuple(sorted(doc.env.values(), key=lambda v: (v.name not in credentials, v.name)))
    return ImportResult(text, tuple(doc.warnings), env, dict(doc.counts), config)


def _narrowed(snap: Snapshot, targets: Targets) -> Snapshot:
    """A snapshot with only the targeted live resources (and their provider's checks)."""
    live = snap.live
    kept = tuple(r for r in live.resources if targets.covers(r))
    return dataclasses.replace(snap, live=dataclasses.replace(live, resources=kept))


def _header(sources: Sequence[ProviderSource], doc: ImportDoc, schema_ref: str) -> list[str]:
    described = []
    for s in sources:
        spec = registry.spec(s.block.type)
        described.append(f"{s.provider_id} ({spec.label} {spec.account_noun})")
    lines = [
        f"{MODELINE}{schema_ref}",
        "#",
        *(
            f"# {line}"
            for line in textwrap.wrap(
                f"Written by `espctl import` from the live settings of {', '.join(described)}."
                " With the variables below set (webhook passwords to their current values),"
                " `espctl plan` shows no changes. Routing and policy are yours to add.",
                86,
            )
        ),
        "#",
        "# Credentials, webhook secrets and values taken from the environment:",
    ]
    lines.extend(f"#   {line}" for line in textwrap.wrap(", ".join(sorted(doc.env)), 84))
    return lines

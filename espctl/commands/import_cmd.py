"""``espctl import``: write the config of what is live at one or more providers.

The command resolves credentials (from the config, or from ``--type`` plus environment
variables), reaches the providers through :func:`espctl.api.load` and
:func:`espctl.api.providers_for` (so ``--sandbox`` works exactly as for ``plan``), and
hands the clients to :func:`espctl.importer.import_providers`. :func:`import_live` is
the library-level entry point (the one an ``api.import_`` would be).

"""

from __future__ import annotations

import functools
import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import click

from espctl import __version__
from espctl.commands.common import (
    config_option,
    echo,
    handle_errors,
    notify,
    parallelism_option,
    sandbox_option,
)
from espctl.commands.lazy import LazyHelpOption
from espctl.commands.limits import limit_options, run_options
from espctl.commands.targeting import target_option

if TYPE_CHECKING:  # the importer (asyncio, the providers) is imported when import runs
    from espctl import api
    from espctl.importer import ImportResult
    from espctl.model.targets import Targets
    from espctl.providers.kit.protocol import Provider


class ProviderTypes(click.Choice):  # type: ignore[type-arg]
    """``--type``'s choices: the registry's provider types, looked up when first needed
    (parsing, help, completion), so registering the command imports no provider
    registry (start-up, README "Benchmarks")."""

    def __init__(self) -> None:
        super().__init__((), case_sensitive=True)

    @property
    def choices(self) -> tuple[str, ...]:
        from espctl.providers import registry

        return registry.TYPES

    @choices.setter
    def choices(self, value: object) -> None:
        """click.Choice's constructor sets its choices: the registry's are used instead."""


SCHEMA_FILES = (Path("espctl.schema.json"), Path("schemas") / "espctl.schema.json")
#: the schema of this release, for an installed espctl with no schema file nearby
SCHEMA_URL = (
    f"https://raw.githubusercontent.com/espctl/espctl/v{__version__}/schemas/espctl.schema.json"
)


# -- library entry point -------------------------------------------------------------------


def _per_provider(
    option: str, provider_ids: Sequence[str], values: Sequence[str]
) -> dict[str, str] | None:
    """An option given once for all providers, or once per provider in order."""
    from espctl.importer import ImportFailed

    if not values:
        return None
    if len(values) == 1:
        return dict.fromkeys(provider_ids, values[0])
    if len(values) != len(provider_ids):
        raise ImportFailed(
            f"{option} was given {len(values)} times for {len(provider_ids)} providers: give "
            f"it once (for every provider) or once per --provider, in the same order"
        )
    return dict(zip(provider_ids, values, strict=True))


def provider_types(provider_ids: Sequence[str], types: Sequence[str]) -> dict[str, str] | None:
    """``--type`` per provider: one type for all, one per provider in order, or None."""
    return _per_provider("--type", provider_ids, types)


def type_env_name(types: Mapping[str, str], provider_id: str, key: str) -> str:
    """The variable ``import --type`` reads a credential from: the documented name
    (``POSTMARK_SERVER_TOKEN``, ``POSTMARK_ACCOUNT_TOKEN``, ``MAILGUN_API_KEY``) when the
    import has one provider of that type, else prefixed by the provider id
    (``MG_EU_MAILGUN_API_KEY``), so that two accounts of one type can be told apart."""
    from espctl.importer import default_env_name

    ptype = types[provider_id]
    if sum(1 for t in types.values() if t == ptype) == 1:
        return f"{ptype}_{key}".upper()
    return default_env_name(provider_id, ptype, key)


def synthetic_config(
    types: Mapping[str, str],
    region: str | None,
    env: Mapping[str, str],
    endpoints: Mapping[str, str] | None = None,
) -> str:
    """A config declaring only credentials, for accounts no config file describes yet.

    Variables as :func:`type_env_name` names them (``POSTMARK_ACCOUNT_TOKEN`` only when
    it is set: an optional credential); ``region`` for a type that has regions (None:
    the type's first region); ``endpoints`` per provider id, if any.
    """
    import json

    from espctl.providers import registry

    lines = ["version: 1", "providers:"]
    for pid, ptype in types.items():
        lines += [f"  {pid}:", f"    type: {ptype}"]
        endpoint = (endpoints or {}).get(pid)
        if endpoint:
            lines.append(f"    endpoint: {json.dumps(endpoint)}")
        spec = registry.spec(ptype)
        for credential in spec.credentials:
            name = type_env_name(types, pid, credential.key)
            if credential.required or env.get(name):
                lines.append(f'    {credential.key}: "${{env:{name}}}"')
        if spec.regions is not None:
            lines.append(f"    region: {json.dumps(region or spec.regions[0])}")
    return "\n".join(lines) + "\n"


def check_region(types: Mapping[str, str], region: str | None) -> None:
    """``region`` is one of each chosen type's that has regions (its config's own
    validation: a closed list, or a pattern where the provider adds regions), or one
    error saying what the type takes."""
    from pydantic import TypeAdapter, ValidationError

    from espctl.importer import ImportFailed
    from espctl.providers import registry

    if region is None:
        return
    for ptype in dict.fromkeys(types.values()):
        spec = registry.spec(ptype)
        if spec.regions is None:
            continue
        field = spec.config.model_fields["region"]
        try:
            # the field's own type and constraints (an enum, a pattern), built at run time
            kind: Any = field.annotation
            if field.metadata:
                kind = Annotated[kind, *field.metadata]
            adapter: TypeAdapter[object] = TypeAdapter(kind)
            adapter.validate_python(region)
        except ValidationError as exc:
            examples = ", ".join(spec.regions[:4]) + (", ..." if len(spec.regions) > 4 else "")
            raise ImportFailed(
                f"--region {region!r} is not a region of {spec.label} (e.g. {examples})"
            ) from exc


def _check_type_env(types: Mapping[str, str], env: Mapping[str, str]) -> None:
    """Every credential ``import --type`` needs is set, or one error naming them all."""
    from espctl.importer import ImportFailed
    from espctl.providers import registry

    problems = []
    for pid, ptype in types.items():
        for key in (c.key for c in registry.spec(ptype).credentials if c.required):
            name = type_env_name(types, pid, key)
            value = env.get(name)
            if not value:
                state = "is empty" if value == "" else "is not set"
                problems.append(
                    f"{name} {state}: import --type {ptype} reads the {key.replace('_', ' ')} "
                    f"of {pid} from it"
                )
    if problems:
        raise ImportFailed("; ".join(problems))


def schema_ref_for(directory: Path) -> str:
    """The modeline's schema: ``espctl.schema.json`` or ``schemas/espctl.schema.json``
    found in ``directory`` or an ancestor (a project that keeps one, a clone of espctl),
    relative to ``directory``; else this release's schema on GitHub (or write one next
    to the config with ``espctl schema > espctl.schema.json``)."""
    here = directory.resolve()
    for folder in (here, *here.parents):
        for name in SCHEMA_FILES:
            if (folder / name).is_file():
                rel = os.path.relpath(folder / name, here)
                return rel if rel.startswith(".") else f"./{rel}"
    return SCHEMA_URL


def import_live(
    options: api.RunOptions,
    provider_ids: Sequence[str],
    *,
    types: Sequence[str] = (),
    region: str | None = None,
    schema_ref: str | None = None,
    endpoints: Sequence[str] = (),
) -> ImportResult:
    """Import the named providers' live settings (see :mod:`espctl.importer`).

    Without ``types`` every provider must be declared in ``options.config`` (its
    credentials and region come from there, and its webhook names and password
    variables are kept). With ``types`` (or when the config file does not exist and the
    ids are ``postmark``/``mailgun``) the providers are described by
    :func:`synthetic_config` (credentials from the documented variables, ``endpoints``
    per provider) and no config file is read. ``schema_ref``: the schema the output's
    modeline names (default ``./schemas/espctl.schema.json``).
    """
    from dataclasses import replace

    from espctl.config.load import config_files
    from espctl.importer import SCHEMA_REF, ImportFailed
    from espctl.providers import registry

    schema_ref = SCHEMA_REF if schema_ref is None else schema_ref
    ids = list(dict.fromkeys(provider_ids))
    if not ids:
        raise ImportFailed("name at least one provider to import (--provider ID)")
    chosen = provider_types(ids, types)
    files = config_files(options.config)
    if chosen is None and not all(Path(f).exists() for f in files):
        unknown = [pid for pid in ids if pid not in registry.TYPES]
        if unknown:
            raise ImportFailed(
                f"no config file {' + '.join(files)}: name the type of {', '.join(unknown)} "
                f"with --type {'|'.join(registry.TYPES)} (credentials then come from "
                "environment variables)"
            )
        chosen = {pid: pid for pid in ids}
    if chosen is None:
        if endpoints:
            raise ImportFailed(
                "--endpoint goes with --type: a provider the config declares takes its "
                "endpoint from the config"
            )
        return _import_with(options, ids, schema_ref)
    env = os.environ if options.env is None else options.env
    check_region(chosen, region)
    if not options.sandbox:
        _check_type_env(chosen, env)
    text = synthetic_config(chosen, region, env, _per_provider("--endpoint", ids, endpoints))
    label = " ".join(f"--type {t}" for t in dict.fromkeys(chosen.values()))
    described = replace(options, config=f"({label})", config_text=text)
    return _import_with(described, ids, schema_ref, existing=False)


def _import_targets(given: Targets, ids: Sequence[str]) -> Targets:
    """What import declares: each ``--provider`` whole, or only its ``--target`` keys."""
    from espctl.importer import ImportFailed
    from espctl.model.targets import Targets

    stray = [f"{p}/{k}" for p, k in given.resources if p not in ids]
    if stray:
        raise ImportFailed(
            f"--target {', '.join(stray)}: not a provider being imported (--provider "
            f"{' --provider '.join(ids)})"
        )
    targeted = {p for p, _ in given.resources}
    return Targets(tuple(p for p in ids if p not in targeted), given.resources)


def _import_with(
    options: api.RunOptions, ids: Sequence[str], schema_ref: str, *, existing: bool = True
) -> ImportResult:
    import asyncio
    from dataclasses import replace

    from espctl import api
    from espctl.importer import ImportFailed, import_providers, known_webhooks, provider_source
    from espctl.providers import registry

    loaded = api.load(options)
    declared = loaded.config.providers
    missing = [pid for pid in ids if pid not in declared]
    if missing:
        raise ImportFailed(
            f"{', '.join(missing)} not declared in {loaded.path} (declared: "
            f"{', '.join(sorted(declared)) or 'none'}); to import an account the config does "
            f"not describe, pass --type {'|'.join(registry.TYPES)}"
        )
    sources = [provider_source(pid, declared[pid]) for pid in ids]
    targets = _import_targets(options.targets, ids)
    options = replace(options, targets=targets)
    with api.providers_for(loaded, options) as providers:

        async def run() -> ImportResult:
            try:
                return await import_providers(
                    providers,
                    sources,
                    notify=options.notify,
                    schema_ref=schema_ref,
                    references=loaded.env_values,  # written back as ${env:NAME}
                    # the config's webhook names and password variables are kept
                    known=known_webhooks(loaded.config) if existing else (),
                    targets=targets,
                )
            finally:
                await _close(providers)

        return asyncio.run(run())


async def _close(providers: Mapping[str, Provider]) -> None:
    import asyncio

    await asyncio.gather(*(p.aclose() for p in providers.values()))


def write_output(text: str, out: str, *, force: bool) -> Path:
    """Write ``text`` to ``out`` atomically; refuse to replace a file unless ``force``.

    :func:`espctl.files.write_atomic` does the writing: a symbolic link at ``out`` is
    refused even with ``force``.
    """
    from espctl.files import write_atomic
    from espctl.importer import ImportFailed

    path = Path(out)
    if os.path.lexists(path) and not force:
        raise ImportFailed(f"{path} exists; pass --force to overwrite it")
    try:
        write_atomic(path, text)
    except OSError as exc:
        raise ImportFailed(f"cannot write {path}: {exc.strerror}") from exc
    return path


def _type_help() -> str:
    """``--type``'s help: the variables each registered type reads."""
    from espctl.providers import registry

    credentials = "; ".join(
        f"{info.label}: {info.import_credentials}" for info in map(registry.info, registry.TYPES)
    )
    return (
        "Import an account the config does not describe: once for all providers, or once "
        f"per --provider in order. Credentials come from the environment ({credentials}), "
        "each variable prefixed by the provider id (e.g. EU_ for --provider eu) when two "
        "providers share a type."
    )


def _region_help() -> str:
    """``--region``'s help: the regions of each registered type that has regions."""
    from espctl.providers import registry

    regions = "; ".join(
        f"{info.label} {info.regions}"
        for info in map(registry.info, registry.TYPES)
        if info.regions
    )
    return f"Region of the account, with --type ({regions})."


# -- the click command ----------------------------------------------------------------------


@click.command("import")
@click.option(
    "--provider",
    "provider_ids",
    multiple=True,
    required=True,
    metavar="ID",
    help="Provider id to import (repeatable).",
)
@config_option
@click.option(
    "--type",
    "types",
    multiple=True,
    type=ProviderTypes(),
    cls=LazyHelpOption,
    help_text=_type_help,
)
@click.option(
    "--region",
    metavar="REGION",
    cls=LazyHelpOption,
    help_text=_region_help,
)
@click.option(
    "--endpoint",
    "endpoints",
    multiple=True,
    metavar="URL",
    help="API base URL, with --type (e.g. an `espctl sandbox serve` address: it prints each "
    "provider's base URL): once for all providers or once per --provider.",
)
@click.option(
    "--out",
    type=click.Path(dir_okay=False),
    help="Write the YAML here (default: stdout).",
)
@click.option("--force", is_flag=True, help="Overwrite --out if it exists.")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["text", "json"]),
    default="text",
    show_default=True,
    help="json: one object on stdout: what was written (or the YAML itself without --out), "
    "the variables to set, warnings and counts.",
)
@functools.partial(
    target_option,
    text="Import only this resource of a --provider and what it holds: PROVIDER_ID/KEY (a "
    "domain with its tracking and webhooks, a stream with its webhooks); repeatable. "
    "Default: everything.",
)
@parallelism_option
@limit_options()
@sandbox_option
@handle_errors
def import_cmd(
    provider_ids: tuple[str, ...],
    config: tuple[str, ...],
    types: tuple[str, ...],
    region: str | None,
    endpoints: tuple[str, ...],
    out: str | None,
    force: bool,
    fmt: str,
    parallelism: int,
    sandbox: bool,
) -> None:
    """Write YAML declaring what is live at the named providers (adopt an account).

    Each provider's managed settings (tracking, message streams, domains, configuration
    sets, as its type has them) and webhooks (normalized events, one entry per URL and
    event set across targets; per-domain values common to every domain lifted into
    defaults). The output is checked to load and to equal the live state before it is
    written, so `espctl plan` shows no changes.

    Credentials come from the -c config (whose provider ids, webhook names and
    password variables the output keeps), or with --type from environment variables.
    Secrets never appear: credentials and webhook basic-auth passwords are written as
    ${env:NAME}, and the variables to set are listed on stderr. Set each
    ESPCTL_HOOK_..._PASSWORD to the webhook's current password: plan compares it, so a
    different value shows as a (sensitive) change. Settings espctl cannot express are
    listed on stderr as warnings. Exit 0 on success, 1 on error (nothing written).
    """
    import json

    from espctl.importer import ImportFailed
    from espctl.model.text import plural

    if out and os.path.lexists(out) and not force:
        raise ImportFailed(f"{out} exists; pass --force to overwrite it")
    options = run_options(config, sandbox, parallelism)
    where = Path(out).parent if out else Path.cwd()
    result = import_live(
        options,
        provider_ids,
        types=types,
        region=region,
        schema_ref=schema_ref_for(where),
        endpoints=endpoints,
    )
    imported = ", ".join(sorted(dict.fromkeys(provider_ids)))
    counts = ", ".join(
        plural(n, _SINGULAR.get(what, what), what) for what, n in sorted(result.counts.items())
    )
    path = write_output(result.text, out, force=force) if out else None
    if fmt == "json":
        echo(json.dumps(import_json(result, provider_ids, path), indent=2))
        return
    for warning in result.warnings:
        notify(f"warning: {warning}")
    if path is not None:
        notify(f"imported {imported}: {counts}; wrote {path}")
    else:
        echo(result.text, nl=False)
        notify(f"imported {imported}: {counts}")
    if result.env:
        notify("set these environment variables before `espctl plan` (values never written):")
        width = max(len(v.name) for v in result.env)
        for var in result.env:
            notify(f"  {var.name.ljust(width)}  {var.purpose}")
    if sandbox:
        notify(
            "--sandbox: unset credentials resolve to the sandbox's own; set the webhook "
            "passwords to the sandbox's current values for an empty plan"
        )


_SINGULAR = {"domains": "domain", "message streams": "message stream", "webhooks": "webhook"}


def import_json(
    result: ImportResult, provider_ids: Sequence[str], path: Path | None
) -> dict[str, object]:
    """``import --format json``: what was written, the variables to set, warnings."""
    return {
        "format": "espctl-import/1",
        "providers": sorted(dict.fromkeys(provider_ids)),
        "written": str(path) if path is not None else None,
        "yaml": result.text if path is None else None,
        "counts": dict(sorted(result.counts.items())),
        "variables": [{"name": v.name, "purpose": v.purpose} for v in result.env],
        "warnings": list(result.warnings),
    }

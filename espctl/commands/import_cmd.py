"""``espctl import``: write the config of what is live at one or more providers.

The command resolves credentials (from the config, or from ``--type`` plus environment
variables), reaches the providers through :func:`espctl.api.load` and
:func:`espctl.api.providers_for` (so ``--sandbox`` works exactly as for ``plan``), and
hands the clients to :func:`espctl.importer.import_providers`. :func:`import_live` is
the library-level entry point (the one an ``api.import_`` would be).

The two click helpers are re-declared here rather than imported from ``espctl.cli``,
which registers this command (an import cycle otherwise).
"""

from __future__ import annotations

import asyncio
import os
import tempfile
from collections.abc import Mapping, Sequence
from pathlib import Path

import click

from espctl import api
from espctl.commands.common import (
    echo,
    handle_errors,
    notify,
    parallelism_option,
    sandbox_option,
)
from espctl.commands.limits import limit_options, run_options
from espctl.files import write_atomic
from espctl.importer import (
    SCHEMA_REF,
    ImportFailed,
    ImportResult,
    ProviderSource,
    default_env_name,
    import_providers,
)
from espctl.providers.base import Provider

PROVIDER_TYPES = ("postmark", "mailgun")
SCHEMA_FILE = Path("schemas") / "espctl.schema.json"


# -- library entry point -------------------------------------------------------------------


def provider_types(provider_ids: Sequence[str], types: Sequence[str]) -> dict[str, str] | None:
    """``--type`` per provider: one type for all, one per provider in order, or None."""
    if not types:
        return None
    if len(types) == 1:
        return dict.fromkeys(provider_ids, types[0])
    if len(types) != len(provider_ids):
        raise ImportFailed(
            f"--type was given {len(types)} times for {len(provider_ids)} providers: give it "
            "once (all providers of one type) or once per --provider, in the same order"
        )
    return dict(zip(provider_ids, types, strict=True))


def synthetic_config(types: Mapping[str, str], region: str, env: Mapping[str, str]) -> str:
    """A config declaring only credentials, for accounts no config file describes yet.

    Variables: ``POSTMARK_SERVER_TOKEN`` (and ``POSTMARK_ACCOUNT_TOKEN`` when it is set),
    ``MAILGUN_API_KEY`` with ``region``; prefixed by the provider id when the id is not
    the type name (``MAILGUN_US_MAILGUN_API_KEY`` for provider ``mailgun-us``).
    """
    lines = ["version: 1", "providers:"]
    for pid, ptype in types.items():
        lines += [f"  {pid}:", f"    type: {ptype}"]
        if ptype == "postmark":
            server = default_env_name(pid, ptype, "server_token")
            account = default_env_name(pid, ptype, "account_token")
            lines.append(f'    server_token: "${{env:{server}}}"')
            if env.get(account):
                lines.append(f'    account_token: "${{env:{account}}}"')
        else:
            key = default_env_name(pid, ptype, "api_key")
            lines += [f'    api_key: "${{env:{key}}}"', f"    region: {region}"]
    return "\n".join(lines) + "\n"


def schema_ref_for(directory: Path) -> str:
    """The modeline's schema path: ``schemas/espctl.schema.json`` found in ``directory`` or
    an ancestor (a clone of espctl or a project that keeps it), relative to ``directory``;
    else ``./schemas/espctl.schema.json`` (write it with ``espctl schema``)."""
    here = directory.resolve()
    for folder in (here, *here.parents):
        if (folder / SCHEMA_FILE).is_file():
            rel = os.path.relpath(folder / SCHEMA_FILE, here)
            return rel if rel.startswith(".") else f"./{rel}"
    return SCHEMA_REF


def import_live(
    options: api.RunOptions,
    provider_ids: Sequence[str],
    *,
    types: Sequence[str] = (),
    region: str = "us",
    schema_ref: str = SCHEMA_REF,
) -> ImportResult:
    """Import the named providers' live settings (see :mod:`espctl.importer`).

    Without ``types`` every provider must be declared in ``options.config`` (its
    credentials and region come from there). With ``types`` (or when the config file
    does not exist and the ids are ``postmark``/``mailgun``) the providers are described
    by :func:`synthetic_config` and the config file is not read.
    """
    ids = list(dict.fromkeys(provider_ids))
    if not ids:
        raise ImportFailed("name at least one provider to import (--provider ID)")
    chosen = provider_types(ids, types)
    if chosen is None and not Path(options.config).exists():
        unknown = [pid for pid in ids if pid not in PROVIDER_TYPES]
        if unknown:
            raise ImportFailed(
                f"no config file {options.config}: name the type of {', '.join(unknown)} "
                "with --type postmark|mailgun (credentials then come from environment "
                "variables)"
            )
        chosen = {pid: pid for pid in ids}
    if chosen is None:
        return _import_with(options, ids, schema_ref)
    env = os.environ if options.env is None else options.env
    with tempfile.TemporaryDirectory(prefix="espctl-import-") as tmp:
        path = Path(tmp) / "espctl-import.yaml"
        path.write_text(synthetic_config(chosen, region, env), encoding="utf-8")
        original = options.config
        options.config = str(path)
        try:
            return _import_with(options, ids, schema_ref)
        finally:
            options.config = original


def _import_with(options: api.RunOptions, ids: Sequence[str], schema_ref: str) -> ImportResult:
    loaded = api.load(options)
    declared = loaded.config.providers
    missing = [pid for pid in ids if pid not in declared]
    if missing:
        raise ImportFailed(
            f"{', '.join(missing)} not declared in {options.config} (declared: "
            f"{', '.join(sorted(declared)) or 'none'}); to import an account the config does "
            "not describe, pass --type postmark|mailgun"
        )
    sources = [ProviderSource.from_block(pid, declared[pid]) for pid in ids]
    with api.providers_for(loaded, options) as providers:

        async def run() -> ImportResult:
            try:
                return await import_providers(
                    providers,
                    sources,
                    notify=options.notify,
                    schema_ref=schema_ref,
                    references=loaded.env_values,  # written back as ${env:NAME}
                )
            finally:
                await _close(providers)

        return asyncio.run(run())


async def _close(providers: Mapping[str, Provider]) -> None:
    await asyncio.gather(*(p.aclose() for p in providers.values()))


def write_output(text: str, out: str, *, force: bool) -> Path:
    """Write ``text`` to ``out`` atomically; refuse to replace a file unless ``force``.

    :func:`espctl.files.write_atomic` does the writing: a symbolic link at ``out`` is
    refused even with ``force``.
    """
    path = Path(out)
    if os.path.lexists(path) and not force:
        raise ImportFailed(f"{path} exists; pass --force to overwrite it")
    try:
        write_atomic(path, text)
    except OSError as exc:
        raise ImportFailed(f"cannot write {path}: {exc.strerror}") from exc
    return path


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
@click.option(
    "-c",
    "--config",
    "config",
    default="espctl.yaml",
    show_default=True,
    type=click.Path(dir_okay=False),
    help="Config file declaring the providers' credentials (not needed with --type).",
)
@click.option(
    "--type",
    "types",
    multiple=True,
    type=click.Choice(PROVIDER_TYPES),
    help="Import an account the config does not describe: once for all providers, or once "
    "per --provider in order. Credentials come from POSTMARK_SERVER_TOKEN "
    "(+ POSTMARK_ACCOUNT_TOKEN) or MAILGUN_API_KEY.",
)
@click.option(
    "--region",
    type=click.Choice(["us", "eu"]),
    default="us",
    show_default=True,
    help="Mailgun region, with --type mailgun.",
)
@click.option(
    "--out",
    type=click.Path(dir_okay=False),
    help="Write the YAML here (default: stdout).",
)
@click.option("--force", is_flag=True, help="Overwrite --out if it exists.")
@parallelism_option
@limit_options()
@sandbox_option
@handle_errors
def import_cmd(
    provider_ids: tuple[str, ...],
    config: str,
    types: tuple[str, ...],
    region: str,
    out: str | None,
    force: bool,
    parallelism: int,
    sandbox: bool,
) -> None:
    """Write YAML declaring what is live at the named providers (adopt an account).

    Server tracking, message streams, webhooks (normalized events, one entry per URL
    and event set across targets), Mailgun domains with tracking (common values lifted
    into defaults) and webhooks. The output is checked to load and to equal the live
    state before it is written, so `espctl plan` shows no changes.

    Secrets never appear: credentials and webhook basic-auth passwords are written as
    ${env:NAME}, and the variables to set are listed on stderr. Set each
    ESPCTL_HOOK_..._PASSWORD to the webhook's current password: plan compares it, so a
    different value shows as a (sensitive) change. Settings espctl cannot express are
    listed on stderr as warnings. Exit 0 on success, 1 on error.
    """
    if out and os.path.lexists(out) and not force:
        raise ImportFailed(f"{out} exists; pass --force to overwrite it")
    options = run_options(config, sandbox, parallelism)
    where = Path(out).parent if out else Path.cwd()
    result = import_live(
        options, provider_ids, types=types, region=region, schema_ref=schema_ref_for(where)
    )
    for warning in result.warnings:
        notify(f"warning: {warning}")
    counts = ", ".join(f"{n} {what}" for what, n in sorted(result.counts.items()))
    if out:
        path = write_output(result.text, out, force=force)
        notify(f"imported {', '.join(sorted(dict.fromkeys(provider_ids)))}: {counts}; wrote {path}")
    else:
        echo(result.text, nl=False)
        notify(f"imported {', '.join(sorted(dict.fromkeys(provider_ids)))}: {counts}")
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

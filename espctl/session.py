"""How a command reaches the providers: options, config loading, the sandbox wiring.

``api`` re-exports :class:`RunOptions`, :func:`load` and :func:`providers_for`; command
modules and library users may use them from either place.
"""

from __future__ import annotations

import asyncio
import fcntl
import os
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from espctl.config import LoadedConfig, load_config, load_config_text
from espctl.config.load import config_files
from espctl.config.models import Config
from espctl.errors import ApplyRefused, SandboxError
from espctl.model.common import Secret
from espctl.model.targets import Targets
from espctl.providers import registry
from espctl.providers.kit.http import HttpOptions
from espctl.providers.kit.protocol import Provider
from espctl.providers.registry import create_provider
from espctl.sandbox import (
    DEFAULT_STATE_PATH,
    FROM_CONFIG_STATE_PATH,
    AccountSpec,
    SandboxCredentials,
    SandboxStore,
    SandboxTransport,
)
from espctl.sandbox import registry as sandbox_registry

Notify = Callable[[str], None]
SANDBOX_HOOK_PASSWORD = "sandbox-hook-password"


def quiet(message: str) -> None:
    """The default ``notify``: say nothing."""


@dataclass
class RunOptions:
    """How a command reaches the providers."""

    #: the config file, or several to deep-merge in order (``-c base.yaml -c prod.yaml``)
    config: str | Sequence[str] = "espctl.yaml"
    #: the config's text, when it exists only in memory (``import --type``): ``config``
    #: is then only the name its problems are reported under
    config_text: str | None = None
    sandbox: bool = False
    #: the sandbox account is made for the config (its domains, nothing configured)
    #: instead of the demo's seeded one; implies ``sandbox``
    sandbox_from_config: bool = False
    #: the state file; None: .espctl/sandbox.json, or .espctl/sandbox-from-config.json
    sandbox_state: str | None = None
    parallelism: int = 8
    env: Mapping[str, str] | None = None
    notify: Notify = quiet
    transport: httpx.AsyncBaseTransport | None = None  # tests: e.g. respx or a sandbox
    http: HttpOptions | None = None
    #: apply: say how far it got at least this often (seconds) while changes are in
    #: flight (the CLI sets 1 on a terminal); None: only as each change finishes
    progress_every: float | None = None
    #: ``--provider`` / ``--target``: only these are read and changed (default: all)
    targets: Targets = field(default_factory=Targets)
    extra: dict[str, Any] = field(default_factory=dict)


def _sandbox_defaults() -> dict[str, str]:
    """Credential key -> the value the sandbox accepts for it.

    The sandbox keys its credentials by (provider type, key of the config block), as the
    specs' credential fields do. Keyed here by the block's key alone because the loader
    reports a missing variable by its place in the document (``providers.pm.server_token``),
    before the block's type is known: two providers sharing a credential key would need
    the sandbox to accept one value for both (a test of the specs keeps them apart).
    """
    accepted = SandboxCredentials()
    out: dict[str, str] = {"password": SANDBOX_HOOK_PASSWORD}
    for spec in registry.specs():
        known = accepted.values.get(spec.type, {})
        for credential in spec.credentials:
            if credential.key in known:
                out.setdefault(credential.key, known[credential.key])
    return out


def load(options: RunOptions) -> LoadedConfig:
    """Load the config for a command that talks to providers (unset variables are errors).

    Under ``--sandbox`` an unset credential resolves to the sandbox's own, with a notice.
    """
    env = os.environ if options.env is None else options.env

    def missing(name: str, path: str) -> str | None:
        if not (options.sandbox or options.sandbox_from_config):
            return None
        value = _sandbox_defaults().get(path.rsplit(".", 1)[-1])
        if value is not None:
            state = "is empty" if env.get(name) == "" else "is not set"
            options.notify(f"notice: {name} {state}; --sandbox uses the sandbox's own value")
        return value

    if options.config_text is not None:
        label = " + ".join(config_files(options.config))
        loaded = load_config_text(
            options.config_text, label, env=env, env_mode="strict", missing=missing
        )
    else:
        loaded = load_config(options.config, env=env, env_mode="strict", missing=missing)
    for warning in loaded.warnings:
        options.notify(warning.render())
    return loaded


def _sandbox_credentials(loaded: LoadedConfig) -> SandboxCredentials:
    """The sandbox accepts exactly what the config resolved to (the first block of each
    type: one sandbox account per type)."""
    values: dict[str, dict[str, str]] = {}
    for pid, block in loaded.config.providers.items():
        if block.type not in sandbox_registry.TYPES:
            label = registry.spec(block.type).label
            raise SandboxError(
                f"provider {pid!r}: the sandbox does not simulate {label} "
                f"(it simulates {', '.join(sandbox_registry.TYPES)})"
            )
        for credential in registry.spec(block.type).credentials:
            secret = getattr(block, credential.key, None)
            if isinstance(secret, Secret):
                values.setdefault(block.type, {}).setdefault(credential.key, secret.reveal())
    return SandboxCredentials(values)


def sandbox_spec(config: Config) -> AccountSpec:
    """What a sandbox account made for ``config`` holds: what each provider's spec says an
    account made for its block holds (``sandbox_account``, e.g. domains; see
    :mod:`espctl.sandbox.blank`), by provider type.

    Built here, not in the sandbox: the sandbox never sees espctl's config types.
    """
    held: dict[str, list[Any]] = {}
    for block in config.providers.values():
        held.setdefault(block.type, []).extend(registry.spec(block.type).sandbox_account(block))
    return AccountSpec({ptype: tuple(items) for ptype, items in held.items()})


@contextmanager
def providers_for(loaded: LoadedConfig, options: RunOptions) -> Iterator[dict[str, Provider]]:
    """The provider clients of a config, against the real APIs or the embedded sandbox.

    Under ``--sandbox`` the sandbox state file is locked for the whole command and saved
    after it, so that separate commands see one account.
    """
    http = options.http or HttpOptions(parallelism=options.parallelism)

    def build(transport: httpx.AsyncBaseTransport | None) -> dict[str, Provider]:
        targeted = set(options.targets.provider_ids(loaded.config.providers))
        return {
            pid: create_provider(pid, block, options=http, transport=transport)
            for pid, block in sorted(loaded.config.providers.items())
            if pid in targeted
        }

    if not (options.sandbox or options.sandbox_from_config):
        yield build(options.transport)
        return
    default = FROM_CONFIG_STATE_PATH if options.sandbox_from_config else DEFAULT_STATE_PATH
    store = SandboxStore(
        options.sandbox_state or default,
        credentials=_sandbox_credentials(loaded),
        sensitive=loaded.sensitive_values,  # never written to the state file
        spec=sandbox_spec(loaded.config) if options.sandbox_from_config else None,
    )
    with store.transaction() as app:
        yield build(SandboxTransport(app))


LOCK_POLL = 0.2


@contextmanager
def apply_lock(
    config: str | Sequence[str],
    notify: Notify,
    timeout: float,
    *,
    clock: Callable[[], float] = time.monotonic,
    sleep: Callable[[float], None] = time.sleep,
) -> Iterator[Path]:
    """Hold the local advisory lock of one config file for an apply.

    No provider offers a lock, so two applies at once can both create what is missing
    (duplicate webhooks). This serializes applies of the same config from one machine:
    an exclusive ``flock`` on ``<config dir>/.espctl/<config name>.apply.lock``, waited
    for at most ``timeout`` seconds (saying so on ``notify``); the holder's pid is in it.
    """
    files = [Path(f).resolve() for f in config_files(config)]
    name = "+".join(f.name for f in files)  # one lock per set of merged files
    shown = " + ".join(config_files(config))
    path = files[0].parent / ".espctl" / f"{name}.apply.lock"
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW | os.O_CLOEXEC, 0o644)
    except OSError as exc:
        raise ApplyRefused(
            f"cannot take the apply lock {path}: {exc.strerror}; nothing was applied"
        ) from exc
    try:
        deadline = clock() + timeout
        waiting = False
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                holder = os.pread(fd, 64, 0).decode(errors="replace").strip() or "unknown pid"
                if clock() >= deadline:
                    raise ApplyRefused(
                        f"another espctl apply of {shown} is running ({holder}, lock {path}); "
                        f"gave up after waiting {timeout:g}s; nothing was applied"
                    ) from None
                if not waiting:
                    notify(
                        f"waiting for another espctl apply of {shown} to finish ({holder}, "
                        f"lock {path}; at most {timeout:g}s)..."
                    )
                    waiting = True
                sleep(max(0.0, min(LOCK_POLL, deadline - clock())))
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"pid {os.getpid()}\n".encode(), 0)
        yield path
    finally:
        os.close(fd)  # closing releases the lock


async def close_all(providers: Mapping[str, Provider]) -> None:
    await asyncio.gather(*(p.aclose() for p in providers.values()))


def waiting_notes(providers: Mapping[str, Provider]) -> Callable[[], list[str]]:
    """What the providers' clients wait for right now (rate limits), for the progress line."""

    def notes() -> list[str]:
        return [str(n) for pid in sorted(providers) for n in getattr(providers[pid], "waiting", ())]

    return notes


def request_counter(providers: Mapping[str, Provider]) -> Callable[[], int]:
    def count() -> int:
        return sum(int(getattr(p, "requests", 0)) for p in providers.values())

    return count

"""State persistence for the CLI's ``--sandbox`` mode (default ``.espctl/sandbox.json``).

The file never holds the config's secrets: :mod:`.sealing` replaces them by salted
keyed digests on save and restores them on load when the config supplies them.

Writes go to a temporary file in the same folder and are moved into place with
``os.replace``, so readers never see a torn file. :meth:`SandboxStore.transaction`
holds an exclusive ``fcntl`` lock on a sibling ``.lock`` file around load-modify-save,
so two processes never lose each other's updates.
"""

from __future__ import annotations

import fcntl
import json
import os
import tempfile
from collections.abc import Collection, Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from espctl.errors import SandboxError

from . import sealing
from .app import SandboxApp, SandboxCredentials
from .blank import AccountSpec, account_for, complete
from .faults import FaultPlan
from .seed import seed_account
from .state import AccountState

DEFAULT_STATE_PATH = Path(".espctl") / "sandbox.json"
#: the state of an account made for the config (``--sandbox-from-config``): a file of its
#: own, so that it never mixes with the demo's seeded account
FROM_CONFIG_STATE_PATH = Path(".espctl") / "sandbox-from-config.json"


def load_state(path: str | os.PathLike[str], sensitive: Collection[str] = ()) -> AccountState:
    """Read a state file written by :func:`save_state` (raises :class:`SandboxError`).

    Secrets sealed on save come back clear where ``sensitive`` supplies a value with the
    same digest (see :mod:`.sealing`).
    """
    target = Path(path)
    try:
        text = target.read_text(encoding="utf-8")
    except OSError as exc:
        raise SandboxError(f"cannot read sandbox state {target}: {exc.strerror}") from exc
    try:
        if "espctl-sensitive-" not in text:
            return AccountState.from_json(text)
        data = json.loads(text)
        salt = str(data.get("sealed_salt") or "") if isinstance(data, dict) else ""
        return AccountState.model_validate(sealing.reveal(data, sensitive, salt))
    except (ValidationError, ValueError) as exc:
        count = exc.error_count() if isinstance(exc, ValidationError) else 1
        raise SandboxError(
            f"sandbox state {target} is corrupt or from another version; delete it to "
            f"start over ({count} problems)"
        ) from exc


def save_state(
    path: str | os.PathLike[str], state: AccountState, sensitive: Collection[str] = ()
) -> None:
    """Write ``state`` atomically (temp file in the same folder + ``os.replace``).

    Each value in ``sensitive`` (the secrets of the config in play) is replaced by a
    salted keyed digest wherever it occurs (see :mod:`.sealing`); the file never holds it.
    """
    target = Path(path)
    text = state.to_json()
    if any(sensitive):
        if not state.sealed_salt:
            state.sealed_salt = sealing.new_salt()
        text = json.dumps(_sealed(state, sensitive), indent=1, ensure_ascii=False)
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                handle.write(text)
                handle.flush()
                os.fsync(handle.fileno())
            os.replace(tmp, target)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
    except OSError as exc:
        raise SandboxError(f"cannot write sandbox state {target}: {exc.strerror}") from exc


def _sealed(state: AccountState, sensitive: Collection[str]) -> dict[str, Any]:
    """``state`` as JSON data with its secrets sealed, each provider's part read with its
    own model (whose Literal fields are left alone, see :func:`.sealing.conceal`)."""
    salt = state.sealed_salt
    data: dict[str, Any] = state.model_dump(mode="json")
    parts = {
        provider_type: sealing.conceal(part, sensitive, salt, type(state.providers[provider_type]))
        for provider_type, part in data["providers"].items()
    }
    out: dict[str, Any] = sealing.conceal(
        {k: v for k, v in data.items() if k != "providers"}, sensitive, salt, AccountState
    )
    return {k: parts if k == "providers" else out[k] for k in data}


class SandboxStore:
    """A state file plus how to seed it when absent.

    >>> store = SandboxStore(".espctl/sandbox.json")
    >>> with store.transaction() as app:   # locked load (or seed) ... save
    ...     response = app.handle(request)

    With ``spec`` the account is made for a config instead of seeded (:mod:`.blank`),
    and every load adds the domains the spec names that the stored account lacks.
    """

    def __init__(
        self,
        path: str | os.PathLike[str] = DEFAULT_STATE_PATH,
        *,
        seed: int = 0,
        now: datetime | None = None,
        credentials: SandboxCredentials | None = None,
        faults: FaultPlan | None = None,
        sensitive: Collection[str] = (),
        spec: AccountSpec | None = None,
    ) -> None:
        self.path = Path(path)
        self.seed = seed
        self.now = now
        self.credentials = credentials
        self.faults = faults
        self.sensitive = frozenset(sensitive)
        self.spec = spec

    @property
    def lock_path(self) -> Path:
        return self.path.with_name(self.path.name + ".lock")

    @contextmanager
    def locked(self) -> Iterator[None]:
        """Hold the exclusive inter-process lock."""
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            handle = open(self.lock_path, "a+b")  # noqa: SIM115 - closed below
        except OSError as exc:
            raise SandboxError(f"cannot lock sandbox state {self.path}: {exc.strerror}") from exc
        try:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX)
            yield
        finally:
            fcntl.flock(handle.fileno(), fcntl.LOCK_UN)
            handle.close()

    def load(self) -> AccountState:
        """The stored state, or a freshly seeded (or made, with a spec) one when absent."""
        if not self.path.exists():
            if self.spec is not None:
                return account_for(self.spec, self.seed, self.now)
            return seed_account(self.seed, self.now)
        state = load_state(self.path, self.sensitive)
        if self.spec is not None:
            complete(state, self.spec)
        return state

    @contextmanager
    def transaction(self) -> Iterator[SandboxApp]:
        """Locked load -> yield a :class:`SandboxApp` -> save (only if no exception)."""
        with self.locked():
            app = SandboxApp(self.load(), credentials=self.credentials, faults=self.faults)
            yield app
            with app.lock:
                save_state(self.path, app.state, self.sensitive)

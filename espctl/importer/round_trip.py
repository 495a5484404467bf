"""The round-trip self-check: the written config must declare exactly what is live.

The text is loaded with the real config loader, its desired state computed with
:func:`~espctl.engine.desired.desired_state` and compared resource by resource with the
live read. A difference is a bug and fails the import (nothing is written).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from espctl.config import load_config_text
from espctl.config.models import Config
from espctl.engine.desired import desired_state
from espctl.errors import ConfigError
from espctl.importer.document import ImportFailed
from espctl.importer.webhooks import _Entry
from espctl.model.resources import LiveState, same
from espctl.providers.kit.importing import ImportDoc


def verify(
    text: str, doc: ImportDoc, entries: Sequence[_Entry], live: Mapping[str, LiveState]
) -> Config:
    """Load ``text`` with the real loader and check its desired state equals the live one.

    The variables are supplied in memory: placeholders for credentials (the desired
    state holds none), the live passwords for webhook basic auth.
    """
    env: dict[str, str] = {name: "import-check" for name in doc.env}
    env.update(doc.values)
    for entry in entries:
        if entry.password_var is not None and entry.password is not None:
            env[entry.password_var] = entry.password.reveal()
        env.update(entry.secrets)
    try:
        loaded = load_config_text(text, "<import>", env=env)
    except ConfigError as exc:
        raise ImportFailed(
            "the imported config does not load (an espctl bug, please report it):\n"
            + "\n".join(p.render() for p in exc.problems)
        ) from exc
    desired = desired_state(loaded.config)
    problems: list[str] = []
    for pid, state in live.items():
        have = {(r.kind, r.key): r for r in state.resources}
        want = {(r.kind, r.key): r for r in desired.get(pid, [])}
        for ident, resource in sorted(want.items()):
            current = have.get(ident)
            if current is None:
                problems.append(f"{resource.address}: declared but not live")
                continue
            for name in sorted(resource.fields):
                if not same(resource.fields[name], current.fields.get(name)):
                    problems.append(f"{resource.address}: field {name} differs")
        for ident in sorted(doc.managed.get(pid, set()) - set(want)):
            problems.append(f"{pid}:{ident[0]}:{ident[1]}: live but not declared")
    if problems:
        raise ImportFailed(
            "the imported config would not round-trip (an espctl bug, please report it):\n  "
            + "\n  ".join(problems)
        )
    return loaded.config

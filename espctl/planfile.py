"""Saved plan files (``plan --out``): writing, reading, and which config they belong to.

A saved plan is the JSON plan plus when and by which espctl it was made. It records
the config files it was made from (as given to ``plan``); ``apply PLAN_FILE`` uses them
and refuses another config, and ``show PLAN_FILE`` renders the file with no config at
all. :mod:`espctl.api` re-exports these functions.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from espctl.config.load import config_files
from espctl.engine.plan import Plan
from espctl.engine.saved_plan import check_saved_plan
from espctl.errors import FileRefused, PlanFileError, TargetError
from espctl.files import read_input, write_atomic
from espctl.model.targets import Targets
from espctl.session import Notify, quiet


def save_plan(
    plan_: Plan, out: str, *, created_at: str, version: str, notify: Notify = quiet
) -> Path:
    """Write a saved plan (no secrets: the plan model holds only redacted values).

    The plan is written to exactly ``out`` (its folder created if needed), atomically
    and safely (:func:`espctl.files.write_atomic`: a symbolic link there is refused);
    replacing an earlier plan is said through ``notify``.
    """
    path = Path(out)
    payload = {**plan_.as_json(), "created_at": created_at, "espctl_version": version}
    try:
        replaced = write_atomic(path, json.dumps(payload, indent=2, sort_keys=False) + "\n")
    except FileRefused as exc:
        raise PlanFileError(f"cannot write the plan to {exc}") from exc
    except OSError as exc:
        raise PlanFileError(f"cannot write the plan to {path}: {exc.strerror}") from exc
    if replaced:
        notify(f"replaced the existing {path}")
    return path


def read_saved_plan(path: str) -> dict[str, Any]:
    """A saved plan file's JSON, checked for format and shape."""
    try:
        payload = json.loads(read_input(path).decode("utf-8"))
    except FileNotFoundError as exc:
        raise PlanFileError(f"no such plan file: {path}") from exc
    except FileRefused as exc:
        raise PlanFileError(f"{path} is not a readable espctl plan: {exc.reason}") from exc
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise PlanFileError(f"{path} is not a readable espctl plan ({exc})") from exc
    return check_saved_plan(payload, path)


def plan_config(saved: Mapping[str, Any]) -> tuple[str, ...]:
    """The config files a saved plan was made from, in merge order."""
    config = saved.get("config")
    if not isinstance(config, Mapping):
        return ()
    files = config.get("files")
    if isinstance(files, list) and files and all(isinstance(f, str) for f in files):
        return tuple(files)
    path = config.get("path")
    return (path,) if isinstance(path, str) and path else ()


def check_plan_config(
    saved: Mapping[str, Any], config: str | Sequence[str], plan_file: str
) -> None:
    """Refuse to apply a saved plan with another config than the one it was made from.

    Paths are compared as absolute paths from the current folder (a plan records them
    as they were given to ``plan``, relative to where it ran).
    """
    recorded = plan_config(saved)
    given = config_files(config)
    if not recorded or [os.path.abspath(f) for f in recorded] == [
        os.path.abspath(f) for f in given
    ]:
        return
    args = " ".join(f"-c {f}" for f in recorded)
    raise PlanFileError(
        f"{plan_file} was made from the config {' + '.join(recorded)}, not "
        f"{' + '.join(given)}: apply it with {args} (or without -c, which uses the plan's); "
        "nothing was applied"
    )


def plan_targets(saved: Mapping[str, Any], given: Targets, plan_file: str) -> Targets:
    """The targets to apply a saved plan with: the ones it was made for. Options naming
    other targets are refused (apply keeps to what was reviewed)."""
    recorded = Targets.from_json(saved.get("targets"))
    if given.everything or given == recorded:
        return recorded
    made = recorded.describe() or "no --provider or --target (the whole config)"
    raise TargetError(
        f"{plan_file} was made for {made}, not {given.describe()}: apply it without "
        "--provider/--target (it keeps to its own), or make a new plan; nothing was applied"
    )

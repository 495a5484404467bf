"""Load a config file: YAML with positions, env refs, schema, semantic checks.

``load_config`` returns the validated :class:`Config` or raises one
:class:`~espctl.errors.ConfigError` carrying every problem, each positioned as
``file:line:column``. Warnings (e.g. an unset variable under ``validate``) come back
with the result.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

from pydantic import BaseModel, ValidationError

from espctl.config.digest import config_digest
from espctl.config.merge import merge_docs
from espctl.config.messages import schema_problems
from espctl.config.models import Config
from espctl.config.semantic import semantic_problems
from espctl.config.yamlpos import MissingEnv, PathKey, SourceDoc, dotted, load_yaml
from espctl.errors import ConfigError, FileRefused, Problem, add_sensitive
from espctl.files import read_input
from espctl.model.common import EnvStr, Secret
from espctl.providers import registry

EnvMode = Literal["strict", "lenient"]


@dataclass(frozen=True)
class LoadedConfig:
    """A validated config with its source positions and any warnings."""

    config: Config
    source: SourceDoc
    warnings: tuple[Problem, ...]
    text: str

    @property
    def path(self) -> str:
        """The config file (the files joined by `` + `` when several were merged)."""
        return " + ".join(self.files)

    @property
    def files(self) -> tuple[str, ...]:
        """Every file merged into this config, in order (one for a single file)."""
        return self.source.files or (self.source.file,)

    @property
    def digest(self) -> str:
        """The digest of the config's meaning (:func:`espctl.config.digest.config_digest`)."""
        return config_digest(self.config)

    @property
    def sensitive_values(self) -> frozenset[str]:
        """Every value taken from the environment (credentials included): the secrets in play.

        What must never be written anywhere, e.g. the ``--sandbox`` state file.
        """
        return frozenset(self.env_values)

    @property
    def env_values(self) -> dict[str, str]:
        """Each non-empty value taken from the environment -> the variable it came from."""
        found: dict[str, str] = {}
        for path in sorted(self.source.substituted, key=str):
            for name, value in self.source.substituted[path][0]:
                if value:
                    found.setdefault(value, name)
        return found


def _no_substitute(name: str, path: str, owner: str | None) -> str | None:
    return None


ConfigPaths = str | os.PathLike[str] | Sequence[str | os.PathLike[str]]


def _read_text(file: str) -> str:
    try:
        raw = read_input(file)
    except FileNotFoundError as exc:
        raise ConfigError(
            [Problem(file, 1, 1, "", "no such file (use -c FILE to name the config)")]
        ) from exc
    except FileRefused as exc:
        raise ConfigError([Problem(file, 1, 1, "", exc.reason)]) from exc
    except OSError as exc:
        raise ConfigError([Problem(file, 1, 1, "", f"cannot read: {exc.strerror}")]) from exc
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ConfigError([Problem(file, 1, 1, "", "the file is not UTF-8 text")]) from exc


def config_files(paths: ConfigPaths) -> list[str]:
    """``paths`` as a list of file names (one path, or several to merge in order)."""
    if isinstance(paths, str | os.PathLike):
        return [str(paths)]
    return [str(p) for p in paths]


def load_config(
    path: ConfigPaths,
    *,
    env: Mapping[str, str] | None = None,
    env_mode: EnvMode = "strict",
    missing: MissingEnv = _no_substitute,
) -> LoadedConfig:
    """Read and validate a config file, or several merged in order (environments).

    Several files are deep-merged (:mod:`espctl.config.merge`); every problem names the
    file, line and column its value came from. ``env_mode="lenient"`` (``validate``)
    turns unset variables into warnings; in ``"strict"`` mode (plan, apply, ...) they
    are errors. ``missing`` may supply a value for an unset (or empty) variable (the
    ``--sandbox`` mode's credentials).
    """
    files = config_files(path)
    if not files:
        raise ValueError("load_config needs at least one file")
    environ = os.environ if env is None else env
    problems: list[Problem] = []
    docs: list[SourceDoc] = []
    texts: list[str] = []
    types: dict[PathKey, str] = {}  # the blocks' types the files so far declare
    for file in files:  # syntax problems of every file at once
        try:
            text = _read_text(file)
            docs.append(load_yaml(text, file, environ, missing, types))
            texts.append(text)
            types = {**types, **docs[-1].types}
        except ConfigError as exc:
            problems.extend(exc.problems)
    if problems:
        raise ConfigError(problems)
    doc = docs[0] if len(docs) == 1 else merge_docs(docs)
    return _validated(doc, "".join(texts), env_mode)


def load_config_text(
    text: str,
    file: str,
    *,
    env: Mapping[str, str],
    env_mode: EnvMode = "strict",
    missing: MissingEnv = _no_substitute,
) -> LoadedConfig:
    """Like :func:`load_config` for text already in memory."""
    return _validated(load_yaml(text, file, env, missing), text, env_mode)


def _validated(doc: SourceDoc, text: str, env_mode: EnvMode) -> LoadedConfig:
    """Schema, semantic, credential and environment problems, all in one run."""
    # messages of this command (a config error echoing a value included) never show them
    add_sensitive(value for pairs, _ in doc.substituted.values() for _, value in pairs)
    problems = list(doc.problems)
    config: Config | None = None
    try:
        config = Config.model_validate(doc.data)
    except ValidationError as exc:
        # a value from an unset variable is judged once it is set: the variable's own
        # problem says what to do
        problems.extend(schema_problems(exc, doc, skip=doc.unresolved))
    problems.extend(semantic_problems(doc))
    problems.extend(_secret_problems(doc))
    severity = "warning" if env_mode == "lenient" else "error"
    for var_path, name in sorted(doc.unresolved.items(), key=lambda item: str(item[0])):
        problems.append(
            doc.problem(
                var_path,
                f"environment variable {name} is not set"
                + (" (plan, apply and report will need it)" if severity == "warning" else ""),
                severity=severity,
            )
        )
    credentials = set(_secret_paths(doc.data, ()))
    for var_path, name in sorted(doc.empty.items(), key=lambda item: str(item[0])):
        if var_path in credentials:
            problems.append(
                doc.problem(
                    var_path,
                    f"environment variable {name} is empty: set it to the credential"
                    + (" (plan, apply and report will need it)" if severity == "warning" else ""),
                    severity=severity,
                )
            )
    if config is None or any(p.severity == "error" for p in problems):
        # warnings too: every problem is reported in one run
        raise ConfigError(problems)
    _name_secrets(config, doc)
    _tag_substituted(config, doc)
    order = {file: i for i, file in enumerate(doc.files or (doc.file,))}
    warnings = tuple(
        sorted(
            (p for p in problems if p.severity == "warning"),
            key=lambda p: (order.get(p.file, len(order)), p.line, p.column),
        )
    )
    return LoadedConfig(config=config, source=doc, warnings=warnings, text=text)


# -- secrets ------------------------------------------------------------------------------

#: keys whose string values are credentials: every provider's credential keys (from its
#: spec, so that a new provider's keys are covered) and a webhook's basic-auth password
SECRET_KEYS = frozenset({"password", *(c.key for s in registry.specs() for c in s.credentials)})


def _secret_paths(value: Any, path: PathKey) -> list[PathKey]:
    found: list[PathKey] = []
    if isinstance(value, dict):
        for key, child in value.items():
            if key in SECRET_KEYS and isinstance(child, str):
                found.append((*path, key))
            else:
                found.extend(_secret_paths(child, (*path, key)))
    elif isinstance(value, list):
        for i, child in enumerate(value):
            found.extend(_secret_paths(child, (*path, i)))
    return found


_SHELL_VAR = re.compile(r"^\$\{?([A-Za-z_][A-Za-z0-9_]*)\}?$")


def _secret_problems(doc: SourceDoc) -> list[Problem]:
    """Credentials must be ``${env:NAME}`` references, never written in the file."""
    reported = {p.path for p in doc.problems}  # e.g. a malformed reference: said once
    problems = []
    for path in _secret_paths(doc.data, ()):
        if path in doc.env_refs or dotted(path) in reported:
            continue
        shell = _SHELL_VAR.match(str(_data_at(doc.data, path)))
        hint = (
            f"write ${{env:{shell.group(1)}}}"
            if shell
            else "write ${env:NAME}, not the value itself"
        )
        problems.append(doc.problem(path, f"credentials must come from the environment: {hint}"))
    return problems


def _data_at(data: Any, path: PathKey) -> Any:
    for part in path:
        data = _child(data, part)
    return data


def _child(value: Any, part: str | int) -> Any:
    if isinstance(value, BaseModel) and isinstance(part, str):
        return getattr(value, part, None)
    if isinstance(value, dict):
        return value.get(part)
    if isinstance(value, list) and isinstance(part, int) and part < len(value):
        return value[part]
    return None


def _at(config: Config, path: PathKey) -> Any:
    value: Any = config
    for part in path:
        value = _child(value, part)
    return value


def _name_secrets(config: Config, doc: SourceDoc) -> None:
    """Tell each Secret which variable it came from, for messages that name it."""
    for path, name in doc.env_refs.items():
        value = _at(config, path)
        if isinstance(value, Secret):
            value.source = name


def _tag_substituted(config: Config, doc: SourceDoc) -> None:
    """Turn each validated string holding an environment value into an :class:`EnvStr`.

    Only plain strings are tagged: a Secret is sensitive already, and a bool, number or
    enum read from the environment is a setting, not a secret.
    """
    for path, (pairs, text) in doc.substituted.items():
        if not path:
            continue
        parent = _at(config, path[:-1])
        last = path[-1]
        value = _child(parent, last)
        if type(value) is not str:
            continue
        tagged = EnvStr(value, tuple(v for _, v in pairs if v), text)
        if isinstance(parent, BaseModel) and isinstance(last, str):
            object.__setattr__(parent, last, tagged)  # frozen model: tag in place, once
        elif isinstance(parent, dict):
            parent[last] = tagged
        elif isinstance(parent, list):
            assert isinstance(last, int)
            parent[last] = tagged

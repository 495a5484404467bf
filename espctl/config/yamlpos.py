"""YAML to plain values, keeping the line and column of every node.

PyYAML's C composer builds the node graph (fast); this module walks it once to build
plain Python values, recording positions by path, refusing what PyYAML silently
accepts (duplicate keys, merge keys, non-scalar keys), bounding the number of nodes
(as written, and again as aliases expand them) and nesting, and interpolating
``${env:NAME}`` / ``${env:NAME:-default}`` in strings.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import yaml

from espctl.errors import ConfigError, Problem

try:  # the C composer is ~10x faster; the pure one is a correct fallback
    _Loader: type[Any] = yaml.CSafeLoader
except AttributeError:  # pragma: no cover - depends on the PyYAML build
    _Loader = yaml.SafeLoader

PathKey = tuple[str | int, ...]

MAX_DEPTH = 64
#: the most nodes a document may hold, counted as written (before composing) and again as
#: built, where every use of an alias counts all the nodes it repeats: 40,000 uses of a
#: 20,000-item list are 800 million nodes, however small the file. A config declaring
#: 10,000 Mailgun domains with tracking has about 100,000.
MAX_NODES = 250_000
_NODE_EVENTS = (yaml.ScalarEvent, yaml.AliasEvent, yaml.MappingStartEvent, yaml.SequenceStartEvent)

ENV_REF = re.compile(r"\$\{env:([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}")
_ENV_ANY = re.compile(r"\$\{(?:env)?:?[^}]*\}?|\$\{")
#: a shell-style ``${NAME}`` (or ``${NAME:-default}``): the likely meaning is ``${env:NAME}``
_SHELL_REF = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-[^}]*)?\}")

_STR = "tag:yaml.org,2002:str"
_BOOL = "tag:yaml.org,2002:bool"
_INT = "tag:yaml.org,2002:int"
_FLOAT = "tag:yaml.org,2002:float"
_NULL = "tag:yaml.org,2002:null"
_MERGE = "tag:yaml.org,2002:merge"
_constructor = yaml.constructor.SafeConstructor()

#: called for an unset (or empty) variable without default, with the variable's name,
#: the dotted path of the value and the ``type`` of the mapping holding it as the raw
#: document declares it (the nearest enclosing mapping with a scalar ``type`` key, or
#: one an earlier file of the merge declared at that path; None: none does): returns a
#: replacement or None. The type lets two providers share a credential key (``api_key``)
#: while the values standing in for them differ.
MissingEnv = Callable[[str, str, str | None], str | None]


@dataclass
class SourceDoc:
    """A parsed YAML document with the positions of its nodes."""

    file: str
    data: dict[str, Any]
    positions: dict[PathKey, tuple[int, int]] = field(default_factory=dict)
    key_positions: dict[PathKey, tuple[int, int]] = field(default_factory=dict)
    env_refs: dict[PathKey, str] = field(default_factory=dict)
    #: scalars with values taken from the environment: path -> ((name, value)..., the text)
    substituted: dict[PathKey, tuple[tuple[tuple[str, str], ...], str]] = field(
        default_factory=dict
    )
    unresolved: dict[PathKey, str] = field(default_factory=dict)
    #: whole references to a variable that is set but empty: path -> variable
    empty: dict[PathKey, str] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)
    #: the files merged into this document (``-c base.yaml -c prod.yaml``), in order
    files: tuple[str, ...] = ()
    #: mapping path -> the scalar ``type`` it declares (as written, before validation)
    types: dict[PathKey, str] = field(default_factory=dict)
    #: the file each path comes from, when several were merged (else ``file``)
    origins: dict[PathKey, str] = field(default_factory=dict)

    def located(self, path: PathKey, *, key: bool = False) -> tuple[str, int, int]:
        """File, line and column of ``path``, or of its closest known ancestor."""
        table = self.key_positions if key else self.positions
        p = path
        while p:
            if p in table:
                return (self.origins.get(p, self.file), *table[p])
            if p in self.positions:
                return (self.origins.get(p, self.file), *self.positions[p])
            p = p[:-1]
        return (self.file, *self.positions.get((), (1, 1)))

    def position(self, path: PathKey, *, key: bool = False) -> tuple[int, int]:
        """The closest known position of ``path`` (walking up to a known ancestor)."""
        _, line, column = self.located(path, key=key)
        return line, column

    def problem(
        self, path: PathKey, message: str, *, key: bool = False, severity: str = "error"
    ) -> Problem:
        file, line, column = self.located(path, key=key)
        return Problem(file, line, column, dotted(path), message, severity)


def dotted(path: PathKey) -> str:
    """``("providers", "pm", "tracking")`` -> ``providers.pm.tracking``; ints as ``[i]``."""
    out = ""
    for part in path:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += ("." if out else "") + part
    return out


class _Walker:
    def __init__(
        self,
        doc: SourceDoc,
        env: Mapping[str, str],
        missing: MissingEnv,
        known_types: Mapping[PathKey, str],
    ) -> None:
        self.doc = doc
        self.env = env
        self.missing = missing
        self.known_types = known_types
        self.nodes = 0
        self.stack: set[int] = set()

    def owner_type(self, path: PathKey) -> str | None:
        """The ``type`` declared by the nearest mapping enclosing ``path`` (this file's,
        else an earlier file's of the merge)."""
        for table in (self.doc.types, self.known_types):
            for n in range(len(path) - 1, -1, -1):
                found = table.get(path[:n])
                if found is not None:
                    return found
        return None

    def fail(self, node: yaml.Node, path: PathKey, message: str) -> None:
        mark = node.start_mark
        self.doc.problems.append(
            Problem(self.doc.file, mark.line + 1, mark.column + 1, dotted(path), message)
        )

    def walk(self, node: yaml.Node, path: PathKey, depth: int) -> Any:
        if depth > MAX_DEPTH:
            self.fail(node, path, f"nesting deeper than {MAX_DEPTH} levels")
            return None
        ident = id(node)
        if ident in self.stack:
            self.fail(node, path, "recursive alias")
            return None
        self.nodes += 1  # every node built, each alias use counting all it repeats
        if self.nodes > MAX_NODES:
            raise _AliasBombError(path)
        self.doc.positions[path] = (node.start_mark.line + 1, node.start_mark.column + 1)
        if isinstance(node, yaml.MappingNode):
            self.stack.add(ident)
            try:
                return self.mapping(node, path, depth)
            finally:
                self.stack.discard(ident)
        if isinstance(node, yaml.SequenceNode):
            self.stack.add(ident)
            try:
                return [self.walk(item, (*path, i), depth + 1) for i, item in enumerate(node.value)]
            finally:
                self.stack.discard(ident)
        return self.scalar(node, path)

    def mapping(self, node: yaml.MappingNode, path: PathKey, depth: int) -> dict[str, Any]:
        out: dict[str, Any] = {}
        first: dict[str, int] = {}
        for key_node, value_node in node.value:
            if (
                isinstance(key_node, yaml.ScalarNode)
                and key_node.value == "type"
                and isinstance(value_node, yaml.ScalarNode)
                and value_node.tag == _STR
            ):
                self.doc.types.setdefault(path, str(value_node.value))
        for key_node, value_node in node.value:
            if key_node.tag == _MERGE:
                self.fail(key_node, path, "merge keys (<<) are not supported; write keys out")
                continue
            if not isinstance(key_node, yaml.ScalarNode):
                self.fail(key_node, path, "keys must be plain strings")
                continue
            key = str(key_node.value)
            if key in first:
                self.fail(
                    key_node,
                    (*path, key),
                    f"duplicate key '{key}' (first defined on line {first[key]})",
                )
                continue
            first[key] = key_node.start_mark.line + 1
            child = (*path, key)
            self.doc.key_positions[child] = (
                key_node.start_mark.line + 1,
                key_node.start_mark.column + 1,
            )
            out[key] = self.walk(value_node, child, depth + 1)
        return out

    def scalar(self, node: yaml.Node, path: PathKey) -> Any:
        tag = node.tag
        if tag == _STR:
            return self.interpolate(node, str(node.value), path)
        if tag in (_BOOL, _INT, _FLOAT, _NULL):
            try:
                return _constructor.construct_object(node)
            except (yaml.YAMLError, ValueError, OverflowError):
                return str(node.value)
        # timestamps, binary, custom tags: keep the text, the schema will judge it
        if tag.startswith("tag:yaml.org,2002:"):
            return str(node.value)
        self.fail(node, path, f"unsupported YAML tag {tag}")
        return None

    def interpolate(self, node: yaml.Node, text: str, path: PathKey) -> str:
        if "${" not in text:
            return text
        whole = ENV_REF.fullmatch(text)
        if whole:
            self.doc.env_refs[path] = whole.group(1)
        unresolved: list[str] = []
        from_env: list[tuple[str, str]] = []

        def replace(match: re.Match[str]) -> str:
            name, default = match.group(1), match.group(2)
            value = self.env.get(name)
            if value == "" and whole and default is None:
                # set but empty (a CI secret a fork does not get): the sandbox may stand
                # in, as for an unset one; otherwise the loader judges it (credentials)
                substitute = self.missing(name, dotted(path), self.owner_type(path))
                if substitute is not None:
                    from_env.append((name, substitute))  # stands in for the variable
                    return substitute
                self.doc.empty[path] = name
            if value is not None:
                from_env.append((name, value))
                return value
            if default is not None:
                return default
            substitute = self.missing(name, dotted(path), self.owner_type(path))
            if substitute is not None:
                # treated as the variable's value: sensitive wherever it lands, and what
                # a --sandbox state file sealed from the variable is restored by it
                from_env.append((name, substitute))
                return substitute
            unresolved.append(name)
            return match.group(0)

        result = ENV_REF.sub(replace, text)
        leftover = ENV_REF.sub("", text)
        if "${" in leftover:
            bad = _ENV_ANY.search(leftover)
            shown = bad.group(0) if bad else "${"
            shell = _SHELL_REF.fullmatch(shown)
            advice = (
                f"write ${{env:{shell.group(1)}}}"
                if shell
                else "write ${env:NAME} or ${env:NAME:-default}"
            )
            self.fail(node, path, f"{shown!r} is not a reference espctl reads: {advice}")
        if unresolved:
            self.doc.unresolved[path] = unresolved[0]
        if from_env:
            self.doc.substituted[path] = (tuple(from_env), text)
        return result


class _AliasBombError(Exception):
    """Raised at the node past the limit; ``path`` is where the walk had got to."""

    def __init__(self, path: PathKey) -> None:
        self.path = path


def _error_at(file: str, node: yaml.Node, message: str) -> ConfigError:
    mark = node.start_mark
    return ConfigError([Problem(file, mark.line + 1, mark.column + 1, "", message)])


def _count_nodes(text: str, file: str) -> None:
    """Refuse a document of more than :data:`MAX_NODES` nodes before composing it.

    The event stream is parsed in constant memory; composing builds every node at once
    (a few hundred bytes each), which is what a huge flow list would exhaust.
    """
    nodes = 0
    for event in yaml.parse(text, Loader=_Loader):
        if isinstance(event, _NODE_EVENTS):
            nodes += 1
            if nodes > MAX_NODES:
                mark = event.start_mark
                line, column = (mark.line + 1, mark.column + 1) if mark else (1, 1)
                message = f"the document has more than {MAX_NODES:,} YAML nodes"
                raise ConfigError([Problem(file, line, column, "", message)])


#: ``{password: ${env:HOOK_PASSWORD}}``: inside a flow mapping the reference's ``}`` ends
#: the mapping, which YAML reports as a syntax error somewhere after it
_FLOW_REF = re.compile(r"[{,]\s*([^\s{},:'\"]+):\s*(\$\{[^}\s]*\})")


def _flow_reference_hint(text: str, exc: yaml.MarkedYAMLError) -> str:
    """Advice when the syntax error comes from an unquoted reference in ``{...}``."""
    marks = [m for m in (exc.context_mark, exc.problem_mark) if m is not None]
    if not marks:
        return ""
    lines = text.splitlines()
    first = min(m.line for m in marks)
    last = max(m.line for m in marks)
    for number in range(max(0, first - 1), min(len(lines), last + 1)):
        found = _FLOW_REF.search(lines[number])
        if found:
            key, ref = found.groups()
            return (
                f" (line {number + 1}: inside {{...}} a reference must be quoted, "
                f'e.g. {key}: "{ref}")'
            )
    return ""


def load_yaml(
    text: str,
    file: str,
    env: Mapping[str, str],
    missing: MissingEnv,
    known_types: Mapping[PathKey, str] | None = None,
) -> SourceDoc:
    """Parse ``text``; raise :class:`ConfigError` for syntax and structure problems.

    ``known_types``: the ``type`` keys earlier files of a merge declared (by mapping
    path), for ``missing`` (an override file may leave a block's type out).

    Problems that do not stop reading (duplicate keys, malformed env references) are
    collected in ``SourceDoc.problems`` so that all of them are reported at once.
    """
    try:
        _count_nodes(text, file)
        root = yaml.compose(text, Loader=_Loader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line, column = (mark.line + 1, mark.column + 1) if mark else (1, 1)
        reason = exc.problem or exc.context or "invalid YAML"
        hint = _flow_reference_hint(text, exc)
        problem = Problem(file, line, column, "", f"YAML syntax error: {reason}{hint}")
        raise ConfigError([problem]) from exc
    except (yaml.YAMLError, RecursionError, ValueError, UnicodeError) as exc:
        raise ConfigError([Problem(file, 1, 1, "", f"YAML error: {exc}")]) from exc
    if root is None:
        raise ConfigError(
            [Problem(file, 1, 1, "", "the file is empty: expected a mapping with 'version: 1'")]
        )
    if not isinstance(root, yaml.MappingNode):
        raise _error_at(file, root, "the document must be a mapping (version, providers, ...)")
    doc = SourceDoc(file=file, data={})
    walker = _Walker(doc, env, missing, known_types or {})
    try:
        data = walker.walk(root, (), 0)
    except _AliasBombError as exc:
        # An alias has no position of its own (PyYAML keeps only the anchor's), so the
        # problem is placed at the deepest mapping key on the way, as written in the file.
        where = max(
            (
                exc.path[:n]
                for n in range(1, len(exc.path) + 1)
                if exc.path[:n] in doc.key_positions
            ),
            key=len,
            default=(),
        )
        line, column = doc.key_positions.get(where, (1, 1))
        message = f"aliases expand the document to more than {MAX_NODES:,} nodes (alias bomb?)"
        raise ConfigError([Problem(file, line, column, dotted(exc.path), message)]) from exc
    except RecursionError as exc:
        raise ConfigError([Problem(file, 1, 1, "", "the document is nested too deeply")]) from exc
    doc.data = data if isinstance(data, dict) else {}
    return doc

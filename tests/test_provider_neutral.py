"""espctl outside the provider packages is provider-neutral (issue 14).

A provider's knowledge lives in ``espctl/providers/<type>/`` and reaches the rest of
espctl through its spec and :mod:`espctl.providers.registry`; the simulated API's in
``espctl/sandbox/<type>/``, which reaches the shared sandbox through
:mod:`espctl.sandbox.registry`. These tests read the source (the AST: identifiers, imports and
string literals; comments and docstrings may name a provider as an example) and fail on:

- a provider name in code outside those places (help texts that depend on the provider
  types are made from each package's plain ``info`` module when ``--help`` renders them:
  :mod:`espctl.providers.kit.info`);
- an import of ``espctl.providers.<type>`` anywhere but the registry and the package itself,
  or of ``espctl.sandbox.<type>`` anywhere but the sandbox registry and that package;
- a ``match``/``isinstance`` on a provider's config class or type name;
- an import cycle among the modules of ``espctl/providers/``.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from pathlib import Path

from espctl.providers import registry
from tests.conftest import REPO

PACKAGE = REPO / "espctl"
TYPES = registry.TYPES
#: a provider type anywhere in a word, in any case (``postmarkapp``, ``MailgunApi``); a
#: type of three letters or fewer (``ses``) only as a word of its own (``ses``, ``SES``,
#: ``SesApi``, ``import_ses``), or every ``dataclasses`` and ``Session`` would name it
NAMES = re.compile(
    "|".join(
        f"(?i:{t})"
        if len(t) > 3
        else f"(?<![A-Za-z])(?:{t}|{t.upper()})(?![A-Za-z])|{t.title()}(?![a-z])"
        for t in TYPES
    )
)
#: where a provider may be named: its packages (``providers/<type>/`` and the simulated
#: API, ``sandbox/<type>/``) and the two registries
OWN = (
    *(f"providers/{t}/" for t in TYPES),
    *(f"sandbox/{t}/" for t in TYPES),
    "providers/registry.py",
    "sandbox/registry.py",
)


def _modules() -> Iterator[tuple[str, ast.Module]]:
    for path in sorted(PACKAGE.rglob("*.py")):
        yield path.relative_to(PACKAGE).as_posix(), ast.parse(path.read_text())


def _docstrings(tree: ast.Module) -> set[int]:
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef):
            first = node.body[0] if node.body else None
            if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant):
                found.add(id(first.value))
    return found


def _words(tree: ast.Module) -> Iterator[tuple[int, str]]:
    """Every identifier, imported name and non-docstring string of the module."""
    docs = _docstrings(tree)
    for node in ast.walk(tree):
        match node:
            case ast.Constant(value=str(text)) if id(node) not in docs:
                yield node.lineno, text
            case ast.Name(id=text) | ast.Attribute(attr=text):
                yield node.lineno, text
            case ast.FunctionDef(name=text) | ast.ClassDef(name=text):
                yield node.lineno, text
            case ast.AsyncFunctionDef(name=text) | ast.arg(arg=text):
                yield node.lineno, text
            case ast.ImportFrom(module=str(text)):
                yield node.lineno, text
            case ast.Import(names=names):
                for alias in names:
                    yield node.lineno, alias.name
            case ast.keyword(arg=str(text)):
                yield node.lineno, text
            case _:
                pass


def test_no_provider_name_outside_the_provider_packages() -> None:
    found = []
    for rel, tree in _modules():
        if rel.startswith(OWN):
            continue
        for line, text in _words(tree):
            if NAMES.search(text):
                found.append(f"espctl/{rel}:{line}: {text[:80]!r}")
    assert found == []


def test_the_name_check_finds_a_provider_name() -> None:
    """The check above can fail: it sees a name in code, not in a docstring."""
    code = ast.parse('"""A Postmark example."""\nKIND = "postmark.webhook"\n')
    assert [text for _, text in _words(code) if NAMES.search(text)] == ["postmark.webhook"]


def _imported(rel: str, tree: ast.Module) -> Iterator[tuple[int, str]]:
    """Modules ``tree`` imports (absolute names; ``from a import b`` also as ``a.b``)."""
    package = ".".join(("espctl", *Path(rel).with_suffix("").parts[:-1]))
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parts = package.split(".")
                parts = parts[: len(parts) - node.level + 1]
                base = ".".join([*parts, base] if base else parts)
            yield node.lineno, base
            for alias in node.names:
                yield node.lineno, f"{base}.{alias.name}"


def test_only_the_registry_imports_a_provider_package() -> None:
    found = []
    for rel, tree in _modules():
        if rel.startswith(OWN):
            continue
        for line, name in _imported(rel, tree):
            if any(name.startswith(f"espctl.providers.{t}") for t in TYPES):
                found.append(f"espctl/{rel}:{line} imports {name}")
    assert found == []


def test_only_the_sandbox_registry_imports_a_simulated_provider() -> None:
    """The shared sandbox modules and the commands reach ``sandbox/<type>/`` through
    :mod:`espctl.sandbox.registry`; a simulated provider imports no other one."""
    found = []
    for rel, tree in _modules():
        if rel == "sandbox/registry.py":
            continue
        own = next((t for t in TYPES if rel.startswith(f"sandbox/{t}/")), None)
        for line, name in _imported(rel, tree):
            for t in TYPES:
                if t != own and (
                    name == f"espctl.sandbox.{t}" or name.startswith(f"espctl.sandbox.{t}.")
                ):
                    found.append(f"espctl/{rel}:{line} imports {name}")
    assert found == []


def test_no_dispatch_on_provider_types() -> None:
    """No ``match``/``isinstance`` on a provider's config class or type: ask its spec."""
    classes = {spec.config.__name__ for spec in registry.specs()}
    found = []
    for rel, tree in _modules():
        if rel.startswith(OWN):
            continue
        for node in ast.walk(tree):
            patterns: list[ast.AST] = []
            if isinstance(node, ast.match_case):
                patterns = list(ast.walk(node.pattern))
            elif (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Name)
                and node.func.id == "isinstance"
            ):
                patterns = list(ast.walk(node.args[1])) if len(node.args) == 2 else []
            for part in patterns:
                named = (
                    part.id
                    if isinstance(part, ast.Name)
                    else part.value
                    if isinstance(part, ast.Constant)
                    else None
                )
                if named in classes or named in TYPES:
                    found.append(f"espctl/{rel}:{getattr(part, 'lineno', '?')}: {named}")
    assert found == []


def _providers_graph() -> dict[str, set[str]]:
    """espctl.providers module -> the espctl.providers modules it imports (outside
    ``if TYPE_CHECKING:``, inside functions too: a lazy import is still a dependency)."""
    root = PACKAGE / "providers"
    modules = {}
    for path in sorted(root.rglob("*.py")):
        rel = path.relative_to(PACKAGE)
        name = ".".join(("espctl", *rel.with_suffix("").parts))
        modules[name.removesuffix(".__init__")] = (rel.as_posix(), ast.parse(path.read_text()))
    graph: dict[str, set[str]] = {}
    for name, (rel, tree) in modules.items():
        for node in ast.walk(tree):
            if (
                isinstance(node, ast.If)
                and isinstance(node.test, ast.Name)
                and node.test.id == "TYPE_CHECKING"
            ):
                node.body = []  # annotations only: not imported at run time
        graph[name] = {
            target
            for _, target in _imported(rel, tree)
            if target in modules
            and target != name
            # a package's __init__ is imported with any of its modules: not an edge
            and not name.startswith(target + ".")
        }
    return graph


def _cycle(graph: dict[str, set[str]]) -> list[str] | None:
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        stack.append(node)
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == 1:
                return [*stack[stack.index(nxt) :], nxt]
            if nxt not in state:
                found = visit(nxt)
                if found:
                    return found
        stack.pop()
        state[node] = 2
        return None

    for node in sorted(graph):
        if node not in state:
            found = visit(node)
            if found:
                return found
    return None


def test_no_import_cycles_inside_providers() -> None:
    graph = _providers_graph()
    assert "espctl.providers.registry" in graph and len(graph) > 20
    assert _cycle(graph) is None, " -> ".join(_cycle(graph) or ())


def test_the_cycle_check_finds_a_cycle() -> None:
    assert _cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert _cycle({"a": {"b"}, "b": set()}) is None


def test_adding_a_provider_names_files_that_exist() -> None:
    """docs/adding-a-provider.md stays true to the code: every file or folder it names
    exists (``<type>`` standing for each registered provider)."""
    text = (REPO / "docs" / "adding-a-provider.md").read_text()
    named = set(re.findall(r"`((?:espctl|tests)/[\w/<>.-]+)`", text))
    assert len(named) >= 10
    missing = []
    for path in sorted(named):
        for provider_type in TYPES:
            if not (REPO / path.replace("<type>", provider_type)).exists():
                missing.append(path.replace("<type>", provider_type))
    assert missing == []

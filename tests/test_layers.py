"""The layering of DESIGN.md, enforced on the imports of every module."""

from __future__ import annotations

import ast
from pathlib import Path

from tests.conftest import REPO

PACKAGE = REPO / "espctl"

# layer -> espctl layers it may import (itself always allowed)
ALLOWED: dict[str, set[str]] = {
    "errors": set(),
    "model": {"errors"},
    "config": {"errors", "model"},
    "providers": {"errors", "model"},
    "sandbox": {"errors"},
    "engine": {"errors", "model", "config", "providers.kit.protocol"},
    "routing": {"errors", "model", "config"},
    "report": {"errors", "model", "config", "engine", "routing"},
    "api": {"errors", "model", "config", "providers", "engine", "routing", "report", "sandbox"},
    "cli": {
        "errors",
        "model",
        "config",
        "providers",
        "engine",
        "routing",
        "report",
        "sandbox",
        "api",
    },
    "__init__": set(),
}
# files.py: safe reading of inputs and atomic writing of outputs, beside errors
ALLOWED["files"] = {"errors"}
for _layer_name in ("config", "api", "cli"):
    ALLOWED[_layer_name] |= {"files"}
ALLOWED["session"] = {"errors", "model", "config", "providers", "sandbox"}
ALLOWED["api"] |= {"session"}
# planfile.py: saved plan files (write, read, their config), under the api facade
ALLOWED["planfile"] = {"errors", "model", "config", "engine", "files", "session"}
ALLOWED["api"] |= {"planfile"}
ALLOWED["conntest"] = ALLOWED["api"] | {"api"}
ALLOWED["cli"] |= {"commands", "importer", "session", "conntest"}
ALLOWED["commands"] = ALLOWED["cli"] | {"cli"}
ALLOWED["importer"] = {"errors", "model", "config", "providers", "engine"}
# one package per provider (issue 14): the provider-neutral layers reach the providers
# through the registry and the shared kit only (tests/test_provider_neutral.py: no
# provider package, no provider name)
for _layer_name in ("config", "engine", "routing", "report", "importer"):
    ALLOWED[_layer_name] |= {"providers.registry", "providers.kit"}
# defaults.py: plain numbers --help shows (no imports), beneath every layer but the sandbox
ALLOWED["defaults"] = set()
for _layer_name in ALLOWED.keys() - {"errors", "sandbox", "defaults", "__init__"}:
    ALLOWED[_layer_name] |= {"defaults"}
PURE = {"model", "engine"}
IO_MODULES = {
    "os",
    "pathlib",
    "socket",
    "httpx",
    "subprocess",
    "shutil",
    "io",
    "urllib.request",
    "http",
    "requests",
    "tempfile",
}


def _layer(path: Path) -> str:
    rel = path.relative_to(PACKAGE).with_suffix("")
    return rel.parts[0]


def _imports(path: Path) -> list[str]:
    tree = ast.parse(path.read_text())
    names: list[str] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.extend(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            if node.module == "espctl.providers":  # from espctl.providers import registry
                names.extend(f"{node.module}.{alias.name}" for alias in node.names)
            else:
                names.append(node.module)
    return names


def _allowed(layer: str, target: str) -> bool:
    if target == layer or target.startswith(layer + "."):
        return True
    return any(target == a or target.startswith(a + ".") for a in ALLOWED[layer])


def test_modules_import_only_lower_layers() -> None:
    violations = []
    for path in sorted(PACKAGE.rglob("*.py")):
        layer = _layer(path)
        if layer == "__main__":
            continue
        for name in _imports(path):
            if name.startswith("espctl."):
                target = name.removeprefix("espctl.")
                if not _allowed(layer, target):
                    violations.append(f"{path.relative_to(REPO)} imports {name}")
    assert violations == []


def test_pure_core_does_no_io() -> None:
    violations = []
    for path in sorted(PACKAGE.rglob("*.py")):
        if _layer(path) not in PURE:
            continue
        for name in _imports(path):
            if name in IO_MODULES or name.split(".")[0] in {"httpx", "socket", "subprocess"}:
                violations.append(f"{path.relative_to(REPO)} imports {name}")
        if "open(" in path.read_text():
            violations.append(f"{path.relative_to(REPO)} calls open()")
    assert violations == []


def test_sandbox_and_providers_share_nothing() -> None:
    for path in sorted(PACKAGE.rglob("*.py")):
        layer = _layer(path)
        for name in _imports(path):
            if layer == "sandbox":
                assert not name.startswith(("espctl.providers", "espctl.config")), path
            if layer == "providers":
                assert not name.startswith("espctl.sandbox"), path


# -- inside espctl/providers (issue 14) ------------------------------------------------
PROVIDERS = PACKAGE / "providers"
PROVIDER_PACKAGES = sorted(
    p.name for p in PROVIDERS.iterdir() if p.is_dir() and (p / "__init__.py").exists()
)
#: modules of a provider package that do no I/O: what validate, plan rendering, import's
#: mapping and the report's summary load (the client, probes, traffic readers and webhook
#: writers do the I/O)
PURE_PROVIDER_MODULES = {
    "info",
    "config",
    "events",
    "rules",
    "resources",
    "routing",
    "summary",
    "importer",
    "samples",
    "spec",
    "tracking_import",
    "parsing",
    "limits",
}
PURE_KIT_MODULES = {"config", "spec", "importing", "summary", "shapes", "traffic_units", "info"}


def test_provider_packages_are_found() -> None:
    assert "kit" in PROVIDER_PACKAGES
    assert {"postmark", "mailgun"} <= set(PROVIDER_PACKAGES)


def test_kit_imports_no_provider_and_no_registry() -> None:
    violations = []
    for path in sorted((PROVIDERS / "kit").glob("*.py")):
        for name in _imports(path):
            if name.startswith("espctl.providers.") and not name.startswith("espctl.providers.kit"):
                violations.append(f"{path.relative_to(REPO)} imports {name}")
    assert violations == []


def test_a_provider_imports_only_itself_kit_and_lower_layers() -> None:
    violations = []
    for package in PROVIDER_PACKAGES:
        if package == "kit":
            continue
        own = f"espctl.providers.{package}"
        for path in sorted((PROVIDERS / package).glob("*.py")):
            for name in _imports(path):
                if name.startswith("espctl.providers") and not name.startswith(
                    (own, "espctl.providers.kit")
                ):
                    violations.append(f"{path.relative_to(REPO)} imports {name}")
    assert violations == []


def test_pure_provider_modules_do_no_io() -> None:
    paths = [PROVIDERS / "kit" / f"{m}.py" for m in PURE_KIT_MODULES]
    for package in PROVIDER_PACKAGES:
        if package != "kit":
            paths.extend(
                p for p in (PROVIDERS / package).glob("*.py") if p.stem in PURE_PROVIDER_MODULES
            )
    assert len(paths) > len(PURE_KIT_MODULES)
    violations = []
    for path in sorted(paths):
        for name in _imports(path):
            if name in IO_MODULES or name.split(".")[0] in {
                "httpx",
                "socket",
                "subprocess",
                "asyncio",
            }:
                violations.append(f"{path.relative_to(REPO)} imports {name}")
        if "open(" in path.read_text():
            violations.append(f"{path.relative_to(REPO)} calls open()")
    assert violations == []

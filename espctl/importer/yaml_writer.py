"""The YAML writer: deterministic text with comments that reads back as exactly the data.

Short nested mappings go on one line as flow mappings; strings go through PyYAML's own
quoting; ``${env:...}`` references are always double-quoted.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

import yaml

from espctl.providers.kit.importing import DocPath as Path
from espctl.providers.kit.importing import one_line as _one_line

_ENV_REF = re.compile(r"^\$\{env:[A-Za-z_][A-Za-z0-9_]*(:-[^}]*)?\}$")

_WIDTH = 2**30


def _scalar(value: Any, *, in_flow: bool = False) -> str:
    """One scalar as YAML that reads back as exactly ``value``.

    ``${env:...}`` references are always double-quoted; strings with line breaks or
    other characters PyYAML would fold go double-quoted with escapes, on one line;
    everything else gets PyYAML's own choice for the context (flow or block).
    """
    if isinstance(value, str) and _ENV_REF.match(value):
        return f'"{value}"'
    if value is None or isinstance(value, bool | int | float):
        return yaml.safe_dump(value, default_flow_style=True).removesuffix("\n...\n").strip()
    text = str(value)
    if not text.isprintable() or text != text.strip(" "):
        dumped = yaml.safe_dump(text, default_style='"', allow_unicode=True, width=_WIDTH)
        return dumped.rstrip("\n")
    if in_flow:
        # inside a flow sequence PyYAML also quotes the flow indicators , [ ] { }
        dumped = yaml.safe_dump([text], default_flow_style=True, allow_unicode=True, width=_WIDTH)
        dumped = dumped.strip()
        assert dumped.startswith("[") and dumped.endswith("]")
        return dumped[1:-1]
    dumped = yaml.safe_dump(text, allow_unicode=True, width=_WIDTH)
    return dumped.removesuffix("\n...\n").rstrip("\n")


def _flow(value: Any) -> str:
    if isinstance(value, dict):
        items = (f"{_scalar(k, in_flow=True)}: {_flow(v)}" for k, v in value.items())
        return "{" + ", ".join(items) + "}"
    if isinstance(value, list):
        return "[" + ", ".join(_flow(v) for v in value) + "]"
    return _scalar(value, in_flow=True)


def _has_comment(comments: Mapping[Path, str], path: Path) -> bool:
    return any(p[: len(path)] == path and len(p) > len(path) for p in comments)


def _emit(
    value: Mapping[str, Any], indent: int, path: Path, comments: Mapping[Path, str], width: int
) -> list[str]:
    lines: list[str] = []
    pad = " " * indent
    for key, child in value.items():
        here = (*path, key)
        note = comments.get(here)
        suffix = f"  # {_one_line(note)}" if note else ""
        head = f"{pad}{_scalar(key)}:"
        nested = isinstance(child, dict) and child
        depth = _depth(child)
        small = depth == 1 or (depth == 2 and here[-1] == "tracking")
        if nested and small and len(here) >= 3 and not _has_comment(comments, here):
            flowed = f"{head} {_flow(child)}"
            if len(flowed) + len(suffix) <= width:
                lines.append(flowed + suffix)
                continue
        if nested:
            lines.append(head + suffix)
            lines.extend(_emit(child, indent + 2, here, comments, width))
        else:
            shown = _flow(child) if isinstance(child, dict | list) else _scalar(child)
            lines.append(f"{head} {shown}{suffix}")
    return lines


def _depth(value: Any) -> int:
    if isinstance(value, dict):
        return 1 + max((_depth(v) for v in value.values()), default=0)
    return 0


def render(data: Mapping[str, Any], comments: Mapping[Path, str], header: Sequence[str]) -> str:
    """The YAML text: header comment, then sections separated by blank lines.

    Nested mappings fit on one line as flow mappings when short (like the examples);
    strings go through PyYAML's own quoting (newlines, ``%``, ``:`` and friends come back
    exactly) and ``${env:...}`` references are always double-quoted.
    """
    lines = list(header)
    for key, value in data.items():
        lines.append("")
        if isinstance(value, dict) and value:
            lines.append(f"{_scalar(key)}:")
            for i, (sub, child) in enumerate(value.items()):
                if i and key == "providers":
                    lines.append("")
                lines.extend(_emit({sub: child}, 2, (key,), comments, 100))
        else:
            lines.append(f"{_scalar(key)}: {_flow(value)}")
    return "\n".join(lines) + "\n"

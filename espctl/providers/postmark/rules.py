"""Postmark's validation rules beyond the schema, on the raw block (any value may have the
wrong type: the schema reports that). The stream id and description rules are shared with
the importer, which must not write what validation refuses."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from espctl.providers.kit.spec import Findings, PathKey
from espctl.providers.postmark.resources import DEFAULT_STREAMS, MAX_STREAMS

#: a message stream id the config may declare (and not ``pm-``, Postmark's own prefix)
STREAM_ID = re.compile(r"^[a-z0-9][a-z0-9-]*$")
#: Postmark refuses HTML in stream descriptions
HTML = re.compile(r"<[A-Za-z/!][^>]*>")


def _d(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def streams(block: Mapping[str, Any]) -> dict[str, str]:
    """The streams a raw block declares, each with its type (``""`` when unreadable)."""
    declared = _d(block.get("message_streams"))
    return {sid: str(_d(spec).get("type", "")) for sid, spec in declared.items()}


def check_block(findings: Findings, base: PathKey, block: Mapping[str, Any]) -> None:
    """The stream limit (defaults included) and each stream's id and fields."""
    declared = _d(block.get("message_streams"))
    total = len(set(declared) | set(DEFAULT_STREAMS))
    if total > MAX_STREAMS:
        findings.error(
            (*base, "message_streams"),
            f"{total} streams including the defaults outbound and inbound; "
            f"Postmark allows at most {MAX_STREAMS} per server",
        )
    for sid, spec in declared.items():
        _stream(findings, (*base, "message_streams", sid), sid, _d(spec))


def _stream(findings: Findings, path: PathKey, sid: str, spec: dict[str, Any]) -> None:
    if not STREAM_ID.match(sid):
        findings.error(path, f"stream id '{sid}' must match [a-z0-9-]+", key=True)
    elif sid.startswith("pm-"):
        findings.error(path, f"stream id '{sid}' must not start with 'pm-' (Postmark)", key=True)
    if sid == "inbound":
        findings.error(
            path, "'inbound' is Postmark's inbound stream; it cannot be managed", key=True
        )
    if sid == "outbound" and spec.get("type") not in (None, "transactional"):
        findings.error((*path, "type"), "the default stream 'outbound' is transactional")
    description = spec.get("description")
    if isinstance(description, str) and HTML.search(description):
        findings.error((*path, "description"), "Postmark refuses HTML in stream descriptions")

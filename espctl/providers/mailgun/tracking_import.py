"""Mailgun tracking as config: the most common value per key goes into ``defaults``.

For each tracking key (opens, clicks, unsubscribe, html and text footers) the most
common value across domains goes into ``defaults.tracking`` (ties: the value of the
alphabetically first domain) and a domain lists only the keys that differ, which
:func:`espctl.providers.mailgun.resources.merged_tracking` merges back key by key. A key that some
domain cannot express (a footer holding ``${``) is not lifted; that domain leaves it
unmanaged, with a warning.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from typing import Any

from espctl.model.resources import Resource
from espctl.providers.kit.importing import (
    ImportDoc,
    has_ref,
)

TRACKING_KEYS = (
    "opens",
    "clicks",
    "unsubscribe",
    "unsubscribe_html_footer",
    "unsubscribe_text_footer",
)
_MISSING = object()


def domain_tracking(
    doc: ImportDoc,
    pid: str,
    names: Sequence[str],
    tracking_by_domain: Mapping[str, Resource],
    facts: Mapping[str, Any],
    raw_tracking: Mapping[str, Mapping[str, Any]],
) -> dict[str, dict[str, Any]]:
    """Per domain, the five keys (or ``_MISSING`` when a value cannot be written).

    Warns about what the config cannot express (``${`` in a value, ``place_at_the_top``,
    ``web_scheme: http``) and marks each domain's tracking resource as managed.
    """
    values: dict[str, dict[str, Any]] = {}
    for name in names:
        tracking = tracking_by_domain.get(name)
        row: dict[str, Any] = {}
        for key in TRACKING_KEYS:
            value = tracking.fields.get(key, _MISSING) if tracking is not None else _MISSING
            if isinstance(value, str) and has_ref(value):
                doc.warn(
                    pid,
                    f"domain {name!r}: tracking {key} contains '${{', which the config "
                    "loader reads as a reference; left unmanaged",
                )
                value = _MISSING
            row[key] = value
        values[name] = row
        if tracking is not None:
            doc.manage(tracking)
        raw = raw_tracking.get(name) or {}
        if (raw.get("open") or {}).get("place_at_the_top"):
            doc.warn(
                pid,
                f"domain {name!r}: open tracking place_at_the_top is on; espctl cannot express it",
            )
        scheme = (facts.get(name) or {}).get("web_scheme") or raw.get("web_scheme")
        if scheme == "http":
            doc.warn(
                pid,
                f"domain {name!r}: web_scheme is http (tracking links without TLS); espctl "
                "cannot express web_scheme",
            )
    return values


def lifted_defaults(
    names: Sequence[str], values: Mapping[str, Mapping[str, Any]]
) -> dict[str, Any]:
    """Per key every domain can express: its most common value (ties: the first domain's)."""
    defaults: dict[str, Any] = {}
    for key in TRACKING_KEYS:
        column = [values[n][key] for n in names]
        if not column or any(v is _MISSING for v in column):
            continue
        counts = Counter(_hashable(v) for v in column)
        best = max(counts.values())
        defaults[key] = next(v for v in column if counts[_hashable(v)] == best)
    return defaults


def overrides(row: Mapping[str, Any], defaults: Mapping[str, Any]) -> dict[str, Any]:
    """A domain's own keys: those it can express whose value differs from the default."""
    return {
        k: v
        for k, v in row.items()
        if v is not _MISSING and (k not in defaults or _hashable(defaults[k]) != _hashable(v))
    }


def _hashable(value: Any) -> tuple[str, Any]:
    return (type(value).__name__, value)


def tracking_spec(values: Mapping[str, Any]) -> dict[str, Any]:
    spec: dict[str, Any] = {}
    if "opens" in values:
        spec["opens"] = values["opens"]
    if "clicks" in values:
        spec["clicks"] = values["clicks"]
    unsub: dict[str, Any] = {}
    for key, name in (
        ("unsubscribe", "enabled"),
        ("unsubscribe_html_footer", "html_footer"),
        ("unsubscribe_text_footer", "text_footer"),
    ):
        if key in values:
            unsub[name] = values[key]
    if unsub:
        spec["unsubscribe"] = unsub
    return spec

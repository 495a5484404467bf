"""Routing shares and webhooks that fire twice, as the template prints them.

Routing: every provider's sent mail in the window is one population, split into the
rules (by the tags of their email types), ``routing.default`` (tags no rule names)
and mail that is untagged or carries a tag espctl could not identify. The rows add up
to the population, and the displayed shares to exactly 100 %.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from espctl.report.data import ReportData

View = dict[str, Any]


def shares_to_tenths(counts: list[int]) -> list[int]:
    """Shares of ``sum(counts)`` in tenths of a percent (largest remainder), summing to
    exactly 1,000 when the total is positive, so a column of shares adds up to 100.0 %."""
    total = sum(counts)
    if total <= 0:
        return [0 for _ in counts]
    exact = [c * 1000 / total for c in counts]
    floors = [int(x) for x in exact]
    order = sorted(
        range(len(counts)), key=lambda i: (exact[i] - floors[i], counts[i]), reverse=True
    )
    for i in order[: 1000 - sum(floors)]:
        floors[i] += 1
    return floors


@dataclass
class _Row:
    kind: str  # "rule" | "default" | "unmatched"
    label: str
    tags: list[str]
    target: str | None
    fallbacks: tuple[str, ...]
    email_types: tuple[str, ...]
    per_provider: dict[str, int]
    incomplete: list[str]

    @property
    def sent(self) -> int:
        return sum(self.per_provider.values())


def routing_view(data: ReportData) -> View:
    """Rows (rules, default, unmatched) with per-provider counts and shares."""
    providers = [p for p in data.providers if p.status != "failed" and p.coverage is not None]
    ruled = {t for r in data.routing_rules for t in r.match_tags}
    rows = [
        _Row("rule", r.name, list(r.match_tags), r.target, r.fallbacks, r.email_types, {}, [])
        for r in data.routing_rules
    ]
    default = _Row(
        "default",
        "routing.default",
        [],
        data.routing_default,
        (),
        (),
        {},
        [],
    )
    unmatched = _Row("unmatched", "untagged or tag not identified", [], None, (), (), {}, [])
    multi_tagged: dict[str, int] = {}
    for p in providers:
        tag_sent = {t.tag: t.counts.sent for t in p.tags}
        for row in rows:
            row.per_provider[p.id] = sum(tag_sent.get(t, 0) for t in row.tags)
            row.incomplete.extend(f"{p.id}: {t}" for t in row.tags if t in p.unread_tags)
        others = sorted(t for t in tag_sent if t not in ruled and tag_sent[t])
        default.tags.extend(t for t in others if t not in default.tags)
        default.per_provider[p.id] = sum(tag_sent[t] for t in others)
        tagged = sum(tag_sent.values())
        unmatched.per_provider[p.id] = max(0, p.totals.sent - tagged)
        if tagged > p.totals.sent:
            multi_tagged[p.id] = tagged - p.totals.sent
        if p.unread_tags:
            unmatched.incomplete.extend(f"{p.id}: {t}" for t in p.unread_tags)
    every = [*rows, default, unmatched]
    total = sum(r.sent for r in every)
    tenths = shares_to_tenths([r.sent for r in every])
    out = []
    for row, share in zip(every, tenths, strict=True):
        out.append(
            {
                "kind": row.kind,
                "label": row.label,
                "email_types": row.email_types,
                "tags": sorted(row.tags),
                "target": row.target,
                "fallbacks": row.fallbacks,
                "cells": [row.per_provider.get(p.id, 0) for p in providers],
                "sent": row.sent,
                "share": f"{share / 10:.1f}%" if total else "—",
                "matched_nothing": row.kind == "rule" and row.sent == 0,
                "incomplete": row.incomplete,
            }
        )
    return {
        "providers": providers,
        "rows": out,
        "total": total,
        "sent": sum(p.totals.sent for p in providers),
        "multi_tagged": multi_tagged,
        "partial_tags": [p.id for p in providers if not p.tags_complete],
        "excluded": [p.id for p in data.providers if p not in providers],
    }


def bare_url(url: str) -> str:
    """The URL without userinfo: two hooks differing only in credentials are one URL.

    Plain string surgery (no ``urlsplit``): a hostile URL must not raise here.
    """
    scheme, sep, rest = url.partition("://")
    if not sep:
        return url
    authority, slash, path = rest.partition("/")
    return f"{scheme}{sep}{authority.rsplit('@', 1)[-1]}{slash}{path}"


def duplicate_deliveries(data: ReportData) -> list[View]:
    """URLs that receive one event twice for the same messages (same provider and scope).

    A provider-wide (``account``) webhook covers every scope of its provider, so it
    duplicates a per-stream or per-domain webhook with the same URL and event, unless the
    provider itself sends each URL once (``deduplicated``: the same URL, credentials
    included, counts once; other credentials still make a second delivery).
    """
    seen: dict[tuple[str, str, str, str], set[tuple[str, object]]] = {}
    scopes: dict[str, set[str]] = {}
    for w in data.webhooks:
        scopes.setdefault(w.provider, set()).add(w.scope)
    for i, w in enumerate(data.webhooks):
        covered = (
            sorted(s for s in scopes[w.provider] if not s.startswith("account"))
            if w.scope.startswith("account")
            else [w.scope]
        ) or [w.scope]
        delivery: tuple[str, object] = ("url", w.url) if w.deduplicated else ("hook", i)
        for scope in covered:
            for t in w.triggers:
                key = (w.provider, scope, bare_url(w.url), t.event)
                seen.setdefault(key, set()).add(delivery)
    grouped: dict[tuple[str, str, str], list[str]] = {}
    for (provider, scope, url, event), sources in seen.items():
        if len(sources) > 1:
            grouped.setdefault((provider, scope, url), []).append(event)
    return [
        {"provider": provider, "scope": scope, "url": url, "events": sorted(events)}
        for (provider, scope, url), events in sorted(grouped.items())
    ]

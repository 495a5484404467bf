"""Mailgun's limits on webhooks, as pure functions of resources: what plan and apply obey.

At most 3 URLs per event (per domain, and at account level), counting the URLs other
integrations keep there; a host Mailgun cannot resolve is refused when a webhook is
saved. :func:`url_limit_checks` and :func:`releases_room` are the Mailgun provider's
``Capabilities.limits`` and ``releases``; :func:`refused_host` its plan-time URL check.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Sequence
from urllib.parse import urlsplit

from espctl.model.resources import Check, Resource
from espctl.providers.mailgun.resources import (
    KIND_WEBHOOK,
    MAX_URLS_PER_EVENT,
    WEBHOOK_KINDS,
    events_of,
)

#: names that never resolve publicly (RFC 2606, RFC 6761, mDNS)
RESERVED_SUFFIXES = (".invalid", ".test", ".localhost", ".local")


def refused_host(url: str) -> str | None:
    """Why Mailgun would refuse ``url`` as a webhook URL offline-detectably, or None.

    Mailgun checks that the host resolves when a webhook is saved (400 "... is not a
    valid url: host not found", ESP-API.md 2.6). espctl cannot resolve names offline;
    these cannot resolve publicly: a name without a dot, reserved suffixes, and IP
    literals outside the public address space.
    """
    try:
        host = (urlsplit(url).hostname or "").rstrip(".").lower()
    except ValueError:
        return None  # validate reports the URL itself
    if not host:
        return None
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        if "." not in host:
            return f"host '{host}' has no dot"
        suffix = next((s for s in RESERVED_SUFFIXES if host.endswith(s) or host == s[1:]), None)
        return f"host '{host}' is under the reserved suffix {suffix}" if suffix else None
    if not address.is_global:
        return f"{address} is not a public address"
    return None


def releases_room(action: str, before: Resource | None, after: Resource | None) -> bool:
    """True for a webhook change that only frees places under the 3-URL limit.

    A delete, or an update that drops events and adds none: apply runs these before the
    changes that take places, so a full event never needs a fourth URL in between (an
    update that both drops and adds events runs with the others).
    """
    if action == "delete":
        return True
    if action == "update":
        dropped = events_of(before) - events_of(after)
        return bool(dropped) and not events_of(after) - events_of(before)
    return False


def url_limit_checks(
    declared: Sequence[Resource], kept: Sequence[Resource], current: Sequence[Resource] = ()
) -> list[Check]:
    """The 3-URL limit over what exists after apply: declared URLs and live ones kept.

    ``kept`` are live webhooks the config does not declare and the plan does not delete
    (other integrations' URLs under ``policy.unmanaged: warn``/``ignore``, protected
    ones): Mailgun counts them, so a plan that needs a fourth URL on an event is a failed
    check, not a change that Mailgun would refuse. Counted per domain and event, and
    separately for the account level (its limit is its own: "Maximum of 3 unique URLs per
    event type"; whether Mailgun also counts account URLs against each domain is
    UNCONFIRMED, and counting them would refuse plans Mailgun may accept).

    A failed check is an ``error`` that blocks the declared URLs that would take a place
    on that event (``current``, the live state of declared ones, says which are on it
    already): the plan shows their changes as blocked, apply does not attempt them.
    """
    already = {(r.kind, r.key): events_of(r) for r in current}
    mine: dict[tuple[str, str, str], list[str]] = {}
    others: dict[tuple[str, str, str], list[str]] = {}
    takers: dict[tuple[str, str, str], list[str]] = {}
    for group, resources in ((mine, declared), (others, kept)):
        for r in resources:
            if r.kind not in WEBHOOK_KINDS:
                continue
            scope = r.parent if r.kind == KIND_WEBHOOK and r.parent else ""
            shown = r.key[len(scope) + 1 :] if scope else r.key
            for event_id in sorted(events_of(r)):
                group.setdefault((r.provider, scope, event_id), []).append(shown)
                if group is mine and event_id not in already.get((r.kind, r.key), ()):
                    takers.setdefault((r.provider, scope, event_id), []).append(r.key)
    checks = []
    for provider, scope, event_id in sorted(set(mine) | set(others)):
        ours = mine.get((provider, scope, event_id), [])
        theirs = others.get((provider, scope, event_id), [])
        total = len(ours) + len(theirs)
        if total <= MAX_URLS_PER_EVENT or not ours:
            continue
        where = f"on {scope}" if scope else "at account level"
        subject = f"{scope} {event_id}" if scope else f"account {event_id}"
        listed = ", ".join(sorted(set(theirs)))
        checks.append(
            Check(
                provider,
                "webhook limit",
                subject,
                False,
                f"{event_id} webhooks {where} would have {total} URLs after apply; Mailgun "
                f"allows at most {MAX_URLS_PER_EVENT}: {len(ours)} declared, {len(theirs)} "
                f"not in the config and kept ({listed}); remove URLs from the config, "
                "delete the others at Mailgun, or set policy.unmanaged: prune",
                severity="error",
                blocks=tuple(sorted(set(takers.get((provider, scope, event_id), ())))),
            )
        )
    return checks

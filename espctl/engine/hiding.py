"""What plans and reports hide: live values where the config's are secret.

Pure. The config's own secrets are Secrets already (credentials, values from the
environment, see :mod:`espctl.engine.desired`); a live value in the same place, or
holding a value from the environment, is hidden the same way before anything shows it.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import replace

from espctl.errors import redact as redact_text
from espctl.model.resources import Check, LiveState, Resource, hide_values, mirror


def with_secrets_of(desired: Resource, live: Resource) -> Resource:
    """The live resource with its values hidden wherever the config's are secret.

    A live value in a place where the config holds a credential or an environment value
    (the old password, last month's token) is shown no more than the config's own.
    """
    fields = {
        name: mirror(desired.fields[name], value) if name in desired.fields else value
        for name, value in live.fields.items()
    }
    return replace(live, fields=fields, sensitive=live.sensitive | desired.sensitive)


def hide_live(
    state: LiveState, desired: Sequence[Resource], secrets: Collection[str] = ()
) -> LiveState:
    """A provider's live state hidden as the plan hides it (for the report's own views)."""
    want = {(r.kind, r.key): r for r in desired}
    resources = tuple(hidden_like_config(without_values(r, secrets), want) for r in state.resources)
    return replace(state, resources=resources)


def without_values(live: Resource, secrets: Collection[str]) -> Resource:
    if not secrets:
        return live
    fields = {name: hide_values(value, secrets) for name, value in live.fields.items()}
    return replace(live, fields=fields)


def hidden_like_config(live: Resource, want: Mapping[tuple[str, str], Resource]) -> Resource:
    """A live resource hidden like the config resource it is (or duplicates)."""
    key = live.duplicate_of if live.duplicate_of is not None else live.key
    desired = want.get((live.kind, key))
    return with_secrets_of(desired, live) if desired is not None else live


def masked(check: Check) -> Check:
    """A check whose free text shows no secret in play (see :func:`espctl.errors.redact`)."""
    return replace(check, subject=redact_text(check.subject), message=redact_text(check.message))

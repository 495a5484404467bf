"""Helpers the providers' report summaries share
(:attr:`~espctl.providers.kit.spec.ProviderSpec.summary`)."""

from __future__ import annotations

from espctl.model.resources import LiveState, Resource


def resources(live: LiveState, kind: str) -> list[Resource]:
    """The live resources of one kind."""
    return [r for r in live.resources if r.kind == kind]


def masked(url: str, username: object) -> str:
    """A URL with basic-auth userinfo shown as ``user:***@``."""
    if not username:
        return url
    scheme, _, rest = url.partition("://")
    return f"{scheme}://{username}:***@{rest}"

"""What connection probes share: the causes of failures every provider's API can have."""

from __future__ import annotations

from collections.abc import Collection

from espctl.errors import ProviderBadResponse, ProviderError


def common_cause(
    exc: ProviderError,
    label: str,
    *,
    settings: str = "`endpoint`",
    failing: str = "is failing",
    not_the_api: Collection[int] = (),
) -> str | None:
    """Why a probe failed, when the cause is not the provider's own: no answer (check
    ``settings``), rate limited, a server error (``label`` ``failing``), or an endpoint
    that does not answer like the API (a non-JSON body, or a status in ``not_the_api``).
    None: the provider's probe says more."""
    if exc.status is None:
        return f"no answer from the endpoint: check {settings} and the network"
    if exc.status == 429:
        return f"{label} rate limited the requests (HTTP 429); try again shortly"
    if exc.status >= 500:
        return f"{label} {failing} (HTTP 5xx); try again later"
    if (
        exc.status in not_the_api
        or exc.detail.startswith("expected JSON")
        or isinstance(exc, ProviderBadResponse)
    ):
        return f"the endpoint does not answer like the {label} API: check `endpoint`"
    return None

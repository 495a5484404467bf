"""Read every provider's live state concurrently (the engine's only async step)."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Mapping, Sequence

from espctl.errors import EspctlError, ProvidersFailed
from espctl.model.resources import LiveState, Resource
from espctl.model.text import plural
from espctl.providers.kit.protocol import Provider

Notify = Callable[[str], None]
PROGRESS_AFTER = 1.0


async def read_all(
    providers: Mapping[str, Provider],
    desired: Mapping[str, Sequence[Resource]],
    notify: Notify | None = None,
    requests: Callable[[], int] | None = None,
    waiting: Callable[[], Sequence[str]] | None = None,
) -> dict[str, LiveState]:
    """Read all providers at once; after a second, say on ``notify`` what is going on.

    ``waiting`` names what the reads wait for (a provider's rate limit), added to the
    progress line so a long pause is explained.
    """
    start = time.perf_counter()

    async def progress() -> None:
        await asyncio.sleep(PROGRESS_AFTER)
        while True:
            sent = f", {plural(requests(), 'request')}" if requests else ""
            waits = "; ".join(waiting()) if waiting else ""
            if notify:
                notify(
                    f"reading live state from {', '.join(sorted(providers))}"
                    f" ({time.perf_counter() - start:.0f}s{sent})..."
                    + (f" {waits}" if waits else "")
                )
            await asyncio.sleep(2.0)

    ticker = asyncio.create_task(progress())
    try:
        # every provider runs to the end: the errors are then reported one per provider,
        # in provider-id order, never in the order they happened to arrive
        results = await asyncio.gather(
            *(providers[pid].read(desired.get(pid, ())) for pid in sorted(providers)),
            return_exceptions=True,
        )
    finally:
        ticker.cancel()
    raise_in_order(results)
    elapsed = time.perf_counter() - start
    if notify and elapsed > PROGRESS_AFTER:
        sent = f", {plural(requests(), 'request')}" if requests else ""
        notify(f"read live state in {elapsed:.1f}s{sent}")
    return dict(zip(sorted(providers), results, strict=True))  # type: ignore[arg-type]


def raise_in_order(results: Sequence[object]) -> None:
    """Raise the errors among ``results`` (in their order): one, or all of them at once."""
    errors: list[EspctlError] = []
    for result in results:
        if isinstance(result, EspctlError):
            errors.append(result)
        elif isinstance(result, BaseException):
            raise result  # a bug, a cancellation or an interrupt: not ours to collect
    if len(errors) == 1:
        raise errors[0]
    if errors:
        raise ProvidersFailed(errors)

"""Read every provider's live state concurrently (the engine's only async step)."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Mapping, Sequence

from espctl.model.resources import LiveState, Resource
from espctl.providers.base import Provider

Notify = Callable[[str], None]
PROGRESS_AFTER = 1.0


async def read_all(
    providers: Mapping[str, Provider],
    desired: Mapping[str, Sequence[Resource]],
    notify: Notify | None = None,
    requests: Callable[[], int] | None = None,
) -> dict[str, LiveState]:
    """Read all providers at once; after a second, say on ``notify`` what is going on."""
    start = time.perf_counter()

    async def progress() -> None:
        await asyncio.sleep(PROGRESS_AFTER)
        while True:
            sent = f", {requests()} requests" if requests else ""
            if notify:
                notify(
                    f"reading live state from {', '.join(sorted(providers))}"
                    f" ({time.perf_counter() - start:.0f}s{sent})..."
                )
            await asyncio.sleep(2.0)

    ticker = asyncio.create_task(progress())
    try:
        results = await asyncio.gather(
            *(providers[pid].read(desired.get(pid, ())) for pid in sorted(providers))
        )
    finally:
        ticker.cancel()
    elapsed = time.perf_counter() - start
    if notify and elapsed > PROGRESS_AFTER:
        sent = f", {requests()} requests" if requests else ""
        notify(f"read live state in {elapsed:.1f}s{sent}")
    return dict(zip(sorted(providers), results, strict=True))

"""AWS calls run in a thread pool bounded by ``--parallelism`` and stop at the command's
time limit (no wall-clock assertion: events and counters only)."""

from __future__ import annotations

import asyncio
import threading
from typing import Any, cast

import pytest
from botocore.client import BaseClient

from espctl.errors import ProviderUnavailable
from espctl.providers.kit.http_options import HttpOptions
from espctl.providers.ses.aws import AwsCaller
from tests.providers.ses.helpers import load


class _Gate:
    """A stand-in botocore client: ``get_account`` blocks until released and counts how
    many calls are inside at once."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.inside = 0
        self.most = 0
        self.release = threading.Event()
        self.entered = threading.Semaphore(0)

    def get_account(self) -> dict[str, Any]:
        with self.lock:
            self.inside += 1
            self.most = max(self.most, self.inside)
        self.entered.release()
        self.release.wait(timeout=30)
        with self.lock:
            self.inside -= 1
        return {"SendingEnabled": True, "ResponseMetadata": {"RetryAttempts": 1}}

    def close(self) -> None:
        pass


@pytest.mark.parametrize("parallelism", [1, 3])
def test_calls_in_flight_never_exceed_the_parallelism(parallelism: int) -> None:
    block, _ = load()
    gate = _Gate()
    caller = AwsCaller(
        "ses",
        block,
        HttpOptions(parallelism=parallelism),
        clients={"sesv2": cast(BaseClient, gate)},
    )

    async def main() -> list[dict[str, Any]]:
        calls = [asyncio.ensure_future(caller.call("sesv2", "GetAccount")) for _ in range(6)]
        for _ in range(parallelism):  # as many as the pool lets in...
            await asyncio.to_thread(gate.entered.acquire)
        await asyncio.sleep(0)
        gate.release.set()  # ...then everyone finishes
        return list(await asyncio.gather(*calls))

    answers = asyncio.run(main())
    caller.close()
    assert answers == [{"SendingEnabled": True}] * 6  # ResponseMetadata dropped
    assert gate.most == parallelism
    assert caller.stats.requests == 6 and caller.stats.retries == 6


def test_a_call_past_the_command_time_limit_is_unavailable() -> None:
    block, _ = load()
    gate = _Gate()
    caller = AwsCaller(
        "ses",
        block,
        HttpOptions(command_timeout=0.05),
        clients={"sesv2": cast(BaseClient, gate)},
    )
    with pytest.raises(ProviderUnavailable, match=r"sesv2 GetAccount: no response: gave up"):
        asyncio.run(caller.call("sesv2", "GetAccount"))
    gate.release.set()
    caller.close()

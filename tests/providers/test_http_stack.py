"""The HTTP stack does no import work per request.

httpcore asks ``import sniffio`` inside every lock, event and semaphore it makes and
falls back to asyncio when the import fails; a failed import is not cached, so without
sniffio installed each request scanned ``sys.path`` about seven times (pyproject.toml
says why espctl depends on sniffio). This test sends real requests to the sandbox on
127.0.0.1 and records every import the interpreter had to look for meanwhile.
"""

from __future__ import annotations

import asyncio
import importlib.abc
import sys
from collections.abc import Sequence
from importlib.machinery import ModuleSpec
from types import ModuleType

from espctl.providers.kit.http import HttpClient, HttpOptions
from espctl.sandbox import SandboxApp, SandboxCredentials, running_server, seed_account

TOKEN = "stack-test-token"


class Recorder(importlib.abc.MetaPathFinder):
    """Sees every import that is not already in ``sys.modules``, finds nothing."""

    def __init__(self) -> None:
        self.looked_for: list[str] = []

    def find_spec(
        self,
        fullname: str,
        path: Sequence[str] | None,
        target: ModuleType | None = None,
    ) -> ModuleSpec | None:
        self.looked_for.append(fullname)
        return None


def test_requests_look_up_no_module() -> None:
    app = SandboxApp(
        seed_account(seed=0), credentials=SandboxCredentials({"postmark": {"server_token": TOKEN}})
    )
    with running_server(app) as base_url:

        async def send(count: int) -> None:
            http = HttpClient(
                "postmark",
                base_url,
                headers={"X-Postmark-Server-Token": TOKEN},
                options=HttpOptions(parallelism=4),
            )
            try:
                await asyncio.gather(*(http.request("GET", "/server") for _ in range(count)))
            finally:
                await http.aclose()

        asyncio.run(send(5))  # warm up: first use may import what it needs once
        recorder = Recorder()
        sys.meta_path.insert(0, recorder)
        try:
            asyncio.run(send(20))
        finally:
            sys.meta_path.remove(recorder)
    assert recorder.looked_for == []

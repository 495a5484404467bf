"""A sandbox server in a child process, for the benchmarks that time espctl against it.

In the measured process the sandbox's HTTP server threads would share the interpreter
lock with espctl's client, so its CPU (parsing, JSON, the simulated account) would
count as espctl's. A real provider's servers are elsewhere: serving from a child
process (forked, so the account built by the caller is not pickled) measures espctl
alone, the server having a core of its own on a 2-core machine.
"""

from __future__ import annotations

import multiprocessing
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from multiprocessing.connection import Connection

from espctl.sandbox import SandboxApp, running_server


def _serve(make_app: Callable[[], SandboxApp], conn: Connection) -> None:
    with running_server(make_app()) as base_url:
        conn.send(base_url)
        with suppress(EOFError):  # the parent went away: stop too
            conn.recv()  # until the parent says stop


@contextmanager
def sandbox_in_child(make_app: Callable[[], SandboxApp]) -> Iterator[str]:
    """Yield the base URL of a sandbox served by a forked child until the block ends."""
    ours, theirs = multiprocessing.Pipe()
    process = multiprocessing.get_context("fork").Process(
        target=_serve, args=(make_app, theirs), daemon=True
    )
    process.start()
    try:
        if not ours.poll(60):
            raise RuntimeError("the sandbox child did not start within 60 s")
        yield str(ours.recv())
    finally:
        ours.send("stop")
        process.join(10)
        if process.is_alive():
            process.kill()

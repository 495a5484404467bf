"""Run reads concurrently, but fail deterministically.

``asyncio.gather`` raises whichever error *arrives* first, so the same broken account
could give a different message on every run. :func:`settle` waits for every awaitable
to finish and then raises by a fixed rule: a rejected credential first (it explains
every other failure of that provider, and its message names no request), otherwise the
first error in argument order, which callers make the plan's deterministic order
(listing before details, domains sorted). A rejected credential cancels the rest of its
client's requests (see :mod:`espctl.providers.kit.http`), so waiting costs nothing then.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable
from typing import Any, TypeVar

from espctl.errors import CredentialRejected

T = TypeVar("T")


async def settle(*awaitables: Awaitable[Any]) -> list[Any]:
    """Like ``asyncio.gather`` but the error raised does not depend on timing."""
    results = await asyncio.gather(*awaitables, return_exceptions=True)
    errors = [r for r in results if isinstance(r, BaseException)]
    if not errors:
        return results
    for error in errors:
        if not isinstance(error, Exception):
            raise error  # cancellation and interrupts are not ours to reorder
    rejected = [e for e in errors if isinstance(e, CredentialRejected)]
    raise (rejected or errors)[0]


async def settle_each(awaitables: list[Awaitable[T]]) -> list[T]:
    """:func:`settle` for a homogeneous list (typed results)."""
    return await settle(*awaitables)

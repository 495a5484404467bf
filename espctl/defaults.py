"""Defaults that ``--help`` and the README show: plain numbers, no imports.

The modules that use them (the HTTP client's options, the apply lock, the connection
test) are heavy to import, and the command line must show their defaults without
loading them (``espctl plan --help`` starts like a native tool, README "Benchmarks").
So the numbers live here, the lowest layer, and those modules take them from here.
"""

from __future__ import annotations

MIB = 1024 * 1024

#: the cap on one provider response body (``--max-response-mb``)
MAX_RESPONSE_BYTES = 32 * MIB
#: the cap on one paged provider listing (``--max-listing-items``)
MAX_LISTING_ITEMS = 100_000
#: seconds one provider request may take, body included (``--request-timeout``)
REQUEST_TIMEOUT = 60.0
#: seconds a command may spend on provider requests, retries included (``--command-timeout``)
COMMAND_TIMEOUT = 1800.0
#: concurrent requests per provider (``--parallelism``)
PARALLELISM = 8
#: seconds ``apply`` waits for another apply of the same config (``--lock-timeout``)
LOCK_TIMEOUT = 300.0
#: seconds a webhook receiver may take to answer ``espctl test --webhooks``
WEBHOOK_TIMEOUT = 5.0

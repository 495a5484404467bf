"""The sandbox's provider registry: provider type -> the simulated API that answers for it.

The only module of the sandbox that names the provider packages. A served sandbox routes
``/<type>/...`` to provider ``<type>`` (``/postmark/server``, ``/mailgun/v3/domains``,
``/mailgun/eu/v3/domains``), so providers never collide on paths: a future SendGrid
answers under ``/sendgrid/v3/...``, whatever Mailgun's ``/v3`` does.

The paths a served sandbox answered before prefixes existed stay, because users' configs
and CI recipes use them (``endpoint: http://127.0.0.1:PORT`` for Postmark,
``.../eu`` for Mailgun EU): :data:`LEGACY` lists, in the order they are tried, the
providers that claim such paths: Mailgun claims ``/v1``..``/v5`` and ``/eu/v1``..``/eu/v5``,
Postmark everything else at the root. A provider added later is reached only by its
prefix (and its real API hosts) and never joins this list.
"""

from __future__ import annotations

from .mailgun.provider import MAILGUN
from .postmark.provider import POSTMARK
from .provider import SandboxProvider

#: provider type -> the simulated API
PROVIDERS: dict[str, SandboxProvider] = {p.type: p for p in (POSTMARK, MAILGUN)}
#: the providers answering a served sandbox's unprefixed paths, tried in this order
LEGACY: tuple[SandboxProvider, ...] = (MAILGUN, POSTMARK)

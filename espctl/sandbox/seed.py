"""The deterministic seeded account: settings that drift from examples/quickstart.yaml.

Same ``seed`` and ``now`` -> byte-identical state. Each provider draws its part
(``SandboxProvider.seed``, in ``<type>/seed.py``, whose docstring lists the drift so that
end-to-end tests can assert exact plans) from one ``random.Random``, in registry order:
a provider added later draws after the others, so their parts stay as they were.
"""

from __future__ import annotations

import random
from datetime import datetime

from . import registry
from .state import AccountState, ProviderState, today_utc

#: the Acme account's webhook receivers, which several providers' parts name
EVENTS_URL = "https://hooks.acme-mail.com/esp/events"
ENGAGEMENT_URL = "https://hooks.acme-mail.com/esp/engagement"


def random_hex(rng: random.Random, n: int) -> str:
    return "".join(rng.choice("0123456789abcdef") for _ in range(n))


def random_dkim_key(rng: random.Random) -> str:
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
    return "MIGfMA0GCSqGSIb3DQEBAQUAA4GNADCBiQKBgQ" + "".join(
        rng.choice(alphabet) for _ in range(120)
    )


def seed_account(seed: int = 0, now: datetime | None = None) -> AccountState:
    """Build the seeded account: every registered provider's seeded part."""
    rng = random.Random(f"espctl-sandbox-seed:{seed}")
    now = now or today_utc()
    parts: dict[str, ProviderState] = {
        provider_type: provider.seed(rng, now)
        for provider_type, provider in registry.providers().items()
    }
    return AccountState(seed=seed, now=now, providers=parts)

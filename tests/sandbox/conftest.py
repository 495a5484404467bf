from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import httpx
import pytest

from espctl.sandbox import SandboxApp, SandboxTransport, seed_account

NOW = datetime(2024, 6, 1, tzinfo=UTC)
SERVER = {"X-Postmark-Server-Token": "sandbox-postmark-server-token"}
ACCOUNT = {"X-Postmark-Account-Token": "sandbox-postmark-account-token"}
MG_AUTH = ("api", "sandbox-mailgun-api-key")


@pytest.fixture
def app() -> SandboxApp:
    return SandboxApp(seed_account(seed=7, now=NOW))


@pytest.fixture
def pm(app: SandboxApp) -> Iterator[httpx.Client]:
    with httpx.Client(
        transport=SandboxTransport(app), base_url="https://api.postmarkapp.com", headers=SERVER
    ) as client:
        yield client


@pytest.fixture
def pm_account(app: SandboxApp) -> Iterator[httpx.Client]:
    with httpx.Client(
        transport=SandboxTransport(app), base_url="https://api.postmarkapp.com", headers=ACCOUNT
    ) as client:
        yield client


@pytest.fixture
def mg(app: SandboxApp) -> Iterator[httpx.Client]:
    with httpx.Client(
        transport=SandboxTransport(app), base_url="https://api.eu.mailgun.net", auth=MG_AUTH
    ) as client:
        yield client


@pytest.fixture
def mg_us(app: SandboxApp) -> Iterator[httpx.Client]:
    with httpx.Client(
        transport=SandboxTransport(app), base_url="https://api.mailgun.net", auth=MG_AUTH
    ) as client:
        yield client

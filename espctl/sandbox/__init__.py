"""The sandbox: an offline simulator of the provider APIs espctl uses (Postmark, Mailgun,
SendGrid, Amazon SES: one package each under ``espctl/sandbox/<type>/``).

Public API::

    app = SandboxApp(seed_account(seed=0), credentials=SandboxCredentials())
    client = httpx.Client(transport=SandboxTransport(app))     # in process
    with running_server(app) as base_url: ...                  # real HTTP on 127.0.0.1
    app.faults.add(method="POST", path_regex="/webhooks", kind="429", times=2)
    app.traffic.total(provider="mailgun", bucket="news.acme-mail.com", tag="digest")
    with SandboxStore(".espctl/sandbox.json").transaction() as app: ...
    app = SandboxApp(account_for(AccountSpec({"mailgun": (("mg.example.com", "eu"),)})))

Each simulated provider is a package (``postmark/``, ``mailgun/``) listed in
:mod:`.registry`; a served sandbox answers for it under ``/<type>/...`` and at the paths of
before (see :mod:`.app`). It imports nothing from ``espctl.providers`` or ``espctl.config``.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .app import SandboxApp
    from .blank import AccountSpec, account_for
    from .credentials import SandboxCredentials
    from .faults import FaultKind, FaultPlan, FaultRule
    from .http import Request, Response
    from .seed import seed_account
    from .server import running_server
    from .state import AccountState
    from .store import (
        DEFAULT_STATE_PATH,
        FROM_CONFIG_STATE_PATH,
        SandboxStore,
        load_state,
        save_state,
    )
    from .traffic import DayCounts, Traffic
    from .transport import SandboxTransport

#: each public name -> the module defining it, imported on first use (PEP 562), so that
#: ``espctl.sandbox.defaults`` and the registry's plain descriptions (what ``espctl sandbox
#: --help`` shows) load nothing else
_LAZY = {
    "AccountSpec": "blank",
    "AccountState": "state",
    "DEFAULT_STATE_PATH": "store",
    "DayCounts": "traffic",
    "FROM_CONFIG_STATE_PATH": "store",
    "FaultKind": "faults",
    "FaultPlan": "faults",
    "FaultRule": "faults",
    "Request": "http",
    "Response": "http",
    "SandboxApp": "app",
    "SandboxCredentials": "credentials",
    "SandboxStore": "store",
    "SandboxTransport": "transport",
    "Traffic": "traffic",
    "account_for": "blank",
    "load_state": "store",
    "running_server": "server",
    "save_state": "store",
    "seed_account": "seed",
}


def __getattr__(name: str) -> object:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f".{module}", __name__), name)
    globals()[name] = value
    return value


__all__ = [
    "DEFAULT_STATE_PATH",
    "FROM_CONFIG_STATE_PATH",
    "AccountSpec",
    "AccountState",
    "DayCounts",
    "FaultKind",
    "FaultPlan",
    "FaultRule",
    "Request",
    "Response",
    "SandboxApp",
    "SandboxCredentials",
    "SandboxStore",
    "SandboxTransport",
    "Traffic",
    "account_for",
    "load_state",
    "running_server",
    "save_state",
    "seed_account",
]

"""Fault injection: latency, 429, 5xx, stalls, dropped connections, malformed bodies.

A :class:`FaultPlan` decides, per request, an injected delay and at most one fault.
Decisions come from one ``random.Random(seed)`` consumed in request order, so the same
seed and the same request sequence give the same faults. Explicit rules added with
:meth:`FaultPlan.add` take precedence over random faults.

Every fault except ``timeout_after_commit`` is decided and delivered BEFORE the handler
runs, so a faulted write never changes state; ``timeout_after_commit`` runs the handler
(the write is applied) and then stalls, which is what idempotency tests need.
"""

from __future__ import annotations

import random
import re
import threading
from dataclasses import dataclass, field
from typing import Literal, get_args

FaultKind = Literal[
    "429", "429_body", "500", "502", "503", "stall", "drop", "malformed", "timeout_after_commit"
]
FAULT_KINDS: tuple[FaultKind, ...] = get_args(FaultKind)
#: Kinds drawn at random when ``rate > 0`` (timeout_after_commit and 429_body only on
#: request). ``429`` sends Retry-After (and, for Mailgun, X-RateLimit-Reset) headers;
#: ``429_body`` sends none: Mailgun's documented body ``{"retry-seconds": N}`` alone
#: (ESP-API.md 2.3), Postmark's error body alone (it documents no rate-limit headers).
RANDOM_KINDS: tuple[FaultKind, ...] = ("429", "500", "502", "503", "stall", "drop", "malformed")


@dataclass
class FaultRule:
    """Inject ``kind`` on matching requests, ``times`` times (None = every time)."""

    kind: FaultKind
    method: str | None = None
    path_regex: str | None = None
    provider: str | None = None
    times: int | None = 1
    retry_after: float = 1.0
    hits: int = 0

    def matches(self, method: str, path: str, provider: str) -> bool:
        if self.times is not None and self.hits >= self.times:
            return False
        if self.method is not None and self.method.upper() != method.upper():
            return False
        if self.provider is not None and self.provider != provider:
            return False
        return self.path_regex is None or re.search(self.path_regex, path) is not None


@dataclass(frozen=True)
class FaultDecision:
    """What to do with one request: an added delay and maybe a fault."""

    delay_s: float
    kind: FaultKind | None
    retry_after: float = 1.0
    #: the faulted request's path as its provider sees it (a provider speaking several
    #: wire protocols under one prefix answers in the one that path speaks)
    path: str = ""


@dataclass
class FaultPlan:
    """Latency and fault configuration, reproducible by ``seed``.

    ``latency_ms`` + uniform ``[0, jitter_ms]`` is added to every request. With
    probability ``rate`` a request gets a random fault from ``kinds``. ``stall_s`` is how
    long a served stall holds the connection (in process a stall raises a read timeout
    at once). ``history`` records ``(method, path, kind)`` of every faulted request.
    """

    seed: int = 0
    rate: float = 0.0
    latency_ms: float = 0.0
    jitter_ms: float = 0.0
    kinds: tuple[FaultKind, ...] = RANDOM_KINDS
    retry_after: float = 1.0
    stall_s: float = 30.0
    rules: list[FaultRule] = field(default_factory=list)
    history: list[tuple[str, str, FaultKind]] = field(default_factory=list)

    def __post_init__(self) -> None:
        if not 0.0 <= self.rate <= 1.0:
            raise ValueError("fault rate must be between 0 and 1")
        self._rng = random.Random(self.seed)
        self._lock = threading.Lock()

    def add(
        self,
        *,
        kind: FaultKind,
        method: str | None = None,
        path_regex: str | None = None,
        provider: str | None = None,
        times: int | None = 1,
        retry_after: float | None = None,
    ) -> FaultRule:
        """Add a per-route fault.

        Example: ``add(method="POST", path_regex="/webhooks", kind="429", times=2)``.
        """
        if kind not in FAULT_KINDS:
            raise ValueError(f"unknown fault kind {kind!r}")
        rule = FaultRule(
            kind=kind,
            method=method,
            path_regex=path_regex,
            provider=provider,
            times=times,
            retry_after=self.retry_after if retry_after is None else retry_after,
        )
        with self._lock:
            self.rules.append(rule)
        return rule

    def clear(self) -> None:
        """Remove every rule (random faults and latency stay)."""
        with self._lock:
            self.rules.clear()

    def decide(self, method: str, path: str, provider: str) -> FaultDecision:
        """Decide delay and fault for one request (thread-safe, consumes the seeded RNG)."""
        with self._lock:
            # Always draw the same number of values per request so that one request's
            # outcome never shifts the sequence seen by later ones.
            jitter = self._rng.random()
            roll = self._rng.random()
            pick = self._rng.randrange(len(self.kinds)) if self.kinds else 0
            delay = (self.latency_ms + jitter * self.jitter_ms) / 1000.0
            for rule in self.rules:
                if rule.matches(method, path, provider):
                    rule.hits += 1
                    self.history.append((method, path, rule.kind))
                    return FaultDecision(delay, rule.kind, rule.retry_after, path)
            if self.kinds and roll < self.rate:
                kind = self.kinds[pick]
                self.history.append((method, path, kind))
                return FaultDecision(delay, kind, self.retry_after, path)
            return FaultDecision(delay, None)

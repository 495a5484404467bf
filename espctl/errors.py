"""The one error tree of espctl.

Every failure a user can cause or meet is an :class:`EspctlError`; library errors
(PyYAML, pydantic, httpx, OSError) are translated into one of these at the edge that
meets them and chained with ``from``. The CLI prints ``str(error)`` and exits with
``error.exit_code``; it never shows a traceback for an ``EspctlError``.

::

    EspctlError
    ├── ConfigError            the config file is unreadable, malformed or invalid
    ├── ProviderError          an ESP API call failed (provider, method, path, status)
    │   ├── ProviderAuthError      401/403: credentials refused
    │   │   └── CredentialRejected     401: this credential is wrong (one message per credential)
    │   ├── ProviderRateLimited    429 after every retry
    │   ├── ProviderUnavailable    timeout, connection error, 5xx after every retry
    │   └── ProviderBadResponse    a body of the wrong shape or over the size cap, endless paging
    ├── ProvidersFailed        several providers failed at once (one line each, by provider id)
    ├── PlanError              a plan cannot be made or used
    │   ├── StalePlanError         live state moved since a saved plan was made
    │   ├── BlockedPlanError       the plan changes too much (policy.max_change_ratio)
    │   └── PlanFileError          a saved plan file is unreadable or of another format
    ├── ApplyRefused           apply will not start (no TTY and no --auto-approve, declined)
    ├── RoutingError           no route for an email type
    ├── SandboxError           the simulator's state file or server failed
    └── FileRefused            an input file is not a regular file or too large, or an
                               output path is a symbolic link or cannot be written

No message built here ever contains a credential: constructors take only
already-redacted text, and :func:`redact` is available to scrub free text.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from urllib.parse import quote


class EspctlError(Exception):
    """Root of every error espctl raises on purpose."""

    exit_code: int = 1


@dataclass(frozen=True)
class Problem:
    """One configuration problem, positioned in the source file."""

    file: str
    line: int
    column: int
    path: str
    message: str
    severity: str = "error"  # "error" | "warning"

    def render(self) -> str:
        where = f"{self.file}:{self.line}:{self.column}"
        prefix = "warning: " if self.severity == "warning" else ""
        path = f"{self.path}: " if self.path else ""
        return f"{where}: {prefix}{path}{self.message}"

    def as_json(self) -> dict[str, object]:
        return {
            "file": self.file,
            "line": self.line,
            "column": self.column,
            "path": self.path,
            "message": self.message,
            "severity": self.severity,
        }


class ConfigError(EspctlError):
    """The configuration is unreadable or invalid; carries every problem found."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = sorted(problems, key=lambda p: (p.file, p.line, p.column, p.path))
        super().__init__("\n".join(p.render() for p in self.problems))


class ProviderError(EspctlError):
    """An ESP API call failed. The message names provider, method, path and status."""

    def __init__(
        self,
        provider: str,
        method: str,
        path: str,
        status: int | None,
        detail: str,
    ) -> None:
        self.provider = provider
        self.method = method
        self.path = path
        self.status = status
        # one line: a provider's message cannot add lines to espctl's output (the CLI
        # shows the other control characters escaped the same way)
        self.detail = redact(detail).replace("\n", "\\n")
        super().__init__(self._message())

    def _message(self) -> str:
        status_text = f"HTTP {self.status}" if self.status is not None else "no response"
        return f"{self.provider}: {self.method} {self.path}: {status_text}: {self.detail}"


class ProviderAuthError(ProviderError):
    """The provider refused the credentials (401/403)."""


class CredentialRejected(ProviderAuthError):
    """The provider rejected a credential itself (HTTP 401), whatever request met it.

    The message names the credential and the variable it came from, never the request,
    so that the same mistake always gives the same message, although reads run
    concurrently and any of them may be the first to be refused:
    ``postmark: the server token was rejected (HTTP 401, ErrorCode 10) — check
    POSTMARK_SERVER_TOKEN``.
    """

    def __init__(
        self,
        provider: str,
        method: str,
        path: str,
        status: int,
        detail: str,
        *,
        credential: str,
        check: str,
    ) -> None:
        self.credential = credential
        self.check = check
        super().__init__(provider, method, path, status, detail)

    def _message(self) -> str:
        return (
            f"{self.provider}: the {self.credential} was rejected "
            f"(HTTP {self.status}, {self.detail}) — check {self.check}"
        )


class ProviderRateLimited(ProviderError):
    """The provider kept answering 429 until the retry budget ran out."""


class ProviderUnavailable(ProviderError):
    """Timeouts, dropped connections or 5xx answers until the retry budget ran out."""


class ProviderBadResponse(ProviderError):
    """A response espctl refuses to use: a body of the wrong shape (``{}`` or an error
    body with status 200), a body over the size cap, or a listing whose paging never ends.

    Never retried (the same request gives the same answer) and never read as "nothing
    exists": the provider fails instead.
    """


class ProvidersFailed(EspctlError):
    """More than one provider failed in one command; each error is kept, by provider id."""

    def __init__(self, errors: list[EspctlError]) -> None:
        self.errors = errors
        super().__init__("\n".join(str(e) for e in errors))

    def lines(self) -> list[str]:
        return [line for e in self.errors for line in error_lines(e)]


def error_lines(error: EspctlError) -> list[str]:
    """The lines the CLI prints after ``error: `` (one per provider for ProvidersFailed)."""
    if isinstance(error, ProvidersFailed):
        return error.lines()
    return [str(error)]


class PlanError(EspctlError):
    """A plan cannot be computed or used."""


class StalePlanError(PlanError):
    """The live state (or config) changed since the saved plan was computed."""


class BlockedPlanError(PlanError):
    """The plan changes more than ``policy.max_change_ratio`` of managed resources."""


class PlanFileError(PlanError):
    """A saved plan file cannot be read or is not an espctl plan."""


class ApplyRefused(EspctlError):
    """Apply did not start: no confirmation possible or the user declined."""


class TargetError(EspctlError):
    """``--provider`` or ``--target`` names what the config does not declare, or a
    saved plan is applied with other targets than it was made for."""


class RoutingError(EspctlError):
    """No route exists for an email type."""


class SandboxError(EspctlError):
    """The sandbox simulator failed (state file, server)."""


class FileRefused(EspctlError):
    """A file espctl reads or writes is unsafe: not a regular file, too large, a symlink."""

    def __init__(self, path: str, reason: str) -> None:
        self.path = path
        self.reason = reason
        super().__init__(f"{path}: {reason}")


_SECRETISH = re.compile(
    r"(?i)(://)([^/@\s:]+):([^/@\s]+)@"  # URL userinfo
)
#: words that make a header or query-parameter name a credential (case-insensitive,
#: anywhere in the name: ``X-Api-Key``, ``access_token``, ``X-Hub-Signature-256``)
CREDENTIAL_WORDS = (
    "auth",
    "token",
    "key",
    "secret",
    "signature",
    "password",
    "passwd",
    "pwd",
    "cookie",
    "session",
    "credential",
    "bearer",
)
#: short names that are credentials only when they are the whole name (``?sig=``)
CREDENTIAL_NAMES = frozenset({"sig", "pw", "pass", "code", "jwt", "apikey", "hmac"})
_QUERY_SECRET = re.compile(
    rf"(?i)([?&](?:[^=&#\s]*(?:{'|'.join(CREDENTIAL_WORDS)})[^=&#\s]*"
    rf"|{'|'.join(sorted(CREDENTIAL_NAMES))})=)(?!\(sensitive\))[^&#\s]+"
)
#: values shorter than this are too common to mask in free text (structured output hides
#: every sensitive value whatever its length)
MIN_MASKED = 4
_IN_PLAY: ContextVar[set[str] | None] = ContextVar("espctl_sensitive_values", default=None)


@contextmanager
def sensitive_scope() -> Iterator[set[str]]:
    """Collect the sensitive values of one command; :func:`redact` masks them meanwhile.

    Nested scopes share the outermost one, so values added anywhere in a command (the
    config's environment values, credentials) are masked in everything it prints.
    """
    current = _IN_PLAY.get()
    if current is not None:
        yield current
        return
    token = _IN_PLAY.set(set())
    try:
        found = _IN_PLAY.get()
        assert found is not None
        yield found
    finally:
        _IN_PLAY.reset(token)


def add_sensitive(values: Iterable[str]) -> None:
    """Mark values as secret for :func:`redact` within the current scope (if any)."""
    current = _IN_PLAY.get()
    if current is not None:
        current.update(v for v in values if len(v) >= MIN_MASKED)


def redact(text: str) -> str:
    """Mask secrets in free text: URL userinfo passwords (``https://u:p@h`` ->
    ``https://u:***@h``), credential-like query values, and the values in play.
    """
    text = _SECRETISH.sub(r"\1\2:***@", text)
    text = _QUERY_SECRET.sub(r"\1***", text)
    for value in sorted(_IN_PLAY.get() or (), key=len, reverse=True):
        text = text.replace(value, "(sensitive)").replace(quote(value, safe=""), "(sensitive)")
    return text

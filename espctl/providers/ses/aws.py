"""The edge between espctl and botocore: one :class:`AwsCaller` per SES provider block.

botocore is synchronous: each call runs in a thread pool of ``--parallelism`` workers
(the same bound as the HTTP providers' requests), awaited under the client's command
deadline (``HttpOptions.command_timeout``, from the caller's creation). botocore owns
retries: its ``standard`` retry mode (exponential backoff with jitter on throttling
codes, 5xx and connection errors, ``HttpOptions.max_attempts`` attempts in all); espctl's
own retry policy is not applied on top. botocore signs (SigV4) and parses every
response with the installed service model.

Credentials: botocore's default chain (environment, shared config and credentials
files, web identity for CI OIDC, container and instance roles), or the block's
``profile``, or its ``${env:}`` keys. Every botocore error is translated here into an
:class:`~espctl.errors.ProviderError` naming provider, service, operation and AWS error
code; no message carries a key, a secret or a session token (they are masked even if
AWS echoes them).
"""

from __future__ import annotations

import asyncio
import functools
import time
from collections.abc import Mapping
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import botocore.session
import httpx
from botocore import xform_name
from botocore.client import BaseClient
from botocore.config import Config
from botocore.exceptions import (
    BotoCoreError,
    ClientError,
    ConnectTimeoutError,
    EndpointConnectionError,
    NoCredentialsError,
    NoRegionError,
    PartialCredentialsError,
    ProfileNotFound,
    ReadTimeoutError,
)

from espctl.errors import (
    CredentialRejected,
    ProviderAuthError,
    ProviderError,
    ProviderRateLimited,
    ProviderUnavailable,
)
from espctl.providers.kit.http_options import HttpOptions, RequestStats
from espctl.providers.ses.config import SesProvider
from espctl.providers.ses.transport import TransportSender

#: AWS error codes that mean the credentials themselves are wrong or expired
CREDENTIAL_CODES = frozenset(
    {
        "UnrecognizedClientException",
        "InvalidClientTokenId",
        "SignatureDoesNotMatch",
        "InvalidSignatureException",
        "IncompleteSignature",
        "ExpiredToken",
        "ExpiredTokenException",
        "AuthFailure",
        "MissingAuthenticationToken",
    }
)
#: AWS error codes that mean "allowed to authenticate, not to do this"
DENIED_CODES = frozenset({"AccessDenied", "AccessDeniedException", "AuthorizationError"})
#: throttling codes of the APIs espctl calls (SESv2, SNS, STS, CloudWatch)
THROTTLE_CODES = frozenset(
    {"TooManyRequestsException", "Throttling", "ThrottlingException", "Throttled"}
)
SERVICES = ("sesv2", "sns", "sts", "cloudwatch")


class AwsCaller:
    """Runs botocore calls for one provider block (see the module docstring).

    ``clients`` replaces the clients botocore would make (tests pass clients wrapped
    in botocore's ``Stubber``). ``transport`` (``Connection.transport``: the embedded
    sandbox, a test's) answers botocore's requests instead of the network
    (:mod:`.transport`).
    """

    def __init__(
        self,
        provider_id: str,
        block: SesProvider,
        options: HttpOptions | None = None,
        *,
        clients: Mapping[str, BaseClient] | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self.provider_id = provider_id
        self.transport = transport
        self.block = block
        self.options = options or HttpOptions()
        self.stats = RequestStats()
        self._clients: dict[str, BaseClient] = dict(clients or {})
        self._session: botocore.session.Session | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._pool = ThreadPoolExecutor(
            max_workers=max(1, self.options.parallelism),
            thread_name_prefix=f"espctl-{provider_id}",
        )
        self._started = time.monotonic()
        self._secrets = tuple(
            s.reveal()
            for s in (block.access_key_id, block.secret_access_key, block.session_token)
            if s is not None and s.reveal()
        )

    # -- clients -----------------------------------------------------------------------
    def config(self) -> Config:
        """The botocore config of every client: region, timeouts, pool, retries."""
        return Config(
            region_name=self.block.region,
            connect_timeout=self.options.connect_timeout,
            read_timeout=self.options.read_timeout,
            max_pool_connections=max(1, self.options.parallelism),
            retries={"mode": "standard", "total_max_attempts": self.options.max_attempts},
            user_agent_extra="espctl",
        )

    def client(self, service: str) -> BaseClient:
        """The botocore client of ``service``, made on first use (in the caller's thread:
        botocore sessions are not safe to use from several threads at once)."""
        found = self._clients.get(service)
        if found is not None:
            return found
        try:
            session = self._session or self._new_session()
            self._session = session
            made = session.create_client(
                service, endpoint_url=self.block.endpoint or None, config=self.config()
            )
        except (BotoCoreError, ValueError) as exc:
            raise self.translate(service, "(client)", exc) from exc
        if self.transport is not None:
            TransportSender(self.provider_id, self.transport, self._running_loop).attach(made)
        self._clients[service] = made
        return made

    def _new_session(self) -> botocore.session.Session:
        """One botocore session for the block's clients: its profile or its key pair."""
        session = botocore.session.Session(profile=self.block.profile)
        if self.block.access_key_id is not None and self.block.secret_access_key is not None:
            session.set_credentials(
                self.block.access_key_id.reveal(),
                self.block.secret_access_key.reveal(),
                self.block.session_token.reveal() if self.block.session_token else None,
            )
        return session

    def _running_loop(self) -> asyncio.AbstractEventLoop:
        """The loop of the calls in flight (a transport's requests run on it)."""
        assert self._loop is not None, "a request before any call"
        return self._loop

    # -- calls -------------------------------------------------------------------------
    async def call(self, service: str, operation: str, **params: Any) -> dict[str, Any]:
        """``operation`` (``GetConfigurationSet``) of ``service`` with ``params``, its
        parsed response without ``ResponseMetadata``."""
        client = self.client(service)
        method = getattr(client, _snake(operation))
        remaining = self._remaining()
        if remaining is not None and remaining <= 0:
            raise self._overdue(service, operation)
        self.stats.requests += 1
        loop = asyncio.get_running_loop()
        self._loop = loop
        future = loop.run_in_executor(self._pool, functools.partial(method, **params))
        try:
            response = await asyncio.wait_for(future, remaining)
        except TimeoutError as exc:
            raise self._overdue(service, operation) from exc
        except (ClientError, BotoCoreError) as exc:
            if type(exc).__module__ == "botocore.stub":
                raise  # a test's Stubber refusing the call: a test failure, not an answer
            raise self.translate(service, operation, exc) from exc
        if not isinstance(response, dict):
            raise ProviderError(
                self.provider_id, service, operation, None, "botocore returned no object"
            )
        retries = response.get("ResponseMetadata", {}).get("RetryAttempts")
        if isinstance(retries, int):
            self.stats.retries += retries
        return {k: v for k, v in response.items() if k != "ResponseMetadata"}

    async def pages(
        self, service: str, operation: str, items: str, *, token: str = "NextToken", **params: Any
    ) -> list[Any]:
        """Every item of a ``NextToken``-paged listing (bounded by ``max_listing_items``)."""
        found: list[Any] = []
        next_token: str | None = None
        while True:
            extra = {token: next_token} if next_token else {}
            page = await self.call(service, operation, **params, **extra)
            found.extend(page.get(items) or [])
            next_token = page.get(token)
            if not next_token:
                return found
            if len(found) >= self.options.max_listing_items:
                raise ProviderError(
                    self.provider_id,
                    service,
                    operation,
                    None,
                    f"more than {self.options.max_listing_items} items: listing stopped",
                )

    def _remaining(self) -> float | None:
        limit = self.options.command_timeout
        if limit is None:
            return None
        return limit - (time.monotonic() - self._started)

    def _overdue(self, service: str, operation: str) -> ProviderUnavailable:
        return ProviderUnavailable(
            self.provider_id,
            service,
            operation,
            None,
            f"gave up: the command's time limit ({self.options.command_timeout:g}s) ran out",
        )

    # -- errors ------------------------------------------------------------------------
    def _clean(self, text: str) -> str:
        """AWS text with the block's keys masked (AWS may echo an access key id), one
        line, at most 300 characters."""
        for secret in sorted(self._secrets, key=len, reverse=True):
            text = text.replace(secret, "***")
        return " ".join(text.split())[:300]

    def credential_check(self) -> str:
        """What to look at when AWS refuses the credentials."""
        block = self.block
        if block.access_key_id is not None:
            names = [
                s.source or f"`{key}`"
                for key, s in (
                    ("access_key_id", block.access_key_id),
                    ("secret_access_key", block.secret_access_key),
                    ("session_token", block.session_token),
                )
                if s is not None
            ]
            return " and ".join(names)
        if block.profile:
            return f"the AWS profile {block.profile!r} (~/.aws/config and ~/.aws/credentials)"
        return (
            "AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, AWS_PROFILE, ~/.aws, web identity or "
            "an instance role (botocore's credential chain), or the block's `profile` or keys"
        )

    def translate(self, service: str, operation: str, exc: Exception) -> ProviderError:
        """A botocore error as espctl's error (provider, service, operation, code)."""
        pid = self.provider_id
        if isinstance(exc, ClientError):
            error = exc.response.get("Error", {})
            code = str(error.get("Code") or "Unknown")
            message = self._clean(str(error.get("Message") or ""))
            raw_status = exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode")
            status = raw_status if isinstance(raw_status, int) else None
            detail = f"{code}: {message}" if message else code
            if code in CREDENTIAL_CODES:
                return CredentialRejected(
                    pid,
                    service,
                    operation,
                    status or 403,
                    code,
                    credential="AWS credential",
                    check=self.credential_check(),
                )
            if code in DENIED_CODES:
                return ProviderAuthError(
                    pid, service, operation, status, f"{detail} (see the README's IAM policy)"
                )
            if code in THROTTLE_CODES or status == 429:
                return ProviderRateLimited(pid, service, operation, status, detail)
            if status is not None and status >= 500:
                return ProviderUnavailable(pid, service, operation, status, detail)
            return ProviderError(pid, service, operation, status, detail)
        if isinstance(exc, NoCredentialsError | PartialCredentialsError):
            return ProviderAuthError(
                pid,
                service,
                operation,
                None,
                f"no AWS credentials found: check {self.credential_check()}",
            )
        if isinstance(exc, ProfileNotFound):
            return ProviderAuthError(
                pid, service, operation, None, f"AWS profile {self.block.profile!r} not found"
            )
        if isinstance(exc, NoRegionError):
            return ProviderError(pid, service, operation, None, "no AWS region: set `region`")
        if isinstance(exc, EndpointConnectionError | ConnectTimeoutError | ReadTimeoutError):
            return ProviderUnavailable(
                pid, service, operation, None, f"{type(exc).__name__}: {self._clean(str(exc))}"
            )
        return ProviderError(
            pid, service, operation, None, f"{type(exc).__name__}: {self._clean(str(exc))}"
        )

    def close(self) -> None:
        """Release the threads and the clients' connection pools."""
        self._pool.shutdown(wait=False, cancel_futures=True)
        for made in self._clients.values():
            made.close()


@functools.cache
def _snake(operation: str) -> str:
    return xform_name(operation)

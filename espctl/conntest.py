"""The connection test behind ``espctl test``: provider probes and webhook sample POSTs.

Each provider is probed concurrently (read-only requests: credentials, region or
endpoint, message streams, domains and their DNS verification, webhook counts) and
reported as soon as its probes finish. With ``webhooks`` a sample event in each
provider's own payload format (each provider spec's ``sample``) is POSTed to
every configured webhook URL (with its basic auth and, for Postmark, its custom
headers) and the answer and latency are reported.

Before a POST the receiver's name is resolved and every address checked
(:mod:`espctl.providers.kit.rules`): link-local and metadata addresses are never posted to;
private and loopback ones only with ``allow_private_receivers``. The POST then goes to
the address that was checked (the name kept for ``Host`` and TLS), so a name that
resolves differently a moment later cannot redirect it.

It sits at the api layer because it needs the provider clients
(``espctl.api.providers_for``); the command (:mod:`espctl.commands.test_cmd`) only
renders the results.
"""

from __future__ import annotations

import asyncio
import ipaddress
import json
import socket
import ssl
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, assert_never

import httpx

from espctl import __version__, api, defaults
from espctl.config import LoadedConfig
from espctl.config.models import WebhookSpec
from espctl.engine.desired import desired_state
from espctl.errors import TargetError, redact
from espctl.model.common import split_target
from espctl.model.resources import Resource
from espctl.model.targets import Targets
from espctl.providers import registry
from espctl.providers.kit.config import ProviderConfig
from espctl.providers.kit.protocol import ProbeResult, Provider, SendsTestEvents
from espctl.providers.kit.rules import (
    IPAddress,
    classify_address,
    forbidden_host,
    literal_address,
)

#: a webhook payload format: the provider type whose format it is
PayloadFormat = str
DEFAULT_WEBHOOK_TIMEOUT = defaults.WEBHOOK_TIMEOUT
RECEIVER_READ_LIMIT = 64 * 1024  # bytes of a receiver's answer read (only its status matters)


# -- results ---------------------------------------------------------------------------
@dataclass(frozen=True)
class ProviderResult:
    """One provider's probes, where it was reached, and how long the whole test took."""

    provider: str
    type: str
    endpoint: str
    region: str | None
    probes: tuple[ProbeResult, ...]
    seconds: float

    @property
    def ok(self) -> bool:
        """True when every probe passed."""
        return all(p.ok for p in self.probes)

    def as_json(self) -> dict[str, Any]:
        """The JSON form (``espctl test --format json``)."""
        return {
            "provider": self.provider,
            "type": self.type,
            "endpoint": self.endpoint,
            "region": self.region,
            "ok": self.ok,
            "seconds": round(self.seconds, 4),
            "probes": [p.as_json() for p in self.probes],
        }


@dataclass(frozen=True)
class WebhookResult:
    """One sample event POSTed to one webhook URL, and what came back."""

    webhook: str
    format: PayloadFormat
    record: str
    url: str
    status: int | None
    ok: bool
    seconds: float
    detail: str
    cause: str | None = None

    def as_json(self) -> dict[str, Any]:
        """The JSON form (``espctl test --webhooks --format json``)."""
        return {
            "webhook": self.webhook,
            "format": self.format,
            "record": self.record,
            "url": self.url,
            "status": self.status,
            "ok": self.ok,
            "seconds": round(self.seconds, 4),
            "detail": self.detail,
            "cause": self.cause,
        }


@dataclass(frozen=True)
class ConnectionReport:
    """The whole connection test: every provider and every webhook POST."""

    providers: tuple[ProviderResult, ...]
    webhooks: tuple[WebhookResult, ...]

    @property
    def ok(self) -> bool:
        """True when every provider probe and every webhook POST passed (exit 0)."""
        return all(p.ok for p in self.providers) and all(w.ok for w in self.webhooks)

    def as_json(self) -> dict[str, Any]:
        """``{"format": "espctl-test/1", "ok", "providers": [...], "webhooks": [...]}``."""
        return {
            "format": "espctl-test/1",
            "ok": self.ok,
            "providers": [p.as_json() for p in sorted(self.providers, key=lambda p: p.provider)],
            "webhooks": [
                w.as_json() for w in sorted(self.webhooks, key=lambda w: (w.webhook, w.format))
            ],
        }


# -- provider probes -------------------------------------------------------------------
async def probe_provider(
    pid: str,
    provider: Provider,
    block: ProviderConfig,
    test_events: Sequence[Resource] | None = None,
) -> ProviderResult:
    """Run one provider's probes and time them; with ``test_events`` (``--webhooks``, a
    provider that :class:`SendsTestEvents`), then ask it to send its own test events to
    the webhooks among those resources (reported as more probes)."""
    start = time.perf_counter()
    probes = await provider.probe()
    if test_events is not None and isinstance(provider, SendsTestEvents):
        probes = [*probes, *await provider.send_test_events(test_events)]
    endpoint, region = registry.spec(block.type).where(block)
    return ProviderResult(
        pid, provider.type, endpoint, region, tuple(probes), time.perf_counter() - start
    )


# -- webhook sample POSTs --------------------------------------------------------------
def _now() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True)
class WebhookPost:
    """One POST to make: which webhook, in which provider's format, with what body.

    ``headers`` are the ones the provider adds (a signature) and ``content`` the exact
    bytes they sign (None: ``payload`` serialized)."""

    webhook: str
    format: PayloadFormat
    record: str
    spec: WebhookSpec
    payload: Any
    headers: Mapping[str, str] = field(default_factory=dict)
    content: bytes | None = None


def webhook_posts(
    loaded: LoadedConfig, now: datetime | None = None, targets: Targets | None = None
) -> list[WebhookPost]:
    """One sample per (webhook, provider type among its targets), in config order.

    The event is the webhook's first event that the provider can deliver; the sample
    names the first target's stream, domain... (the provider's spec makes it). With
    ``targets`` (``--provider``, ``--target``) only the webhooks of what is targeted.
    """
    when = now or _now()
    posts: list[WebhookPost] = []
    config = loaded.config
    for name, hook in config.webhooks.items():
        seen: set[str] = set()
        for target in hook.targets:
            pid, sub = split_target(target)
            block = config.providers.get(pid)
            if block is None or block.type in seen or not (targets or Targets()).names(pid, sub):
                continue
            seen.add(block.type)
            spec = registry.spec(block.type)
            events = [e for e in hook.events if e in spec.events.native]
            if events:
                sample = spec.sample(events[0], sub, block, when, hook.options(block.type))
                posts.append(
                    WebhookPost(
                        name,
                        block.type,
                        sample.record,
                        hook,
                        sample.payload,
                        sample.headers,
                        sample.content,
                    )
                )
    return posts


def _status_cause(fmt: PayloadFormat, status: int) -> str:
    receiver = registry.spec(fmt).receiver
    if status in (401, 403):
        return (
            "the receiver refused the request's basic auth: check webhooks.*.basic_auth "
            "against the receiver" + receiver.auth_note
        )
    return receiver.retries


def private_cause() -> str:
    """Why a private receiver is not POSTed to (the providers cannot reach it either)."""
    labels = " and ".join(s.label for s in registry.specs())
    return (
        "pass --allow-private-receivers to POST to this machine or a private network "
        f"({labels} cannot reach such a receiver themselves)"
    )


FORBIDDEN_CAUSE = (
    "a webhook URL must never reach link-local or cloud instance-metadata addresses; "
    "espctl does not POST there, with or without --allow-private-receivers"
)


@dataclass(frozen=True)
class Refusal:
    """Why a sample is not POSTed to a receiver: what is wrong, and what to do."""

    detail: str
    cause: str


async def receiver_address(url: httpx.URL, allow_private: bool) -> IPAddress | Refusal:
    """The checked address to POST to, or why not (see the module docstring).

    Every address the name resolves to must pass: one private address among public
    ones is enough to refuse (which one the client would pick is not ours to guess).
    """
    host = url.host
    reason = forbidden_host(host)
    if reason:
        return Refusal(f"refused: {reason}", FORBIDDEN_CAUSE)
    port = url.port or (443 if url.scheme == "https" else 80)
    try:
        infos = await asyncio.get_running_loop().getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError) as exc:
        return Refusal(
            f"connection failed (name lookup: {getattr(exc, 'strerror', None) or exc})",
            "nothing answered at this URL: check the URL, DNS and that the receiver runs",
        )
    addresses = list(
        dict.fromkeys(ipaddress.ip_address(str(info[4][0]).split("%", 1)[0]) for info in infos)
    )
    for address in addresses:
        kind, words = classify_address(address)
        via = "" if literal_address(host) else f"{host} resolves to "
        if kind == "forbidden":
            return Refusal(f"refused: {via}{address}, {words}", FORBIDDEN_CAUSE)
        if kind == "private" and not allow_private:
            return Refusal(f"not posted: {via}{address}, {words}", private_cause())
    if not addresses:
        return Refusal(f"connection failed (no address for {host})", "check the URL and DNS")
    return addresses[0]


async def post_sample(
    client: httpx.AsyncClient,
    post: WebhookPost,
    timeout: float,
    *,
    allow_private_receivers: bool = False,
) -> WebhookResult:
    """POST one sample event to a checked address; never raises for the receiver's failures."""
    spec = post.spec
    url = redact(spec.url)
    headers = {"Content-Type": "application/json", "User-Agent": f"espctl/{__version__} test"}
    if registry.spec(post.format).webhooks.max_headers is not None:
        headers.update(spec.headers)  # only a provider that sends custom headers
    headers.update(post.headers)  # the provider's own (a signature)
    auth = (
        httpx.BasicAuth(spec.basic_auth.username, spec.basic_auth.password.reveal())
        if spec.basic_auth is not None
        else None
    )

    def result(
        status: int | None, ok: bool, detail: str, cause: str | None = None
    ) -> WebhookResult:
        return WebhookResult(
            post.webhook,
            post.format,
            post.record,
            url,
            status,
            ok,
            time.perf_counter() - start,
            detail,
            cause,
        )

    start = time.perf_counter()
    target = httpx.URL(spec.url)
    try:
        # the stated timeout bounds the whole exchange: the lookup, the answer, its body
        async with asyncio.timeout(timeout):
            address = await receiver_address(target, allow_private_receivers)
            if isinstance(address, Refusal):
                return result(None, False, address.detail, address.cause)
            # POST to the address just checked; the name stays in Host and in TLS (SNI and
            # the certificate check), so a second lookup cannot send the request elsewhere
            headers["Host"] = target.netloc.decode("ascii")
            extensions = (
                {"sni_hostname": target.host} if literal_address(target.host) is None else {}
            )
            request = client.build_request(
                "POST",
                target.copy_with(host=str(address)),
                content=post.content
                if post.content is not None
                else json.dumps(post.payload).encode(),
                headers=headers,
                timeout=httpx.Timeout(timeout),
                extensions=extensions,
            )
            status = await _exchange(client, request, auth)
    except (httpx.TimeoutException, TimeoutError) as exc:
        return result(
            None,
            False,
            f"no answer within {timeout:g}s ({type(exc).__name__})",
            "the receiver did not answer in time; the providers time out too and retry "
            "later: make the receiver answer quickly (queue the work)",
        )
    except httpx.HTTPError as exc:
        tls = _tls_failure(exc)
        if tls is not None:
            return result(None, False, *_tls_words(tls, post.format))
        return result(
            None,
            False,
            f"connection failed ({type(exc).__name__})",
            "nothing answered at this URL: check the URL, DNS and that the receiver runs",
        )
    if 200 <= status < 300:
        return result(status, True, f"HTTP {status}")
    accepted = registry.spec(post.format).receiver.accepted.get(status)
    if accepted is not None:
        return result(status, True, accepted)
    return result(status, False, f"HTTP {status}", _status_cause(post.format, status))


def _tls_failure(exc: BaseException) -> ssl.SSLError | None:
    """The TLS error behind an HTTP client error (httpx chains the ``ssl`` one)."""
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        if isinstance(current, ssl.SSLError):
            return current
        seen.add(id(current))
        current = current.__cause__ or current.__context__
    return None


def _tls_words(error: ssl.SSLError, fmt: PayloadFormat) -> tuple[str, str]:
    """(detail, cause) for a receiver whose TLS handshake failed."""
    fix = (
        "serve a certificate for this host name signed by a public CA (e.g. Let's Encrypt) "
        "with its intermediate certificates"
    )
    if isinstance(error, ssl.SSLCertVerificationError):
        why = error.verify_message or error.reason or "verification failed"
        detail = f"TLS certificate does not verify ({why})"
        tls = registry.spec(fmt).receiver.tls
        if tls is not None:
            return detail, f"{tls}; {fix}"
        return detail, f"the provider cannot deliver to a receiver it cannot verify; {fix}"
    return f"TLS handshake failed ({error.reason or type(error).__name__})", (
        f"the receiver's TLS setup does not work with a standard client; {fix}"
    )


async def _exchange(
    client: httpx.AsyncClient, request: httpx.Request, auth: httpx.BasicAuth | None
) -> int:
    """Send and read at most RECEIVER_READ_LIMIT bytes of the answer; its status."""
    response = await client.send(
        request, stream=True, auth=auth if auth is not None else httpx.USE_CLIENT_DEFAULT
    )
    try:
        read = 0
        async for chunk in response.aiter_raw():
            read += len(chunk)
            if read >= RECEIVER_READ_LIMIT:
                break  # the rest is never read: closing drops the connection
    finally:
        await response.aclose()
    return response.status_code


# -- the run ---------------------------------------------------------------------------
OnProvider = Callable[[ProviderResult], None]
OnWebhook = Callable[[WebhookResult], None]


def _ignore(result: object) -> None:
    """The default callback: do nothing."""


async def _test(
    loaded: LoadedConfig,
    providers: Mapping[str, Provider],
    posts: Sequence[WebhookPost],
    webhook_timeout: float,
    on_provider: OnProvider,
    on_webhook: OnWebhook,
    allow_private_receivers: bool,
    test_events: Mapping[str, Sequence[Resource]] | None = None,
) -> ConnectionReport:
    blocks = loaded.config.providers
    provider_results: list[ProviderResult] = []
    webhook_results: list[WebhookResult] = []
    try:
        async with httpx.AsyncClient(follow_redirects=False) as client:
            tasks: list[asyncio.Task[ProviderResult | WebhookResult]] = [
                asyncio.ensure_future(
                    probe_provider(
                        pid, p, blocks[pid], None if test_events is None else test_events[pid]
                    )
                )
                for pid, p in sorted(providers.items())
            ]
            tasks.extend(
                asyncio.ensure_future(
                    post_sample(
                        client,
                        post,
                        webhook_timeout,
                        allow_private_receivers=allow_private_receivers,
                    )
                )
                for post in posts
            )
            for next_done in asyncio.as_completed(tasks):
                done = await next_done
                match done:
                    case ProviderResult():
                        provider_results.append(done)
                        on_provider(done)
                    case WebhookResult():
                        webhook_results.append(done)
                        on_webhook(done)
                    case _:
                        assert_never(done)
    finally:
        await asyncio.gather(*(p.aclose() for p in providers.values()))
    return ConnectionReport(tuple(provider_results), tuple(webhook_results))


def run_connection_test(
    options: api.RunOptions,
    *,
    webhooks: bool = False,
    webhook_timeout: float = DEFAULT_WEBHOOK_TIMEOUT,
    on_provider: OnProvider = _ignore,
    on_webhook: OnWebhook = _ignore,
    allow_private_receivers: bool = False,
) -> ConnectionReport:
    """Probe every provider (and, with ``webhooks``, POST samples) concurrently.

    ``on_provider``/``on_webhook`` are called as each result arrives. Credentials are
    loaded as for ``plan`` (unset variables are errors, except under ``--sandbox``).
    Samples go to public addresses only, unless ``allow_private_receivers`` (loopback
    and private networks); link-local and metadata addresses never.
    """
    loaded = api.load(options)
    if not options.targets.everything:
        unknown = options.targets.unknown(
            list(loaded.config.providers), desired_state(loaded.config)
        )
        if unknown:
            raise TargetError("; ".join(unknown))
    posts = webhook_posts(loaded, targets=options.targets) if webhooks else []
    desired = desired_state(loaded.config) if webhooks else {}
    with api.providers_for(loaded, options) as providers:
        # the provider-side tests (--webhooks): each provider's targeted resources
        test_events = (
            {
                pid: [r for r in desired.get(pid, ()) if options.targets.covers(r)]
                for pid in providers
            }
            if webhooks
            else None
        )
        return asyncio.run(
            _test(
                loaded,
                providers,
                posts,
                webhook_timeout,
                on_provider,
                on_webhook,
                allow_private_receivers,
                test_events,
            )
        )

"""Checks beyond the schema: references, provider capabilities and limits, formats.

They read the raw document defensively (any value may have the wrong type: the schema
reports that), so that schema and semantic problems are all reported in one run.
"""

from __future__ import annotations

import difflib
import re
from collections import Counter
from typing import Any
from urllib.parse import urlsplit

from espctl.config.receivers import forbidden_host, header_problem
from espctl.config.yamlpos import PathKey, SourceDoc
from espctl.errors import Problem
from espctl.model import mailgun as mg
from espctl.model import postmark as pm
from espctl.model.common import Event, parse_address, split_target
from espctl.model.urls import url_identity

_HOSTNAME = re.compile(r"^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$")
_STREAM_ID = re.compile(r"^[a-z0-9][a-z0-9-]*$")
_HTML = re.compile(r"<[A-Za-z/!][^>]*>")
_LOCAL_HOSTS = {"localhost", "127.0.0.1", "::1"}


def _d(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _l(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


class _Checker:
    def __init__(self, doc: SourceDoc) -> None:
        self.doc = doc
        self.problems: list[Problem] = []
        data = doc.data
        self.providers = _d(data.get("providers"))
        self.types = {pid: _d(p).get("type") for pid, p in self.providers.items()}
        self._subs: dict[str, dict[str, str]] = {}

    def error(self, path: PathKey, message: str, *, key: bool = False) -> None:
        if path in self.doc.unresolved:
            return  # judged again once the variable is set
        self.problems.append(self.doc.problem(path, message, key=key))

    def warn(self, path: PathKey, message: str) -> None:
        self.problems.append(self.doc.problem(path, message, severity="warning"))

    # -- targets ---------------------------------------------------------------------
    def sub_targets(self, pid: str) -> dict[str, str]:
        """Valid sub-targets of a provider: stream id -> type, or domain -> 'domain'."""
        if pid not in self._subs:
            self._subs[pid] = self._sub_targets(pid)
        return self._subs[pid]

    def _sub_targets(self, pid: str) -> dict[str, str]:
        block = _d(self.providers.get(pid))
        match self.types.get(pid):
            case "postmark":
                streams = _d(block.get("message_streams"))
                return {sid: str(_d(spec).get("type", "")) for sid, spec in streams.items()}
            case "mailgun":
                return {name: "domain" for name in _d(block.get("domains"))}
            case _:
                return {}

    def check_target(self, path: PathKey, target: Any) -> tuple[str, str] | None:
        if not isinstance(target, str) or "/" not in target:
            return None  # the schema's pattern reports it
        pid, sub = split_target(target)
        if pid not in self.providers:
            known = ", ".join(sorted(self.providers)) or "none"
            self.error(path, f"unknown provider '{pid}' (providers: {known})")
            return None
        subs = self.sub_targets(pid)
        if sub not in subs:
            what = "message stream" if self.types.get(pid) == "postmark" else "domain"
            listed = ", ".join(sorted(subs)) or "none declared"
            self.error(
                path,
                f"{pid} has no {what} '{sub}' in this config (declared: {listed})",
            )
            return None
        return pid, sub

    def check_account_target(self, path: PathKey, target: str) -> tuple[str, str] | None:
        """A webhook target that is a provider id alone: Mailgun's account-level webhooks."""
        if target not in self.providers:
            known = sorted(self.providers)
            close = difflib.get_close_matches(target, known, n=1, cutoff=0.6)
            hint = f" (did you mean '{close[0]}'?)" if close else ""
            self.error(
                path,
                f"unknown provider '{target}'{hint} (providers: {', '.join(known) or 'none'}); "
                "a target is provider/stream, provider/domain, or a Mailgun provider id alone "
                "for its account-level webhooks",
            )
            return None
        if self.types.get(target) != "mailgun":
            subs = sorted(self.sub_targets(target))
            example = f"{target}/{subs[0]}" if subs else f"{target}/<stream>"
            self.error(
                path,
                f"{target} is not a Mailgun provider: its webhooks belong to a message stream "
                f"(e.g. {example}); only Mailgun has account-level webhooks",
            )
            return None
        return target, ""

    # -- sections --------------------------------------------------------------------
    def run(self) -> list[Problem]:
        for pid, block in self.providers.items():
            self.provider(pid, _d(block))
        self.webhooks()
        self.routing()
        self.report()
        policy = _d(self.doc.data.get("policy"))
        for i, target in enumerate(_l(policy.get("protect"))):
            # A protect entry may name a stream the config does not declare: shielding
            # unmanaged resources from `prune` is what it is for. Its provider must exist.
            if isinstance(target, str):
                pid = split_target(target)[0]
                if pid not in self.providers:
                    known = ", ".join(sorted(self.providers)) or "none"
                    self.error(
                        ("policy", "protect", i), f"unknown provider '{pid}' (providers: {known})"
                    )
        return self.problems

    def provider(self, pid: str, block: dict[str, Any]) -> None:
        base: PathKey = ("providers", pid)
        sender = block.get("default_sender")
        if isinstance(sender, str):
            self.sender((*base, "default_sender"), sender)
        endpoint = block.get("endpoint")
        if isinstance(endpoint, str):
            self.url((*base, "endpoint"), endpoint, what="endpoint", allow_path=True)
        match block.get("type"):
            case "postmark":
                streams = _d(block.get("message_streams"))
                total = len(set(streams) | set(pm.DEFAULT_STREAMS))
                if total > pm.MAX_STREAMS:
                    self.error(
                        (*base, "message_streams"),
                        f"{total} streams including the defaults outbound and inbound; "
                        f"Postmark allows at most {pm.MAX_STREAMS} per server",
                    )
                for sid, spec in streams.items():
                    self.stream((*base, "message_streams", sid), sid, _d(spec))
            case "mailgun":
                for name in _d(block.get("domains")):
                    if not _HOSTNAME.match(name):
                        self.error(
                            (*base, "domains", name),
                            f"'{name}' is not a valid domain name (lower-case host name)",
                            key=True,
                        )
            case _:
                pass

    def stream(self, path: PathKey, sid: str, spec: dict[str, Any]) -> None:
        if not _STREAM_ID.match(sid):
            self.error(path, f"stream id '{sid}' must match [a-z0-9-]+", key=True)
        elif sid.startswith("pm-"):
            self.error(path, f"stream id '{sid}' must not start with 'pm-' (Postmark)", key=True)
        if sid in pm.DEFAULT_STREAMS and sid == "inbound":
            self.error(
                path, "'inbound' is Postmark's inbound stream; it cannot be managed", key=True
            )
        if sid == "outbound" and spec.get("type") not in (None, "transactional"):
            self.error((*path, "type"), "the default stream 'outbound' is transactional")
        description = spec.get("description")
        if isinstance(description, str) and _HTML.search(description):
            self.error((*path, "description"), "Postmark refuses HTML in stream descriptions")

    def sender(self, path: PathKey, sender: str) -> None:
        if parse_address(sender) is None:
            self.error(
                path,
                f"'{sender}' is not a valid sender: write 'Name <user@domain.com>' "
                "or 'user@domain.com'",
            )

    def url(self, path: PathKey, url: str, *, what: str, allow_path: bool = True) -> None:
        try:
            parts = urlsplit(url)
            host = parts.hostname or ""
        except ValueError:
            self.error(path, f"{what} is not a valid URL")
            return
        if parts.scheme not in ("https", "http") or not host:
            self.error(path, f"{what} must be an absolute https:// URL")
            return
        if parts.scheme == "http" and host not in _LOCAL_HOSTS:
            self.error(path, f"{what} must use https (http only for localhost and 127.0.0.1)")
        if parts.username is not None or parts.password is not None:
            # never echo the URL: it carries a credential
            self.error(path, f"{what} must not carry credentials; use basic_auth instead")

    def receiver(self, path: PathKey, url: str) -> None:
        """A webhook URL must never reach cloud instance metadata (see receivers.py)."""
        try:
            host = urlsplit(url).hostname or ""
        except ValueError:
            return  # url() reported it
        reason = forbidden_host(host) if host else None
        if reason:
            self.error(path, f"webhook url refused: {reason}")

    def webhooks(self) -> None:
        hooks = _d(self.doc.data.get("webhooks"))
        mailgun_urls: Counter[tuple[str, str, str]] = Counter()
        # (provider, stream/domain, URL without credentials) -> the entry that sends there
        url_keys: dict[tuple[str, str, str], str] = {}
        for name, raw in hooks.items():
            hook = _d(raw)
            base: PathKey = ("webhooks", name)
            url = hook.get("url")
            if isinstance(url, str):
                self.url((*base, "url"), url, what="webhook url")
                self.receiver((*base, "url"), url)
            events = [e for e in _l(hook.get("events")) if e in Event.__members__]
            for i, event in enumerate(_l(hook.get("events"))):
                if _l(hook.get("events")).index(event) != i:
                    self.error((*base, "events", i), f"event '{event}' is listed twice")
            headers = _d(hook.get("headers"))
            for header, value in headers.items():
                problem = header_problem(str(header), value)
                if problem:
                    self.error((*base, "headers", header), problem, key=True)
            for i, target in enumerate(_l(hook.get("targets"))):
                path = (*base, "targets", i)
                if isinstance(target, str) and "/" not in target:
                    resolved = self.check_account_target(path, target)
                else:
                    resolved = self.check_target(path, target)
                if resolved is None:
                    continue
                pid, sub = resolved
                ptype = self.types.get(pid)
                self.capability(path, pid, str(ptype), sub, events)
                if isinstance(url, str):
                    self.same_url(path, name, url, (pid, sub), str(target), url_keys)
                if ptype == "mailgun":
                    if headers:
                        self.warn(
                            (*base, "headers"),
                            f"headers are not sent by Mailgun (target {target})",
                        )
                    for event in events:
                        mailgun_urls[(pid, sub, event)] += 1
                        if mailgun_urls[(pid, sub, event)] == mg.MAX_URLS_PER_EVENT + 1:
                            where = f"on {target}" if sub else f"at {pid}'s account level"
                            self.error(
                                path,
                                f"more than {mg.MAX_URLS_PER_EVENT} webhook URLs for event "
                                f"'{event}' {where}: Mailgun allows at most "
                                f"{mg.MAX_URLS_PER_EVENT}",
                            )
            if len(headers) > 30:
                self.error((*base, "headers"), "Postmark allows at most 30 custom headers")

    def same_url(
        self,
        path: PathKey,
        name: str,
        url: str,
        where: tuple[str, str],
        target: str,
        seen: dict[tuple[str, str, str], str],
    ) -> None:
        """Two entries must not send to one URL from one target: both providers key a
        webhook by its target and URL without credentials (env values, tokens masked)."""
        env_values = [
            v for _, v in self.doc.substituted.get(("webhooks", name, "url"), ((), ""))[0]
        ]
        key = (*where, url_identity(url, env_values))
        if key in seen and seen[key] != name:
            keyed = (
                "Postmark keys webhooks by stream"
                if self.types.get(where[0]) == "postmark"
                else "Mailgun keys webhooks by domain (or account level)"
            )
            self.error(
                path,
                f"webhook '{seen[key]}' already sends to this URL from {target}; merge the two "
                f"({keyed} and URL without its credentials)",
            )
        seen[key] = name

    def capability(self, path: PathKey, pid: str, ptype: str, sub: str, events: list[str]) -> None:
        match ptype:
            case "postmark":
                can = pm.EVENT_TO_TRIGGER
                stream_type = self.sub_targets(pid).get(sub)
                for event in events:
                    if Event(event) not in can:
                        self.error(
                            path,
                            f"postmark cannot deliver '{event}' webhooks "
                            f"(it can: {', '.join(e.value for e in can)})",
                        )
                    elif stream_type == "broadcasts" and Event(event) in pm.BROADCAST_FORBIDDEN:
                        self.error(
                            path,
                            f"'{event}' webhooks are not available on broadcast stream "
                            f"'{sub}' (Postmark has no Bounce/SpamComplaint triggers there)",
                        )
            case "mailgun":
                for event in events:
                    if Event(event) not in mg.EVENT_TO_WEBHOOK:
                        self.error(path, f"mailgun cannot deliver '{event}' webhooks")
            case _:
                pass

    def routing(self) -> None:
        routing = _d(self.doc.data.get("routing"))
        if "default" in routing:
            self.check_target(("routing", "default"), routing.get("default"))
        seen: dict[str, str] = {}
        for i, raw in enumerate(_l(routing.get("rules"))):
            rule = _d(raw)
            base: PathKey = ("routing", "rules", i)
            self.check_target((*base, "to"), rule.get("to"))
            fallbacks = _l(rule.get("fallback"))
            for j, target in enumerate(fallbacks):
                self.check_target((*base, "fallback", j), target)
                if target == rule.get("to"):
                    self.error((*base, "fallback", j), "a fallback repeats the rule's own target")
            for j, email_type in enumerate(_l(rule.get("email_types"))):
                if not isinstance(email_type, str):
                    continue
                if email_type in seen:
                    self.error(
                        (*base, "email_types", j),
                        f"email type '{email_type}' is already routed by {seen[email_type]}"
                        " (one email type belongs to at most one rule)",
                    )
                else:
                    label = rule.get("name")
                    seen[email_type] = (
                        f"rule '{label}'" if isinstance(label, str) else f"routing.rules[{i}]"
                    )

    def report(self) -> None:
        """Threshold lines must be ordered: a warning comes before the critical line."""
        thresholds = _d(_d(self.doc.data.get("report")).get("thresholds"))
        for rate, higher_is_better in (
            ("delivery", True),
            ("hard_bounce", False),
            ("complaint", False),
        ):
            lines = _d(thresholds.get(rate))
            warning, critical = lines.get("warning"), lines.get("critical")
            numbers = (int, float)
            if not isinstance(warning, numbers) or not isinstance(critical, numbers):
                continue  # missing or mistyped: the schema reports it
            if isinstance(warning, bool) or isinstance(critical, bool):
                continue
            if higher_is_better and not warning > critical:
                self.error(
                    ("report", "thresholds", rate, "warning"),
                    f"the {rate} warning line ({warning}) must be above the critical line "
                    f"({critical}): delivery gets worse as it falls",
                )
            elif not higher_is_better and not warning < critical:
                self.error(
                    ("report", "thresholds", rate, "warning"),
                    f"the {rate} warning line ({warning}) must be below the critical line "
                    f"({critical}): this rate gets worse as it rises",
                )


def semantic_problems(doc: SourceDoc) -> list[Problem]:
    """Every semantic problem of the document (errors and warnings)."""
    return _Checker(doc).run()

"""Checks beyond the schema: references, provider capabilities and limits, formats.

They read the raw document defensively (any value may have the wrong type: the schema
reports that), so that schema and semantic problems are all reported in one run. What a
provider allows (its targets, events, webhook limits, its own rules on its block) comes
from its spec (:mod:`espctl.providers.registry`).
"""

from __future__ import annotations

from collections import Counter
from typing import Any, assert_never
from urllib.parse import urlsplit

from espctl.config.yamlpos import PathKey, SourceDoc
from espctl.errors import Problem
from espctl.model.common import Event, parse_address, split_target
from espctl.model.text import did_you_mean
from espctl.model.urls import url_identity
from espctl.providers import registry
from espctl.providers.kit.rules import forbidden_host, header_problem, url_faults
from espctl.providers.kit.spec import ProviderSpec


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
        self.specs = {s.type: s for s in registry.specs()}
        self._subs: dict[str, dict[str, str]] = {}

    def error(self, path: PathKey, message: str, *, key: bool = False) -> None:
        if path in self.doc.unresolved:
            return  # judged again once the variable is set
        self.problems.append(self.doc.problem(path, message, key=key))

    def warn(self, path: PathKey, message: str) -> None:
        self.problems.append(self.doc.problem(path, message, severity="warning"))

    def spec(self, pid: str) -> ProviderSpec[Any] | None:
        """The spec of provider ``pid``'s type (None for an unknown type: the schema says so)."""
        ptype = self.types.get(pid)
        return self.specs.get(ptype) if isinstance(ptype, str) else None

    # -- targets ---------------------------------------------------------------------
    def sub_targets(self, pid: str) -> dict[str, str]:
        """Valid sub-targets of a provider (streams, domains...), each with its sub-type."""
        if pid not in self._subs:
            spec = self.spec(pid)
            block = _d(self.providers.get(pid))
            self._subs[pid] = dict(spec.targets.declared(block)) if spec is not None else {}
        return self._subs[pid]

    def check_target(self, path: PathKey, target: Any) -> tuple[str, str] | None:
        """A ``<provider>/<stream, domain...>`` target (one without the slash: the
        schema's pattern reports it)."""
        if not isinstance(target, str):
            return None  # the schema reports it
        pid, sub = split_target(target)
        if pid not in self.providers:
            known = sorted(self.providers)
            hint = did_you_mean(pid, known)
            self.error(
                path, f"unknown provider '{pid}'{hint} (providers: {', '.join(known) or 'none'})"
            )
            return None
        spec = self.spec(pid)
        if "/" not in target:
            # a provider id alone: the account, where the provider routes to its account
            if spec is None or spec.targets.routes_to_account:
                return pid, ""
            names = sorted(self.sub_targets(pid))
            example = f"{pid}/{names[0]}" if names else f"{pid}/<{spec.targets.key}>"
            self.error(
                path,
                f"'{pid}' alone is not a routing target: a {spec.label} target names a "
                f"{spec.targets.noun} (e.g. {example})",
            )
            return None
        if spec is not None and spec.targets.kind is None:
            self.error(
                path,
                f"{pid} has no {spec.targets.noun}s to name: {spec.label} settings are "
                f"account-wide, write '{pid}' alone",
            )
            return None
        subs = self.sub_targets(pid)
        if sub not in subs:
            what = spec.targets.noun if spec is not None else "target"
            listed = ", ".join(sorted(subs)) or "none declared"
            self.error(
                path,
                f"{pid} has no {what} '{sub}' in this config (declared: {listed})",
            )
            return None
        return pid, sub

    def check_account_target(self, path: PathKey, target: str) -> tuple[str, str] | None:
        """A webhook target that is a provider id alone: the provider's account-level
        webhooks, where it has them."""
        having = [s.label for s in self.specs.values() if s.targets.account]
        if target not in self.providers:
            known = sorted(self.providers)
            hint = did_you_mean(target, known)
            forms = ", ".join(
                f"provider/{s.targets.key}" for s in self.specs.values() if s.targets.kind
            )
            self.error(
                path,
                f"unknown provider '{target}'{hint} (providers: {', '.join(known) or 'none'}); "
                f"a target is {forms}, or a {' or '.join(having)} provider id alone "
                "for its account-level webhooks",
            )
            return None
        spec = self.spec(target)
        if spec is None:
            return None  # an unknown type: the schema says so
        if not spec.targets.account:
            subs = sorted(self.sub_targets(target))
            example = f"{target}/{subs[0]}" if subs else f"{target}/<{spec.targets.key}>"
            verb = "has" if len(having) == 1 else "have"
            self.error(
                path,
                f"{target} is not a {' or '.join(having)} provider: its webhooks belong to a "
                f"{spec.targets.noun} (e.g. {example}); only {' and '.join(having)} {verb} "
                "account-level webhooks",
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
            self.url((*base, "endpoint"), endpoint, what="endpoint")
        spec = self.spec(pid)
        if spec is not None:
            spec.rules(self, base, block)

    def sender(self, path: PathKey, sender: str) -> None:
        if parse_address(sender) is None:
            self.error(
                path,
                f"'{sender}' is not a valid sender: write 'Name <user@domain.com>' "
                "or 'user@domain.com'",
            )

    def url(self, path: PathKey, url: str, *, what: str) -> None:
        for fault in url_faults(url):
            match fault:
                case "invalid":
                    self.error(path, f"{what} is not a valid URL")
                case "not_absolute":
                    self.error(path, f"{what} must be an absolute https:// URL")
                case "plain_http":
                    self.error(
                        path, f"{what} must use https (http only for localhost and 127.0.0.1)"
                    )
                case "credentials":
                    # never echo the URL: it carries a credential
                    self.error(path, f"{what} must not carry credentials; use basic_auth instead")
                case _:
                    assert_never(fault)

    def receiver(self, path: PathKey, url: str) -> None:
        """A webhook URL must never reach cloud instance metadata (see
        :mod:`espctl.providers.kit.rules`)."""
        try:
            host = urlsplit(url).hostname or ""
        except ValueError:
            return  # url() reported it
        reason = forbidden_host(host) if host else None
        if reason:
            self.error(path, f"webhook url refused: {reason}")

    def webhooks(self) -> None:
        hooks = _d(self.doc.data.get("webhooks"))
        # (provider, stream/domain or "" for account level, event) -> URLs counted
        urls: Counter[tuple[str, str, str]] = Counter()
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
            senders: dict[str, ProviderSpec[Any]] = {}
            for i, target in enumerate(_l(hook.get("targets"))):
                path = (*base, "targets", i)
                if isinstance(target, str) and "/" not in target:
                    resolved = self.check_account_target(path, target)
                else:
                    resolved = self.check_target(path, target)
                if resolved is None:
                    continue
                pid, sub = resolved
                spec = self.spec(pid)
                if spec is None:
                    continue
                self.capability(path, pid, spec, sub, events)
                if isinstance(url, str):
                    self.same_url(path, name, url, (pid, sub), str(target), url_keys)
                traits = spec.webhooks
                if traits.max_headers is None and headers:
                    self.warn(
                        (*base, "headers"),
                        f"headers are not sent by {spec.label} (target {target})",
                    )
                elif traits.max_headers is not None:
                    senders[spec.type] = spec
                if traits.max_urls is not None:
                    for event in events:
                        urls[(pid, sub, event)] += 1
                        if urls[(pid, sub, event)] == traits.max_urls + 1:
                            where = f"on {target}" if sub else f"at {pid}'s account level"
                            self.error(
                                path,
                                f"more than {traits.max_urls} webhook URLs for event "
                                f"'{event}' {where}: {spec.label} allows at most "
                                f"{traits.max_urls}",
                            )
            for spec in senders.values():
                most = spec.webhooks.max_headers
                if most is not None and len(headers) > most:
                    self.error(
                        (*base, "headers"), f"{spec.label} allows at most {most} custom headers"
                    )

    def same_url(
        self,
        path: PathKey,
        name: str,
        url: str,
        where: tuple[str, str],
        target: str,
        seen: dict[tuple[str, str, str], str],
    ) -> None:
        """Two entries must not send to one URL from one target: providers key a webhook
        by its target and URL without credentials (env values, tokens masked)."""
        env_values = [
            v for _, v in self.doc.substituted.get(("webhooks", name, "url"), ((), ""))[0]
        ]
        key = (*where, url_identity(url, env_values))
        if key in seen and seen[key] != name:
            spec = self.spec(where[0])
            keyed = (
                f"{spec.label} keys webhooks {spec.webhooks.keyed_by}"
                if spec is not None
                else "a webhook is keyed by its target"
            )
            self.error(
                path,
                f"webhook '{seen[key]}' already sends to this URL from {target}; merge the two "
                f"({keyed} and URL without its credentials)",
            )
        seen[key] = name

    def capability(
        self, path: PathKey, pid: str, spec: ProviderSpec[Any], sub: str, events: list[str]
    ) -> None:
        """Every event is one the target's provider delivers, there."""
        can = spec.events.native
        sub_type = self.sub_targets(pid).get(sub) if sub else None
        restriction = spec.events.restricted.get(sub_type) if sub_type is not None else None
        for event in events:
            if Event(event) not in can:
                self.error(
                    path,
                    f"{spec.type} cannot deliver '{event}' webhooks "
                    f"(it can: {', '.join(e.value for e in can)})",
                )
            elif restriction is not None and Event(event) in restriction.events:
                self.error(
                    path,
                    f"'{event}' webhooks are not available on {restriction.what} "
                    f"'{sub}' ({restriction.why})",
                )

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

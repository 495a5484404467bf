"""Routing at send time: which provider, stream or domain sends an email type.

The config's ``routing`` section is the single answer to "which provider sends this
email type?". :class:`Router` makes it usable from an application::

    router = Router.from_config("espctl.yaml")          # offline: no credentials needed
    route = router.resolve("password_reset")
    route.target       # "postmark/outbound"
    route.stream       # "outbound" -- or route.domain, as the provider's targets are
    route.tag          # "password_reset": put it on the message so the report can
                       # measure per email type
    route.fallbacks    # (RouteTarget("mailgun/mg.acme-mail.com", ...),)
    router.resolve("password_reset", unavailable=frozenset({"postmark"}))
                       # -> mailgun/mg.acme-mail.com, with the remaining fallbacks

Resolution order: the rule that names the email type (one type belongs to at most one
rule, which ``validate`` enforces), else ``routing.default``. A rule's chain is its
``to`` then its ``fallback`` targets in order; targets whose provider is in
``unavailable`` are skipped. A type routed by a rule never falls through to the default
when its whole chain is unavailable: it gets a :class:`~espctl.errors.RoutingError`
(sending a password reset through a newsletter domain is worse than not sending it).
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from espctl.config import Config, load_config
from espctl.errors import RoutingError
from espctl.model.common import split_target
from espctl.providers import registry

ROUTES_FORMAT = "espctl-routes/1"
DEFAULT_RULE = "default"

MatchedBy = Literal["rule", "default"]


@dataclass(frozen=True)
class RouteTarget:
    """One place a message can be sent: a provider and its stream, domain...

    ``sub`` is the part of the target after the slash (empty for a provider id alone) and
    ``sub_key`` what the provider calls it (``stream``, ``domain``: the spec's target
    form); ``sender`` is the provider's ``default_sender`` (None when the config sets none).
    """

    target: str
    provider: str
    provider_type: str
    sub: str
    sub_key: str
    sender: str | None

    @property
    def stream(self) -> str | None:
        """The message stream, for a provider whose targets are streams (else None)."""
        return self.sub if self.sub_key == "stream" and self.sub else None

    @property
    def domain(self) -> str | None:
        """The sending domain, for a provider whose targets are domains (else None)."""
        return self.sub if self.sub_key == "domain" and self.sub else None

    def as_json(self) -> dict[str, Any]:
        """This target as a JSON object (the ``espctl route --format json`` contract):
        ``stream`` and ``domain`` always (null when not that kind of target), and the
        provider's own name for the part after the slash when it is neither."""
        out: dict[str, Any] = {
            "target": self.target,
            "provider": self.provider,
            "provider_type": self.provider_type,
            "stream": self.stream,
            "domain": self.domain,
        }
        if self.sub_key not in out and self.sub:
            out[self.sub_key] = self.sub
        out["sender"] = self.sender
        return out


@dataclass(frozen=True)
class Route:
    """Where one email type goes now: the target to use and the fallbacks after it.

    ``tag`` is the tag to put on the message (the email type itself), so that the
    deliverability report can measure per type. ``rule`` names the rule that matched
    (its ``name``, else ``rules[i]``) or ``"default"``. ``skipped`` lists the targets
    passed over because their provider was unavailable.
    """

    email_type: str
    matched_by: MatchedBy
    rule: str
    primary: RouteTarget
    fallbacks: tuple[RouteTarget, ...]
    skipped: tuple[str, ...] = ()

    @property
    def target(self) -> str:
        """``provider/stream`` or ``provider/domain`` of the target to use."""
        return self.primary.target

    @property
    def provider(self) -> str:
        """The provider id to send through."""
        return self.primary.provider

    @property
    def provider_type(self) -> str:
        """The provider's type (its config ``type``)."""
        return self.primary.provider_type

    @property
    def stream(self) -> str | None:
        """The message stream (None when the provider's targets are not streams)."""
        return self.primary.stream

    @property
    def domain(self) -> str | None:
        """The sending domain (None when the provider's targets are not domains)."""
        return self.primary.domain

    @property
    def sender(self) -> str | None:
        """The From address configured for the provider (``default_sender``)."""
        return self.primary.sender

    @property
    def tag(self) -> str:
        """The tag for the message: the email type."""
        return self.email_type

    def as_json(self) -> dict[str, Any]:
        """This route as a JSON object (stable keys; the machine contract of ``route``)."""
        return {
            "email_type": self.email_type,
            "matched_by": self.matched_by,
            "rule": self.rule,
            **self.primary.as_json(),
            "tag": self.tag,
            "fallbacks": [f.as_json() for f in self.fallbacks],
            "skipped": list(self.skipped),
        }


@dataclass(frozen=True)
class _Chain:
    """A rule (or the default) resolved against the providers: targets in order."""

    label: str
    matched_by: MatchedBy
    targets: tuple[RouteTarget, ...]


def _route_target(config: Config, target: str) -> RouteTarget:
    pid, sub = split_target(target)
    block = config.providers.get(pid)
    if block is None:  # validate reports it; a Router built from a model may not have
        raise RoutingError(f"routing target {target} names unknown provider '{pid}'")
    form = registry.spec(block.type).targets
    return RouteTarget(target, pid, block.type, sub, form.key, block.default_sender)


class Router:
    """Resolves email types to targets using a config's ``routing`` section."""

    def __init__(self, config: Config, *, source: str = "") -> None:
        """Build a router from a validated config model (``source`` names it in errors)."""
        self.source = source
        self.providers = frozenset(config.providers)
        routing = config.routing
        self._rules: dict[str, _Chain] = {}
        self._order: list[_Chain] = []
        self._default: _Chain | None = None
        if routing is None:
            return
        for i, rule in enumerate(routing.rules):
            chain = _Chain(
                rule.name or f"rules[{i}]",
                "rule",
                tuple(_route_target(config, t) for t in (rule.to, *rule.fallback)),
            )
            self._order.append(chain)
            for email_type in rule.email_types:
                self._rules.setdefault(email_type, chain)  # validate forbids duplicates
        if routing.default is not None:
            self._default = _Chain(
                DEFAULT_RULE, "default", (_route_target(config, routing.default),)
            )

    @classmethod
    def from_config(
        cls,
        path: str | os.PathLike[str] | Sequence[str | os.PathLike[str]],
        env: Mapping[str, str] | None = None,
    ) -> Router:
        """Load a config file (or several, merged in order) leniently: unset ``${env:…}``
        are fine, no secret is needed.

        Raises :class:`~espctl.errors.ConfigError` when the file is invalid.
        """
        loaded = load_config(path, env=os.environ if env is None else env, env_mode="lenient")
        return cls(loaded.config, source=" + ".join(str(Path(f)) for f in loaded.files))

    def check_providers(self, ids: Iterable[str]) -> frozenset[str]:
        """``ids`` as a set, when every one is a provider of the config.

        Raises :class:`~espctl.errors.RoutingError` naming the unknown ids and the known
        ones: a misspelled ``espctl route --unavailable`` must not silently route to the
        provider that is down. (:meth:`resolve` itself ignores ids it does not know.)
        """
        wanted = frozenset(ids)
        unknown = sorted(wanted - self.providers)
        if unknown:
            where = f" in {self.source}" if self.source else ""
            raise RoutingError(
                f"unknown provider {', '.join(repr(u) for u in unknown)} (providers{where}: "
                f"{', '.join(sorted(self.providers))})"
            )
        return wanted

    @property
    def email_types(self) -> tuple[str, ...]:
        """Every email type a rule names, in config order."""
        return tuple(self._rules)

    @property
    def has_default(self) -> bool:
        """Whether unknown email types have somewhere to go."""
        return self._default is not None

    def resolve(self, email_type: str, unavailable: Iterable[str] = frozenset()) -> Route:
        """The route for ``email_type``, skipping targets of providers in ``unavailable``.

        Unknown types go to ``routing.default``. Raises
        :class:`~espctl.errors.RoutingError` when there is no route, or when every
        target of the route belongs to an unavailable provider.
        """
        if not email_type or not email_type.strip():
            raise RoutingError("an email type is needed (e.g. password_reset)")
        down = frozenset(unavailable)  # an id the config lacks changes nothing here
        chain = self._rules.get(email_type) or self._default
        where = f" in {self.source}" if self.source else ""
        if chain is None:
            if not self._rules:
                raise RoutingError(
                    f"no route for email type '{email_type}': the config{where} has no "
                    "routing rules and no routing.default"
                )
            raise RoutingError(
                f"no route for email type '{email_type}': no rule names it and the "
                f"config{where} has no routing.default (routed types: "
                f"{', '.join(sorted(self._rules))})"
            )
        usable = [t for t in chain.targets if t.provider not in down]
        skipped = tuple(t.target for t in chain.targets if t.provider in down)
        if not usable:
            via = f"rule '{chain.label}'" if chain.matched_by == "rule" else "routing.default"
            raise RoutingError(
                f"no available route for email type '{email_type}': every target of {via} "
                f"({', '.join(t.target for t in chain.targets)}) belongs to an unavailable "
                f"provider ({', '.join(sorted(down))})"
            )
        return Route(
            email_type=email_type,
            matched_by=chain.matched_by,
            rule=chain.label,
            primary=usable[0],
            fallbacks=tuple(usable[1:]),
            skipped=skipped,
        )

    def table(self, unavailable: Iterable[str] = frozenset()) -> dict[str, Any]:
        """The whole routing table as JSON, for applications not written in Python.

        ``email_types`` maps each routed type to its route (as :meth:`Route.as_json`),
        skipping the targets of ``unavailable`` providers (null when none is left);
        ``default`` is the route of any other type (or null); ``rules`` lists the rules
        in order with their chains.
        """
        down = frozenset(unavailable)
        default = None
        if self._default is not None and self._default.targets[0].provider not in down:
            default = self._default.targets[0].as_json()
        routes: dict[str, Any] = {}
        for email_type in self._rules:
            try:
                routes[email_type] = self.resolve(email_type, down).as_json()
            except RoutingError:
                routes[email_type] = None  # every target is down
        return {
            "format": ROUTES_FORMAT,
            "source": self.source,
            "unavailable": sorted(down),
            "default": default,
            "rules": [
                {
                    "rule": chain.label,
                    "email_types": [t for t, c in self._rules.items() if c is chain],
                    "targets": [t.target for t in chain.targets],
                }
                for chain in self._order
            ],
            "email_types": routes,
        }

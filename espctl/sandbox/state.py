"""The sandbox's account model: everything a write can change, and nothing else.

An :class:`AccountState` holds the traffic's parameters (``seed``, ``now``) and one part
per simulated provider (:attr:`AccountState.providers`, keyed by provider type): each
part is the provider's own :class:`ProviderState` subclass, in ``<type>/state.py``, and
the registry says which class reads which key. Code reaches a part typed with
:meth:`AccountState.of` (each provider package has a one-line accessor for its own).

The model is a tree of mutable pydantic models so that it round-trips through JSON
(:meth:`AccountState.to_json` / :meth:`AccountState.from_json`) for the CLI's
``--sandbox`` state file. State files written before the parts were keyed by type held
each provider's part as a top-level key (``{"seed": 0, "<type>": {...}}``): they load
the same (:meth:`AccountState._compose`). Field names are the simulator's own snake_case
names; the wire names are produced only by the endpoint modules, so that the simulator
shares no field mapping with espctl's providers.

Traffic (stats and events) is not stored: it is a pure function of ``seed`` and ``now``
(see :mod:`espctl.sandbox.traffic`), which keeps state files small.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, ClassVar, Literal, TypeVar

from pydantic import BaseModel, ConfigDict, Field, SerializeAsAny, model_validator

from . import registry

Region = Literal["us", "eu"]


class StateModel(BaseModel):
    """The base of every model of the account (providers' parts included)."""

    model_config = ConfigDict(extra="forbid", validate_assignment=False)


class ProviderState(StateModel):
    """One provider's part of the account; a subclass per provider sets :attr:`TYPE`."""

    #: the provider type: the key of this part in :attr:`AccountState.providers`
    TYPE: ClassVar[str] = ""


S = TypeVar("S", bound=ProviderState)


class AccountState(StateModel):
    """The whole simulated account: settings plus the parameters of its traffic."""

    seed: int
    now: datetime
    #: provider type -> that provider's part (registry order)
    providers: dict[str, SerializeAsAny[ProviderState]] = Field(default_factory=dict)
    version: int = 1
    #: the key of the digests that stand in for secrets in the state file (sealing.py)
    sealed_salt: str = ""

    @model_validator(mode="before")
    @classmethod
    def _compose(cls, data: Any) -> Any:
        """Read each part with its provider's class; move the top-level provider keys of
        state files of before into :attr:`providers`; a registered provider missing from
        the data (a file written before it existed) gets its blank part."""
        if not isinstance(data, dict):
            return data
        data = dict(data)
        parts: dict[str, Any] = dict(data.pop("providers", None) or {})
        for provider_type in registry.TYPES:
            if provider_type in data:  # a state file of before
                parts.setdefault(provider_type, data.pop(provider_type))
        unknown = sorted(parts.keys() - set(registry.TYPES))
        if unknown:
            raise ValueError(f"no simulated provider {', '.join(unknown)}")
        composed: dict[str, ProviderState] = {}
        for provider_type, provider in registry.providers().items():
            part = parts.get(provider_type)
            if part is None:
                seed, now = data.get("seed", 0), data.get("now")
                when = now if isinstance(now, datetime) else _parse_time(now)
                composed[provider_type] = provider.blank(int(seed), when)
            elif isinstance(part, provider.state_model):
                composed[provider_type] = part
            else:
                composed[provider_type] = provider.state_model.model_validate(part)
        data["providers"] = composed
        return data

    def of(self, kind: type[S]) -> S:
        """The part of provider ``kind.TYPE``, typed (KeyError if the account lacks it)."""
        part = self.providers[kind.TYPE]
        if not isinstance(part, kind):
            raise TypeError(f"the {kind.TYPE} part is a {type(part).__name__}")
        return part

    if not TYPE_CHECKING:

        def __getattr__(self, name: str) -> Any:
            # ``state.<type>``: a provider's part, untyped (tests and scripts read parts
            # so; espctl's own code uses the typed of())
            parts = self.__dict__.get("providers")
            if parts is not None and name in parts:
                return parts[name]
            return super().__getattr__(name)

    def to_json(self) -> str:
        """Serialise to JSON text (used by the state file)."""
        return self.model_dump_json(indent=1)

    @classmethod
    def from_json(cls, text: str | bytes) -> AccountState:
        """Parse JSON text written by :meth:`to_json`, or by a version of before (raises
        pydantic's ValidationError, or ValueError for text that is not JSON)."""
        return cls.model_validate(json.loads(text))


def _parse_time(value: object) -> datetime:
    if isinstance(value, str):
        try:
            return datetime.fromisoformat(value)
        except ValueError:
            pass
    return today_utc()


def today_utc() -> datetime:
    """Current UTC time truncated to the day: the default "now" of a seeded account."""
    current = datetime.now(UTC)
    return current.replace(hour=0, minute=0, second=0, microsecond=0)

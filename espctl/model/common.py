"""Value types shared by every provider: the frozen base, secrets, events, targets."""

from __future__ import annotations

import re
from enum import StrEnum
from typing import Annotated, Any

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    GetCoreSchemaHandler,
    GetJsonSchemaHandler,
)
from pydantic.json_schema import JsonSchemaValue
from pydantic_core import core_schema


class Frozen(BaseModel):
    """Base of every model: immutable, unknown keys rejected."""

    model_config = ConfigDict(frozen=True, extra="forbid", use_enum_values=False)


class Secret:
    """A credential. Its str, repr and JSON form never show the value (str is
    ``(sensitive)``, as in plans).

    ``source`` is the environment variable it came from, when known, so messages
    can say *which* secret is involved without showing it.
    """

    __slots__ = ("_value", "source")

    def __init__(self, value: str, source: str | None = None) -> None:
        self._value = value
        self.source = source

    def reveal(self) -> str:
        """The clear value, for the one place that must send it (an HTTP header or body)."""
        return self._value

    def __repr__(self) -> str:
        return f"Secret(${{env:{self.source}}})" if self.source else "Secret(***)"

    def __str__(self) -> str:
        """What a message or page shows in its place (the plan's own marker)."""
        return "(sensitive)"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Secret) and other._value == self._value

    def __hash__(self) -> int:
        return hash(("espctl.Secret", self._value))

    def __bool__(self) -> bool:
        return bool(self._value)

    @classmethod
    def __get_pydantic_core_schema__(
        cls, source: type[Any], handler: GetCoreSchemaHandler
    ) -> core_schema.CoreSchema:
        def coerce(value: object) -> Secret:
            if isinstance(value, Secret):
                return value
            if isinstance(value, str):
                return Secret(value)
            raise ValueError("expected a string (use ${env:NAME} for credentials)")

        return core_schema.no_info_plain_validator_function(
            coerce,
            serialization=core_schema.plain_serializer_function_ser_schema(
                repr, when_used="always"
            ),
        )

    @classmethod
    def __get_pydantic_json_schema__(
        cls, schema: core_schema.CoreSchema, handler: GetJsonSchemaHandler
    ) -> JsonSchemaValue:
        return {"type": "string", "pattern": r"^\$\{env:[A-Za-z_][A-Za-z0-9_]*(:-[^}]*)?\}$"}


class EnvStr(str):
    """A config string with ``${env:...}`` substituted in it: sensitive wherever it lands.

    The loader tags every such string after validation. It behaves as the plain string
    (requests send it, comparisons see its value); what shows or stores config values
    asks :func:`is_sensitive` first. ``substituted`` holds the values that came from the
    environment (e.g. a token inside a URL), ``source`` the scalar as written, with its
    references (what ``espctl import`` writes back).
    """

    substituted: tuple[str, ...]
    source: str

    def __new__(cls, value: str, substituted: tuple[str, ...], source: str) -> EnvStr:
        self = super().__new__(cls, value)
        self.substituted = substituted
        self.source = source
        return self

    def __reduce__(self) -> tuple[type[EnvStr], tuple[str, tuple[str, ...], str]]:
        return (EnvStr, (str(self), self.substituted, self.source))  # copy and pickle

    def __repr__(self) -> str:
        return f"EnvStr({self.source!r})"


def is_sensitive(value: object) -> bool:
    """True for a :class:`Secret` or a string substituted from the environment."""
    return isinstance(value, Secret | EnvStr)


class Event(StrEnum):
    """The normalized delivery events that config and report speak (DESIGN.md)."""

    accepted = "accepted"
    delivered = "delivered"
    deferred = "deferred"
    bounced = "bounced"
    complained = "complained"
    opened = "opened"
    clicked = "clicked"
    unsubscribed = "unsubscribed"
    #: the provider refused to send the message at all (SendGrid ``dropped``, SES
    #: ``Reject``); ANALYTICS.md counts it as a rejection. Postmark and Mailgun webhooks
    #: cannot deliver it.
    dropped = "dropped"


ProviderId = Annotated[
    str,
    Field(pattern=r"^[a-z0-9][a-z0-9-]*$", max_length=63, description="A provider id."),
]


def split_target(target: str) -> tuple[str, str]:
    """``"postmark/outbound"`` -> ``("postmark", "outbound")``."""
    provider, _, sub = target.partition("/")
    return provider, sub


class BasicAuth(Frozen):
    """HTTP basic auth a provider uses when it calls a webhook URL."""

    username: str = Field(min_length=1, description="Basic-auth user name.")
    password: Secret = Field(description="Basic-auth password: always ${env:NAME}.")

    def __repr__(self) -> str:
        return f"BasicAuth(username={self.username!r}, password={self.password!r})"


_ADDRESS = re.compile(r"^(?:(?P<name>[^<>@]*?)\s*<(?P<addr1>[^<>\s]+)>|(?P<addr2>[^<>\s]+))$")
_EMAIL = re.compile(
    r"^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@(?P<domain>[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,})$"
)


def parse_address(sender: str) -> str | None:
    """The bare address of ``Name <user@domain>`` or ``user@domain``; None if invalid."""
    match = _ADDRESS.match(sender.strip())
    address = (match.group("addr1") or match.group("addr2")) if match else None
    return address if address and _EMAIL.match(address) else None

"""SES v2 event destinations of a configuration set: get, create, update, delete (one
of five target types each; SES's quota of 10 per set)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..http import Request, Response
from .context import SesCtx, bad, body_of, configuration_set
from .state import SesConfigurationSet, SesDestination
from .wire import json_answer, refuse

#: SES's quota of event destinations per configuration set
MAX_DESTINATIONS = 10
#: SESv2 member name -> the sandbox's destination type and the member holding its ARN
TARGETS = {
    "SnsDestination": ("sns", "TopicArn"),
    "EventBridgeDestination": ("eventbridge", "EventBusArn"),
    "CloudWatchDestination": ("cloudwatch", None),
    "KinesisFirehoseDestination": ("firehose", "DeliveryStreamArn"),
    "PinpointDestination": ("pinpoint", "ApplicationArn"),
}
EVENT_TYPES = frozenset(
    {
        "SEND",
        "REJECT",
        "BOUNCE",
        "COMPLAINT",
        "DELIVERY",
        "OPEN",
        "CLICK",
        "RENDERING_FAILURE",
        "DELIVERY_DELAY",
        "SUBSCRIPTION",
    }
)


def destination_answer(d: SesDestination) -> dict[str, Any]:
    out: dict[str, Any] = {
        "Name": d.name,
        "Enabled": d.enabled,
        "MatchingEventTypes": list(d.event_types),
    }
    for member, (kind, arn_key) in TARGETS.items():
        if kind != d.type:
            continue
        if kind == "cloudwatch":
            out[member] = {
                "DimensionConfigurations": [
                    {"DimensionName": n, "DimensionValueSource": s, "DefaultDimensionValue": v}
                    for n, s, v in d.dimensions
                ]
            }
        elif kind == "firehose":
            out[member] = {"IamRoleArn": d.role_arn, "DeliveryStreamArn": d.arn}
        else:
            assert arn_key is not None
            out[member] = {arn_key: d.arn}
    return out


def get_destinations(ctx: SesCtx, request: Request, params: dict[str, str]) -> Response:
    c = configuration_set(ctx, params["name"])
    return json_answer({"EventDestinations": [destination_answer(d) for d in c.destinations]})


def _destination(name: str, body: Mapping[str, Any]) -> SesDestination:
    spec = body.get("EventDestination")
    if not isinstance(spec, dict):
        raise bad("EventDestination is required.")
    types = spec.get("MatchingEventTypes") or []
    if not isinstance(types, list) or not types or any(t not in EVENT_TYPES for t in types):
        raise bad(f"Invalid MatchingEventTypes: {types}")
    chosen = [m for m in TARGETS if isinstance(spec.get(m), dict)]
    if len(chosen) != 1:
        raise bad("Exactly one destination type must be specified.")
    member = chosen[0]
    kind, arn_key = TARGETS[member]
    target = spec[member]
    made = SesDestination(
        name=name,
        enabled=bool(spec.get("Enabled", False)),
        event_types=list(types),
        type=kind,
    )
    if kind == "cloudwatch":
        made.dimensions = [
            (
                str(d["DimensionName"]),
                str(d["DimensionValueSource"]),
                str(d["DefaultDimensionValue"]),
            )
            for d in target.get("DimensionConfigurations") or ()
        ]
    elif arn_key is not None:
        arn = target.get(arn_key)
        if not isinstance(arn, str) or not arn.startswith("arn:"):
            raise bad(f"Invalid {arn_key}: {arn}")
        made.arn = arn
        made.role_arn = str(target.get("IamRoleArn") or "")
    return made


def create_destination(ctx: SesCtx, request: Request, params: dict[str, str]) -> Response:
    c = configuration_set(ctx, params["name"])
    body = body_of(request)
    name = body.get("EventDestinationName")
    if not isinstance(name, str) or not name:
        raise bad("EventDestinationName is required.")
    if c.destination(name) is not None:
        raise refuse(
            "rest-json",
            400,
            "AlreadyExistsException",
            f"Event destination <{name}> already exists.",
        )
    if len(c.destinations) >= MAX_DESTINATIONS:
        raise refuse(
            "rest-json",
            400,
            "LimitExceededException",
            "Maximum number of event destinations reached.",
        )
    c.destinations.append(_destination(name, body))
    return json_answer({})


def _existing(ctx: SesCtx, params: dict[str, str]) -> tuple[SesConfigurationSet, SesDestination]:
    """The set and event destination a path names (404 as SES answers if either is
    missing)."""
    c = configuration_set(ctx, params["name"])
    found = c.destination(params["destination"])
    if found is None:
        raise refuse(
            "rest-json",
            404,
            "NotFoundException",
            f"Event destination <{params['destination']}> does not exist.",
        )
    return c, found


def update_destination(ctx: SesCtx, request: Request, params: dict[str, str]) -> Response:
    c, old = _existing(ctx, params)
    c.destinations[c.destinations.index(old)] = _destination(old.name, body_of(request))
    return json_answer({})


def delete_destination(ctx: SesCtx, request: Request, params: dict[str, str]) -> Response:
    c, old = _existing(ctx, params)
    c.destinations.remove(old)
    return json_answer({})

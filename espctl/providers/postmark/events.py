"""Postmark's event table: normalized event <-> webhook trigger (DESIGN.md "Normalized
events"), and the triggers a broadcast stream does not have."""

from __future__ import annotations

from espctl.model.common import Event
from espctl.providers.kit.spec import EventVocabulary, Restriction

#: normalized event -> Postmark webhook trigger
EVENT_TO_TRIGGER: dict[Event, str] = {
    Event.delivered: "Delivery",
    Event.bounced: "Bounce",
    Event.complained: "SpamComplaint",
    Event.opened: "Open",
    Event.clicked: "Click",
    Event.unsubscribed: "SubscriptionChange",
}
TRIGGER_TO_EVENT: dict[str, Event] = {v: k for k, v in EVENT_TO_TRIGGER.items()}
#: triggers Postmark refuses on Broadcasts streams (ESP-API.md 1.6)
BROADCAST_FORBIDDEN: frozenset[Event] = frozenset({Event.bounced, Event.complained})

VOCABULARY = EventVocabulary(
    EVENT_TO_TRIGGER,
    restricted={
        "broadcasts": Restriction(
            BROADCAST_FORBIDDEN,
            "broadcast stream",
            "Postmark has no Bounce/SpamComplaint triggers there",
        )
    },
)

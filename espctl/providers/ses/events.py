"""Amazon SES's event table: normalized event <-> event destination ``MatchingEventTypes``
<-> the ``eventType`` of a published event.

``RENDERING_FAILURE`` has no normalized event: a webhook asks for it with the SES option
``rendering_failures`` and the parser reads it as ``failed``. SES's ``BOUNCE`` covers
every bounce type (Permanent, Transient, Undetermined): a webhook with ``bounced`` gets
all three, and the parser tells them apart (see :mod:`.parsing`).
"""

from __future__ import annotations

from espctl.model.common import Event
from espctl.providers.kit.spec import EventVocabulary

#: normalized event -> (MatchingEventTypes value, published ``eventType``)
EVENTS: dict[Event, tuple[str, str]] = {
    Event.accepted: ("SEND", "Send"),
    Event.delivered: ("DELIVERY", "Delivery"),
    Event.deferred: ("DELIVERY_DELAY", "DeliveryDelay"),
    Event.bounced: ("BOUNCE", "Bounce"),
    Event.complained: ("COMPLAINT", "Complaint"),
    Event.opened: ("OPEN", "Open"),
    Event.clicked: ("CLICK", "Click"),
    Event.unsubscribed: ("SUBSCRIPTION", "Subscription"),
    Event.dropped: ("REJECT", "Reject"),
}
#: the provider-specific event type (no normalized event; the webhook option asks for it)
RENDERING_FAILURE = "RENDERING_FAILURE"
EVENT_TO_TYPE: dict[Event, str] = {event: names[0] for event, names in EVENTS.items()}
TYPE_TO_EVENT: dict[str, Event] = {v: k for k, v in EVENT_TO_TYPE.items()}
PAYLOAD_TYPE: dict[Event, str] = {event: names[1] for event, names in EVENTS.items()}
#: every MatchingEventTypes value espctl may write
MANAGED_TYPES = frozenset({*TYPE_TO_EVENT, RENDERING_FAILURE})
VOCABULARY = EventVocabulary(EVENT_TO_TYPE)


def event_labels(types: object) -> object:
    """SES event types as people read them: ``bounced (BOUNCE)``; other values as they are."""
    if not isinstance(types, list) or not all(isinstance(t, str) for t in types):
        return types
    return [f"{TYPE_TO_EVENT[t].value} ({t})" if t in TYPE_TO_EVENT else t for t in types]


#: the tag SES adds to every event's ``mail.tags`` naming the configuration set it went
#: through (the report and the parser read it; a test sample leaves it out)
CONFIGURATION_SET_TAG = "ses:configuration-set"

"""Mailgun's event table: normalized event <-> webhook event id <-> payload event.

One table: the webhook event id is what a webhook subscribes to (``permanent_fail``), the
payload event and severity what a delivery of it says (``failed``/``permanent``).
"""

from __future__ import annotations

from espctl.model.common import Event
from espctl.providers.kit.spec import EventVocabulary, native_labels

#: normalized event -> (webhook event id, payload ``event``, payload ``severity``)
EVENTS: dict[Event, tuple[str, str, str | None]] = {
    Event.accepted: ("accepted", "accepted", None),
    Event.delivered: ("delivered", "delivered", None),
    Event.deferred: ("temporary_fail", "failed", "temporary"),
    Event.bounced: ("permanent_fail", "failed", "permanent"),
    Event.complained: ("complained", "complained", None),
    Event.opened: ("opened", "opened", None),
    Event.clicked: ("clicked", "clicked", None),
    Event.unsubscribed: ("unsubscribed", "unsubscribed", None),
}
#: normalized event -> Mailgun webhook event id (DESIGN.md "Normalized events")
EVENT_TO_WEBHOOK: dict[Event, str] = {event: ids[0] for event, ids in EVENTS.items()}
WEBHOOK_TO_EVENT: dict[str, Event] = {v: k for k, v in EVENT_TO_WEBHOOK.items()}
#: normalized event -> payload ``event`` and ``severity`` (for sample payloads)
PAYLOAD_EVENT: dict[Event, tuple[str, str | None]] = {
    event: (ids[1], ids[2]) for event, ids in EVENTS.items()
}
VOCABULARY = EventVocabulary(EVENT_TO_WEBHOOK)


#: Mailgun event ids as people read them: ``['opened', 'bounced (permanent_fail)']``
event_labels = native_labels(WEBHOOK_TO_EVENT)

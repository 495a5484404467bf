"""SendGrid's event table: normalized event <-> Event Webhook setting <-> payload event.

The webhook settings name the events with booleans (``spam_report``, ``bounce``...),
the payloads spell some differently (``spamreport``). ``unsubscribed`` is two SendGrid
events: a global ``unsubscribe`` and a ``group_unsubscribe`` (from one unsubscribe
group), so a webhook that wants it receives both.
"""

from __future__ import annotations

from espctl.model.common import Event
from espctl.providers.kit.spec import EventVocabulary, native_labels

#: normalized event -> the Event Webhook settings flags that deliver it (first: its name)
EVENT_FLAGS: dict[Event, tuple[str, ...]] = {
    Event.accepted: ("processed",),
    Event.delivered: ("delivered",),
    Event.deferred: ("deferred",),
    Event.bounced: ("bounce",),
    Event.dropped: ("dropped",),
    Event.complained: ("spam_report",),
    Event.opened: ("open",),
    Event.clicked: ("click",),
    Event.unsubscribed: ("unsubscribe", "group_unsubscribe"),
}
#: every event flag of a webhook espctl manages: the above, and ``group_resubscribe``,
#: which no normalized event asks for (so espctl's webhooks have it off)
FLAGS: tuple[str, ...] = (
    *(flag for flags in EVENT_FLAGS.values() for flag in flags),
    "group_resubscribe",
)
FLAG_TO_EVENT: dict[str, Event] = {
    flag: event for event, flags in EVENT_FLAGS.items() for flag in flags
}
#: normalized event -> the ``event`` a payload of it carries (for sample payloads)
PAYLOAD_EVENT: dict[Event, str] = {
    **{event: flags[0] for event, flags in EVENT_FLAGS.items()},
    Event.complained: "spamreport",
}
VOCABULARY = EventVocabulary({event: flags[0] for event, flags in EVENT_FLAGS.items()})


#: SendGrid event flags as people read them: ``['bounced (bounce)', 'opened (open)']``
event_labels = native_labels(FLAG_TO_EVENT)

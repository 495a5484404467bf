"""SendGrid's event table: normalized event <-> Event Webhook setting <-> payload event.

The webhook settings name the events with booleans (``spam_report``, ``bounce``...),
the payloads spell some differently (``spamreport``). ``unsubscribed`` is two SendGrid
events: a global ``unsubscribe`` and a ``group_unsubscribe`` (from one unsubscribe
group), so a webhook that wants it receives both.
"""

from __future__ import annotations

from espctl.model.common import Event
from espctl.providers.kit.spec import EventVocabulary

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


def event_labels(flags: object) -> object:
    """SendGrid event flags as people read them: the normalized name first.

    >>> event_labels(["bounce", "open"])
    ['bounced (bounce)', 'opened (open)']

    For renderings only (the plan's JSON keeps SendGrid's flags); anything but a list of
    strings (a redacted value) is returned as it is.
    """
    if not isinstance(flags, list) or not all(isinstance(f, str) for f in flags):
        return flags
    labels = []
    for flag in flags:
        event = FLAG_TO_EVENT.get(flag)
        labels.append(flag if event is None or event.value == flag else f"{event.value} ({flag})")
    return labels

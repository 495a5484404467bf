"""SNS and STS (``query`` protocol: form-encoded ``Action=...`` POSTs, XML answers): the
operations espctl uses, to the letter of the installed botocore's ``sns`` and ``sts``
service models.

SNS: ``CreateTopic`` (idempotent by name; the same name with other tags is refused),
``Subscribe`` (an HTTPS subscription is pending until its endpoint confirms, which the
sandbox's receivers do at once unless ``receivers_confirm`` is off; the same endpoint
again answers the existing subscription; one left pending for 48 hours of the account's
clock is deleted, as SNS does, before any SNS request is answered),
``ListSubscriptionsByTopic`` (a
pending one's ``SubscriptionArn`` is ``PendingConfirmation``; endpoints as subscribed,
basic-auth password included: UNCONFIRMED whether SNS masks it, see
``providers/ses/live.py``), ``Unsubscribe`` and ``DeleteTopic`` (deleting a topic that
does not exist is no error, as AWS documents). STS: ``GetCallerIdentity``.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import datetime

from ..http import Answered, BadRequestBody, Request, Response
from .state import SesAccount, SnsSubscription, SnsTopic
from .wire import refuse, xml_answer, xml_fields

PENDING = "PendingConfirmation"
TOPIC_NAME = re.compile(r"^[A-Za-z0-9_-]{1,256}$")
PAGE = 100

Params = dict[str, str]
Handler = Callable[[SesAccount, str, Params, datetime], Response]


def _bad(message: str, code: str = "InvalidParameter") -> Answered:
    return refuse("query", 400, code, message)


def _required(params: Params, name: str) -> str:
    value = params.get(name)
    if not value:
        raise _bad(
            f"1 validation error detected: Value null at '{name}' failed to satisfy "
            "constraint: Member must not be null",
            "ValidationError",
        )
    return value


def _members(params: Params, prefix: str) -> list[dict[str, str]]:
    """``Prefix.member.N.Field`` parameters as a list of dicts, in N order."""
    found: dict[int, dict[str, str]] = {}
    pattern = re.compile(rf"^{re.escape(prefix)}\.member\.(\d+)\.(\w+)$")
    for key, value in params.items():
        hit = pattern.match(key)
        if hit:
            found.setdefault(int(hit[1]), {})[hit[2]] = value
    return [found[n] for n in sorted(found)]


def _topic(part: SesAccount, arn: str) -> SnsTopic:
    topic = part.topic(arn)
    if topic is None:
        raise refuse("query", 404, "NotFound", "Topic does not exist")
    return topic


def create_topic(part: SesAccount, region: str, params: Params, now: datetime) -> Response:
    name = _required(params, "Name")
    if not TOPIC_NAME.match(name):
        raise _bad("Invalid parameter: Topic Name")
    tags = [(t.get("Key", ""), t.get("Value", "")) for t in _members(params, "Tags")]
    arn = f"arn:aws:sns:{region}:{part.account_id}:{name}"
    topic = part.topic(arn)
    if topic is None:
        part.topics.append(SnsTopic(arn=arn, tags=tags))
    elif tags and sorted(tags) != sorted(topic.tags):
        raise _bad("Invalid parameter: Tags Reason: Topic already exists with different tags")
    return xml_answer("sns", "CreateTopic", xml_fields([("TopicArn", arn)]))


def subscribe(part: SesAccount, region: str, params: Params, now: datetime) -> Response:
    topic = _topic(part, _required(params, "TopicArn"))
    protocol = _required(params, "Protocol")
    endpoint = params.get("Endpoint", "")
    if protocol not in (
        "http",
        "https",
        "email",
        "email-json",
        "sms",
        "sqs",
        "lambda",
        "application",
        "firehose",
    ):
        raise _bad("Invalid parameter: Protocol")
    if protocol in ("http", "https") and not endpoint.startswith(f"{protocol}://"):
        raise _bad("Invalid parameter: Endpoint must match the specified protocol")
    wants_arn = params.get("ReturnSubscriptionArn", "false").lower() == "true"
    found = next(
        (s for s in topic.subscriptions if s.protocol == protocol and s.endpoint == endpoint), None
    )
    if found is None:
        found = SnsSubscription(
            arn=f"{topic.arn}:{_uuid(part)}",
            protocol=protocol,
            endpoint=endpoint,
            # an email address confirms later; an HTTP(S) receiver at once when the
            # account's receivers confirm (state.receivers_confirm); others need not
            confirmed=protocol not in ("http", "https", "email", "email-json")
            or (protocol in ("http", "https") and part.receivers_confirm),
            created=now,
        )
        topic.subscriptions.append(found)
    shown = found.arn if found.confirmed or wants_arn else "pending confirmation"
    return xml_answer("sns", "Subscribe", xml_fields([("SubscriptionArn", shown)]))


def _uuid(part: SesAccount) -> str:
    n = part.next_id()
    return f"{n:08x}-5e5a-4b0c-9d1e-{part.account_id[-4:]}{n:08x}"


def list_subscriptions(part: SesAccount, region: str, params: Params, now: datetime) -> Response:
    topic = _topic(part, _required(params, "TopicArn"))
    token = params.get("NextToken") or "0"
    if not token.isdigit():
        raise _bad("Invalid parameter: NextToken")
    start = int(token)
    page = topic.subscriptions[start : start + PAGE]
    members = "".join(
        "<member>"
        + xml_fields(
            [
                ("TopicArn", topic.arn),
                ("Protocol", s.protocol),
                ("SubscriptionArn", s.arn if s.confirmed else PENDING),
                ("Owner", part.account_id),
                ("Endpoint", s.endpoint),
            ]
        )
        + "</member>"
        for s in page
    )
    rest = start + PAGE
    more = xml_fields([("NextToken", str(rest))]) if rest < len(topic.subscriptions) else ""
    return xml_answer(
        "sns", "ListSubscriptionsByTopic", f"<Subscriptions>{members}</Subscriptions>{more}"
    )


def unsubscribe(part: SesAccount, region: str, params: Params, now: datetime) -> Response:
    arn = _required(params, "SubscriptionArn")
    if not arn.startswith("arn:aws:sns:"):
        raise _bad("Invalid parameter: SubscriptionArn")
    for topic in part.topics:
        for sub in topic.subscriptions:
            if sub.arn == arn:
                topic.subscriptions.remove(sub)
                return xml_answer("sns", "Unsubscribe", None)
    raise refuse("query", 404, "NotFound", "Subscription does not exist")


def delete_topic(part: SesAccount, region: str, params: Params, now: datetime) -> Response:
    arn = _required(params, "TopicArn")
    part.topics = [t for t in part.topics if t.arn != arn]
    return xml_answer("sns", "DeleteTopic", None)


def caller_identity(part: SesAccount, region: str, params: Params, now: datetime) -> Response:
    return xml_answer(
        "sts",
        "GetCallerIdentity",
        xml_fields(
            [
                ("Arn", f"arn:aws:iam::{part.account_id}:user/{part.user}"),
                ("UserId", "AIDASANDBOXESPCTL0USER"),
                ("Account", part.account_id),
            ]
        ),
    )


#: (service, Action) -> handler
ACTIONS: dict[tuple[str, str], Handler] = {
    ("sns", "CreateTopic"): create_topic,
    ("sns", "Subscribe"): subscribe,
    ("sns", "ListSubscriptionsByTopic"): list_subscriptions,
    ("sns", "Unsubscribe"): unsubscribe,
    ("sns", "DeleteTopic"): delete_topic,
    ("sts", "GetCallerIdentity"): caller_identity,
}
VERSIONS = {"sns": "2010-03-31", "sts": "2011-06-15"}


def handle(
    part: SesAccount, service: str, region: str, request: Request, now: datetime
) -> Response:
    """Answer one query-protocol request of ``service`` (``sns`` or ``sts``) at ``now``
    (the account's clock)."""
    if request.method != "POST":
        return refuse("query", 400, "InvalidAction", "Only POST is supported.").response
    try:
        params = dict(request.form())
    except BadRequestBody:
        return _bad("Could not read the form body.", "MalformedQueryString").response
    action = params.get("Action", "")
    handler = ACTIONS.get((service, action))
    if handler is None:
        return refuse(
            "query",
            400,
            "InvalidAction",
            f"Could not find operation {action} for version {params.get('Version', '')}",
        ).response
    if params.get("Version") != VERSIONS[service]:
        return _bad(
            f"Invalid API version {params.get('Version')}", "InvalidParameterValue"
        ).response
    if service == "sns":
        part.expire_subscriptions(now)
    try:
        return handler(part, region, params, now)
    except Answered as answered:
        return answered.response

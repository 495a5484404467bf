"""Amazon SES for ``espctl test --webhooks``: a sample event as SNS delivers it (an SNS
``Notification`` envelope around an SES event-publishing body: the inverse of
:mod:`.parsing`), and how SNS treats a receiver's answers."""

from __future__ import annotations

import base64
import json
import uuid
from datetime import datetime
from typing import Any

from espctl.model.common import Event, Frozen
from espctl.providers.kit.spec import TEST_TAG, ReceiverTraits, WebhookSample
from espctl.providers.ses.config import SesProvider
from espctl.providers.ses.events import CONFIGURATION_SET_TAG, PAYLOAD_TYPE

#: a 12-digit account id that no AWS account has (documentation examples use it)
TEST_ACCOUNT = "123456789012"

RECEIVER = ReceiverTraits(
    retries="SNS retries a failed HTTPS delivery by the topic's delivery policy (by default "
    "3 more times, 20 seconds apart), then drops the message",
    auth_note=" (SNS sends the user name and password of the subscription URL as basic auth)",
    tls="SNS requires a certificate from a trusted CA for https subscriptions: it will not "
    "deliver to this receiver",
)


def _stamp(now: datetime) -> str:
    return now.strftime("%Y-%m-%dT%H:%M:%S.") + f"{now.microsecond // 1000:03d}Z"


def ses_body(
    event: Event, configuration_set: str, block: SesProvider, now: datetime
) -> dict[str, Any]:
    """An SES event-publishing body for ``event`` sent through ``configuration_set``."""
    name = PAYLOAD_TYPE[event]
    sender = "espctl-test@example.com"
    recipient = "test@example.com"
    stamp = _stamp(now)
    mail: dict[str, Any] = {
        "timestamp": stamp,
        "source": sender,
        "sendingAccountId": TEST_ACCOUNT,
        "messageId": f"{uuid.uuid4()}-000000",
        "destination": [recipient],
        "headersTruncated": False,
        "tags": {
            "ses:configuration-set": [configuration_set] if configuration_set else [],
            TEST_TAG: ["true"],
        },
    }
    if not configuration_set:
        del mail["tags"][CONFIGURATION_SET_TAG]
    body: dict[str, Any] = {"eventType": name, "mail": mail}
    detail: dict[str, Any]
    match event:
        case Event.accepted:
            detail = {}
        case Event.delivered:
            detail = {
                "timestamp": stamp,
                "recipients": [recipient],
                "smtpResponse": "250 2.0.0 OK espctl test",
                "reportingMTA": "a1-1.smtp-out.amazonses.com",
            }
        case Event.deferred:
            detail = {
                "timestamp": stamp,
                "delayType": "TransientCommunicationFailure",
                "delayedRecipients": [
                    {
                        "emailAddress": recipient,
                        "status": "4.4.1",
                        "diagnosticCode": "smtp; 421 4.4.1 espctl test",
                    }
                ],
            }
        case Event.bounced:
            detail = {
                "bounceType": "Permanent",
                "bounceSubType": "General",
                "bouncedRecipients": [
                    {
                        "emailAddress": recipient,
                        "action": "failed",
                        "status": "5.1.1",
                        "diagnosticCode": "smtp; 550 5.1.1 espctl test",
                    }
                ],
                "timestamp": stamp,
                "feedbackId": str(uuid.uuid4()),
            }
        case Event.complained:
            detail = {
                "complainedRecipients": [{"emailAddress": recipient}],
                "timestamp": stamp,
                "feedbackId": str(uuid.uuid4()),
                "complaintFeedbackType": "abuse",
            }
        case Event.opened:
            detail = {"timestamp": stamp, "ipAddress": "192.0.2.1", "userAgent": "espctl"}
        case Event.clicked:
            detail = {
                "timestamp": stamp,
                "ipAddress": "192.0.2.1",
                "userAgent": "espctl",
                "link": "https://example.com/espctl-test",
                "linkTags": {},
            }
        case Event.unsubscribed:
            detail = {
                "contactList": "espctl-test",
                "timestamp": stamp,
                "source": "UnsubscribeHeader",
                "newTopicPreferences": {"unsubscribeAll": True, "topicSubscriptionStatus": []},
                "oldTopicPreferences": {"unsubscribeAll": False, "topicSubscriptionStatus": []},
            }
        case Event.dropped:
            detail = {"reason": "Bad content"}
    body[name[0].lower() + name[1:]] = detail  # "send", "deliveryDelay", "bounce"...
    return body


def sample(
    event: Event,
    configuration_set: str,
    block: SesProvider,
    now: datetime,
    options: Frozen | None = None,
) -> WebhookSample:
    """An SNS Notification carrying ``event``, named by its ``eventType`` (``options``,
    the webhook's ``ses:`` block, changes nothing: SNS signs with AWS's key alone).

    Its ``Signature`` cannot be real (only SNS holds the key): a receiver that verifies
    SNS signatures refuses it, as it should."""
    body = ses_body(event, configuration_set, block, now)
    topic = f"arn:aws:sns:{block.region}:{TEST_ACCOUNT}:espctl-test"
    message_id = str(uuid.uuid4())
    envelope = {
        "Type": "Notification",
        "MessageId": message_id,
        "TopicArn": topic,
        "Subject": "Amazon SES Email Event Notification",
        "Message": json.dumps(body),
        "Timestamp": _stamp(now),
        "SignatureVersion": "2",
        "Signature": base64.b64encode(b"espctl test: not signed by SNS").decode(),
        "SigningCertURL": f"https://sns.{block.region}.amazonaws.com/espctl-test.pem",
        "UnsubscribeURL": f"https://sns.{block.region}.amazonaws.com/?Action=Unsubscribe",
    }
    headers = {
        "x-amz-sns-message-type": "Notification",
        "x-amz-sns-message-id": message_id,
        "x-amz-sns-topic-arn": topic,
    }
    return WebhookSample(str(body["eventType"]), envelope, headers)

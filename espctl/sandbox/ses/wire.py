"""AWS's wire shapes in the sandbox: errors and answers of the two protocols it speaks.

SES v2 speaks ``rest-json``: an error is its HTTP status, the header
``x-amzn-ErrorType: <Code>`` and ``{"message": ...}``; CloudWatch ``json`` (awsJson1_0):
``{"__type": <Code>, "message": ...}``. SNS and STS speak ``query``: a
form-encoded ``Action=...`` POST answered with ``<ActionResponse><ActionResult>...``
XML, an error being ``<ErrorResponse><Error><Type/><Code/><Message/></Error>``.
"""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Iterable
from typing import Literal
from xml.sax.saxutils import escape

from ..http import Answered, Response

Wire = Literal["rest-json", "query", "json"]

#: the XML namespace of each query-protocol service's answers
NAMESPACES = {
    "sns": "http://sns.amazonaws.com/doc/2010-03-31/",
    "sts": "https://sts.amazonaws.com/doc/2011-06-15/",
}


def request_id() -> str:
    return str(uuid.uuid4())


def json_answer(payload: object, status: int = 200) -> Response:
    body = json.dumps(payload, separators=(",", ":")).encode("utf-8")
    return Response(
        status,
        body,
        (("Content-Type", "application/json"), ("x-amzn-RequestId", request_id())),
    )


def json_error(status: int, code: str, message: str) -> Response:
    body = json.dumps({"message": message}).encode("utf-8")
    return Response(
        status,
        body,
        (
            ("Content-Type", "application/json"),
            ("x-amzn-ErrorType", code),
            ("x-amzn-RequestId", request_id()),
        ),
    )


def xml_answer(service: str, action: str, result: str | None) -> Response:
    """``<ActionResponse>`` with ``<ActionResult>`` (None: an action with no result)."""
    inner = f"<{action}Result>{result}</{action}Result>" if result is not None else ""
    body = (
        f'<{action}Response xmlns="{NAMESPACES[service]}">{inner}'
        f"<ResponseMetadata><RequestId>{request_id()}</RequestId></ResponseMetadata>"
        f"</{action}Response>"
    )
    return Response(200, body.encode("utf-8"), (("Content-Type", "text/xml"),))


def xml_error(status: int, code: str, message: str, *, sender: bool = True) -> Response:
    body = (
        '<ErrorResponse xmlns="http://sns.amazonaws.com/doc/2010-03-31/"><Error>'
        f"<Type>{'Sender' if sender else 'Receiver'}</Type><Code>{escape(code)}</Code>"
        f"<Message>{escape(message)}</Message></Error>"
        f"<RequestId>{request_id()}</RequestId></ErrorResponse>"
    )
    return Response(status, body.encode("utf-8"), (("Content-Type", "text/xml"),))


def error(wire: Wire, status: int, code: str, message: str) -> Response:
    """An AWS error in ``wire``'s shape."""
    if wire == "rest-json":
        return json_error(status, code, message)
    if wire == "json":
        body = json.dumps({"__type": code, "message": message}).encode("utf-8")
        return Response(
            status,
            body,
            (("Content-Type", "application/x-amz-json-1.0"), ("x-amzn-RequestId", request_id())),
        )
    return xml_error(status, code, message, sender=status < 500)


def error_code(response: Response) -> str:
    """The AWS error code of an XML error made by :func:`xml_error`."""
    found = re.search(rb"<Code>([^<]*)</Code>", response.body)
    return found[1].decode() if found else ""


def refuse(wire: Wire, status: int, code: str, message: str) -> Answered:
    """An :class:`Answered` to raise with an AWS error."""
    return Answered(error(wire, status, code, message))


def xml_fields(pairs: Iterable[tuple[str, object]]) -> str:
    """``<Key>value</Key>`` for each pair whose value is not None."""
    return "".join(f"<{k}>{escape(str(v))}</{k}>" for k, v in pairs if v is not None)

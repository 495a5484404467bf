"""CloudWatch ``GetMetricData`` on the ``AWS/SES`` namespace: the report's source when
Virtual Deliverability Manager is off.

The installed botocore speaks CloudWatch's ``json`` protocol (awsJson1_0: a POST to
``/`` with ``X-Amz-Target: GraniteServiceVersion20100801.GetMetricData``; its model
also lists ``smithy-rpc-v2-cbor``, which this botocore does not pick). Daily sums per
configuration set (dimension ``ses:configuration-set``, which SES publishes through a
CloudWatch event destination) or for the account (no dimension), from the seeded
traffic; like CloudWatch, a day on which SES published nothing has no data point, and
points come newest first (``ScanBy`` ``TimestampDescending``, the default).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from typing import Any

from ..http import Request, Response
from ..traffic import DayCounts, Traffic
from .wire import error

TARGET = "GraniteServiceVersion20100801."
#: AWS/SES metric -> how a day's traffic counts it (CloudWatch does not split bounces)
METRICS: dict[str, Callable[[DayCounts], int]] = {
    "Send": lambda c: c.sent,
    "Delivery": lambda c: c.delivered,
    "Bounce": lambda c: c.hard_bounced + c.soft_bounced,
    "Complaint": lambda c: c.complained,
    "Open": lambda c: c.opened,
    "Click": lambda c: c.clicked,
    "Reject": lambda c: 0,
    "DeliveryDelay": lambda c: c.deferred,
}
SET_DIMENSION = "ses:configuration-set"
MAX_QUERIES = 500


def _answer(payload: object) -> Response:
    body = json.dumps(payload, separators=(",", ":")).encode("utf-8")
    return Response(200, body, (("Content-Type", "application/x-amz-json-1.0"),))


def _invalid(message: str) -> Response:
    return error("json", 400, "ValidationError", message)


def handle(traffic: Traffic, request: Request) -> Response:
    """Answer one CloudWatch request (only ``GetMetricData`` is simulated)."""
    target = request.header("x-amz-target") or ""
    if target != f"{TARGET}GetMetricData":
        return error("json", 400, "UnknownOperationException", f"Unknown operation {target}")
    try:
        body = json.loads(request.body or b"{}")
    except ValueError:
        return error("json", 400, "SerializationException", "Malformed JSON body")
    queries = body.get("MetricDataQueries") if isinstance(body, dict) else None
    if not isinstance(queries, list) or not 1 <= len(queries) <= MAX_QUERIES:
        return _invalid(f"MetricDataQueries must hold 1 to {MAX_QUERIES} items.")
    if body.get("NextToken"):
        return error("json", 400, "InvalidNextToken", "The service couldn't find the token.")
    try:
        start = _day(body.get("StartTime"))
        end = _day(body.get("EndTime"))
    except ValueError as exc:
        return _invalid(str(exc))
    results = []
    for query in queries:
        found = _result(traffic, query, start, end)
        if isinstance(found, Response):
            return found
        results.append(found)
    return _answer({"MetricDataResults": results, "Messages": []})


def _day(value: object) -> date:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ValueError("StartTime and EndTime are required timestamps.")
    return datetime.fromtimestamp(float(value), UTC).date()


def _result(traffic: Traffic, query: Any, start: date, end: date) -> dict[str, Any] | Response:
    stat = query.get("MetricStat") if isinstance(query, dict) else None
    if not isinstance(stat, dict):
        return _invalid("Each query needs a MetricStat (expressions are not simulated).")
    metric = stat.get("Metric") or {}
    name = metric.get("MetricName")
    if stat.get("Period") != 86400 or stat.get("Stat") != "Sum":
        return _invalid("The sandbox serves daily sums only (Period 86400, Stat Sum).")
    dimensions = {d.get("Name"): d.get("Value") for d in metric.get("Dimensions") or ()}
    qid = str(query.get("Id"))
    out: dict[str, Any] = {"Id": qid, "Label": str(name), "Timestamps": [], "Values": []}
    out["StatusCode"] = "Complete"
    if metric.get("Namespace") != "AWS/SES" or name not in METRICS:
        return out  # CloudWatch answers a metric nobody publishes with no data
    if set(dimensions) - {SET_DIMENSION}:
        return out
    bucket = dimensions.get(SET_DIMENSION)
    days = traffic.daily(provider="ses", bucket=bucket, start=start, end=end - timedelta(days=1))
    count = METRICS[str(name)]
    for day in sorted(days, reverse=True):
        counts: DayCounts = days[day]
        value = count(counts)
        if value:
            out["Timestamps"].append(
                int(datetime(day.year, day.month, day.day, tzinfo=UTC).timestamp())
            )
            out["Values"].append(float(value))
    return out

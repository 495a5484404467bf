"""Virtual Deliverability Manager metrics: SES v2 ``BatchGetMetricData``.

Each query asks one ``VDM`` metric of one configuration set (dimension
``CONFIGURATION_SET``; none: the whole account) over ``[StartDate, EndDate)``; the answer
is one daily data point per day (UNCONFIRMED: AWS documents no period; a day is what the
console's charts show), from the seeded traffic whose bucket is the set's name. An
account without VDM answers every query with an ``ACCESS_DENIED`` entry in ``Errors``.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, date, datetime, timedelta
from typing import Any

from ..traffic import DayCounts, Traffic
from .state import SesAccount
from .wire import refuse

#: VDM metric -> the traffic counter it counts
METRICS = {
    "SEND": "sent",
    "DELIVERY": "delivered",
    "PERMANENT_BOUNCE": "hard_bounced",
    "TRANSIENT_BOUNCE": "soft_bounced",
    "COMPLAINT": "complained",
    "OPEN": "unique_opened",
    "CLICK": "unique_clicked",
    # the sesv2 model: deliveries of messages with open trackers / click trackers / to
    # ISPs with a feedback loop. Every seeded message is tracked and every seeded ISP has
    # one, so each is the day's deliveries (not the opens, clicks or complaints)
    "DELIVERY_OPEN": "delivered",
    "DELIVERY_CLICK": "delivered",
    "DELIVERY_COMPLAINT": "delivered",
}
MAX_QUERIES = 10


def _day(value: object, member: str) -> date:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise refuse("rest-json", 400, "BadRequestException", f"{member} must be a timestamp.")
    return datetime.fromtimestamp(float(value), UTC).date()


def _epoch(day: date) -> int:
    return int(datetime(day.year, day.month, day.day, tzinfo=UTC).timestamp())


def batch_get_metric_data(
    part: SesAccount, traffic: Traffic, body: Mapping[str, Any]
) -> dict[str, Any]:
    """The answer to one ``BatchGetMetricData`` body."""
    queries = body.get("Queries")
    if not isinstance(queries, list) or not 1 <= len(queries) <= MAX_QUERIES:
        raise refuse(
            "rest-json", 400, "BadRequestException", f"Queries must hold 1 to {MAX_QUERIES} items."
        )
    results: list[dict[str, Any]] = []
    errors: list[dict[str, Any]] = []
    for query in queries:
        if not isinstance(query, dict):
            raise refuse("rest-json", 400, "BadRequestException", "Invalid query.")
        qid = str(query.get("Id") or "")
        metric = query.get("Metric")
        if query.get("Namespace") != "VDM" or metric not in METRICS:
            raise refuse(
                "rest-json", 400, "BadRequestException", f"Invalid metric {metric} for query {qid}."
            )
        dimensions = query.get("Dimensions") or {}
        unknown = set(dimensions) - {"CONFIGURATION_SET"}
        if unknown:
            raise refuse(
                "rest-json",
                400,
                "BadRequestException",
                f"Unsupported dimensions {sorted(unknown)}.",
            )
        if not part.vdm_enabled:
            errors.append(
                {
                    "Id": qid,
                    "Code": "ACCESS_DENIED",
                    "Message": "Virtual Deliverability Manager is not enabled for this account.",
                }
            )
            continue
        start, end = (
            _day(query.get("StartDate"), "StartDate"),
            _day(query.get("EndDate"), "EndDate"),
        )
        bucket = dimensions.get("CONFIGURATION_SET")
        days = traffic.daily(
            provider="ses", bucket=bucket, start=start, end=end - timedelta(days=1)
        )
        counter = METRICS[str(metric)]
        stamps, values = [], []
        for day in sorted(days):
            counts: DayCounts = days[day]
            stamps.append(_epoch(day))
            values.append(int(getattr(counts, counter)))
        results.append({"Id": qid, "Timestamps": stamps, "Values": values})
    return {"Results": results, "Errors": errors}

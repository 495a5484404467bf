"""Amazon SES traffic for the report, per configuration set (the report's bucket).

Which source (README "Amazon SES"): when Virtual Deliverability Manager is enabled on
the account (``GetAccount`` ``VdmAttributes.VdmEnabled``), SESv2 ``BatchGetMetricData``
(namespace ``VDM``, dimension ``CONFIGURATION_SET``: SEND, DELIVERY, PERMANENT_BOUNCE,
TRANSIENT_BOUNCE, COMPLAINT, OPEN, CLICK; the sesv2 model documents OPEN and CLICK as
*unique* open and click events, so they are the report's unique counters). Otherwise
CloudWatch ``GetMetricData`` on the ``AWS/SES`` namespace (daily sums of Send, Delivery,
Bounce, Complaint, Reject, DeliveryDelay), which has numbers per configuration set only
where the set has a CloudWatch event destination with a dimension named
``ses:configuration-set`` taken from the message tag of that name; a set without one is a
failed unit that says so. CloudWatch does not split bounce types: its bounces are counted
as hard bounces. Its Open and Click metrics count every open and click event (one
recipient opening twice counts twice), and the report's counters are unique opens and
clicks: from CloudWatch they are declared unmeasured, not filled with totals.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, date, datetime, time
from typing import TYPE_CHECKING, Any

from espctl.errors import ProviderError
from espctl.model.traffic import COUNTERS, Counts, TrafficData, TrafficQuery
from espctl.providers.kit.traffic_units import Units
from espctl.providers.ses import live

if TYPE_CHECKING:
    from espctl.providers.ses.client import SesApi

#: VDM metric -> report counter (OPEN/CLICK: "Unique open/click events", sesv2 model)
VDM_METRICS = {
    "SEND": "sent",
    "DELIVERY": "delivered",
    "PERMANENT_BOUNCE": "hard_bounced",
    "TRANSIENT_BOUNCE": "soft_bounced",
    "COMPLAINT": "complained",
    "OPEN": "opened_unique",
    "CLICK": "clicked_unique",
}
#: CloudWatch AWS/SES metric -> report counter (not Open/Click: totals, module docstring)
CLOUDWATCH_METRICS = {
    "Send": "sent",
    "Delivery": "delivered",
    "Bounce": "hard_bounced",
    "Complaint": "complained",
    "Reject": "rejected",
    "DeliveryDelay": "deferred",
}
#: the CloudWatch dimension that carries the configuration set (a message tag SES adds)
SET_DIMENSION = "ses:configuration-set"
DAY = 86400


def _at(day: date) -> datetime:
    return datetime.combine(day, time(), tzinfo=UTC)


async def read_ses_traffic(api: SesApi, query: TrafficQuery) -> TrafficData:
    """Daily counts per configuration set from VDM or CloudWatch (module docstring)."""
    account = live.account_facts(await api.aws.call("sesv2", "GetAccount"))
    names = list(query.buckets) or await api.set_names()
    units = Units(api.id)
    buckets: dict[str, dict[date, Counts]] = {}
    if account["vdm"]:
        for name in names:
            found = await units.read(
                f"configuration set {name}", "VDM metrics", _vdm(api, name, query)
            )
            if found is not None:
                buckets[name] = found
        source = ("metrics", "SESv2 BatchGetMetricData (Virtual Deliverability Manager)")
        unmeasured: tuple[str, ...] = ("unsubscribed", "deferred", "rejected")
        notes: tuple[str, ...] = ()
    else:
        for name in names:
            found = await units.read(
                f"configuration set {name}", "CloudWatch metrics", _cloudwatch(api, name, query)
            )
            if found is not None:
                buckets[name] = found
        source = ("metrics", "CloudWatch GetMetricData, namespace AWS/SES")
        unmeasured = ("unsubscribed", "soft_bounced", "opened_unique", "clicked_unique")
        notes = (
            "CloudWatch does not split bounce types: every bounce counts as hard",
            "CloudWatch counts every open and click, not unique ones: no open or click "
            "rate without Virtual Deliverability Manager",
        )
    return TrafficData(
        buckets=buckets,
        sources=(source,),
        notes=notes,
        unmeasured=unmeasured,
        failures=tuple(units.failures),
        units=units.count,
    )


def _series(
    results: Sequence[Mapping[str, Any]], counters: Mapping[str, str], query: TrafficQuery
) -> dict[date, Counts]:
    """Result series (``Id`` = the counter) as daily counts over the query's days."""
    days: dict[date, dict[str, int]] = {}
    day = query.history_start
    while day < query.end:
        days[day] = dict.fromkeys(COUNTERS, 0)
        day = date.fromordinal(day.toordinal() + 1)
    for result in results:
        counter = counters.get(str(result.get("Id")))
        if counter is None:
            continue
        for stamp, value in zip(
            result.get("Timestamps") or (), result.get("Values") or (), strict=False
        ):
            when = stamp.astimezone(UTC).date() if isinstance(stamp, datetime) else None
            if when in days:
                days[when][counter] += int(value)
    return dict(days)


async def _vdm(api: SesApi, name: str, query: TrafficQuery) -> dict[date, Counts]:
    queries = [
        {
            "Id": metric.lower(),
            "Namespace": "VDM",
            "Metric": metric,
            "Dimensions": {"CONFIGURATION_SET": name},
            "StartDate": _at(query.history_start),
            "EndDate": _at(query.end),
        }
        for metric in VDM_METRICS
    ]
    answer = await api.aws.call("sesv2", "BatchGetMetricData", Queries=queries)
    errors = answer.get("Errors") or []
    if errors:
        first = errors[0]
        detail = f"{first.get('Code')}: {first.get('Message')}"
        raise ProviderError(api.id, "sesv2", "BatchGetMetricData", None, detail)
    by_id = {metric.lower(): counter for metric, counter in VDM_METRICS.items()}
    return _series(answer.get("Results") or [], by_id, query)


async def _dimension(api: SesApi, name: str) -> str | None:
    """The dimension name of the set's CloudWatch destination carrying the set's name."""
    answer = await api.aws.call(
        "sesv2", "GetConfigurationSetEventDestinations", ConfigurationSetName=name
    )
    for destination in answer.get("EventDestinations") or ():
        watch = destination.get("CloudWatchDestination") or {}
        for dimension in watch.get("DimensionConfigurations") or ():
            if (
                dimension.get("DimensionName") == SET_DIMENSION
                and dimension.get("DimensionValueSource") == "MESSAGE_TAG"
            ):
                return SET_DIMENSION
    return None


async def _cloudwatch(api: SesApi, name: str, query: TrafficQuery) -> dict[date, Counts]:
    dimension = await _dimension(api, name)
    if dimension is None:
        raise ProviderError(
            api.id,
            "cloudwatch",
            "GetMetricData",
            None,
            f"no CloudWatch event destination with dimension {SET_DIMENSION} (message tag) "
            "on this set: CloudWatch has no numbers per configuration set (enable VDM, or "
            "add such a destination)",
        )
    queries = [
        {
            "Id": metric.lower(),
            "MetricStat": {
                "Metric": {
                    "Namespace": "AWS/SES",
                    "MetricName": metric,
                    "Dimensions": [{"Name": dimension, "Value": name}],
                },
                "Period": DAY,
                "Stat": "Sum",
            },
        }
        for metric in CLOUDWATCH_METRICS
    ]
    results = await api.aws.pages(
        "cloudwatch",
        "GetMetricData",
        "MetricDataResults",
        MetricDataQueries=queries,
        StartTime=_at(query.history_start),
        EndTime=_at(query.end),
    )
    by_id = {metric.lower(): counter for metric, counter in CLOUDWATCH_METRICS.items()}
    return _series(results, by_id, query)

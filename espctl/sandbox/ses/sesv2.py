"""SES v2 (``rest-json``, signing name ``ses``): the operations espctl uses, to the
letter of the installed botocore's ``sesv2`` service model (paths, members, errors).

Account (``GetAccount``), identities (``ListEmailIdentities``, ``GetEmailIdentity``),
configuration sets (list, create, get, the five ``Put...Options``), their event
destinations (get, create, update, delete) and VDM metrics (``BatchGetMetricData``,
in :mod:`.metrics`); the destinations' handlers are in :mod:`.destinations`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..http import Request, Response, Router, answering
from . import destinations, metrics
from .context import SesCtx, bad, body_of, configuration_set, page
from .state import SesConfigurationSet
from .wire import json_answer, refuse

__all__ = ["ROUTES", "SesCtx", "router"]


# -- account and identities ------------------------------------------------------------
def get_account(ctx: SesCtx, request: Request, params: dict[str, str]) -> Response:
    p = ctx.part
    # ``Details`` only once a production access request was made (the console's form)
    details = (
        {
            "Details": {
                "MailType": "TRANSACTIONAL",
                "WebsiteURL": "https://acme-mail.com",
                "ContactLanguage": "EN",
                "ReviewDetails": {"Status": p.review_status, "CaseId": p.review_case or ""},
            }
        }
        if p.review_status is not None
        else {}
    )
    return json_answer(
        {
            **details,
            "DedicatedIpAutoWarmupEnabled": False,
            "EnforcementStatus": p.enforcement_status,
            "ProductionAccessEnabled": p.production_access,
            "SendQuota": {
                "Max24HourSend": p.max_24h_send,
                "MaxSendRate": p.max_send_rate,
                "SentLast24Hours": p.sent_last_24h,
            },
            "SendingEnabled": p.sending_enabled,
            "SuppressionAttributes": {"SuppressedReasons": list(p.suppressed_reasons)},
            "VdmAttributes": {
                "VdmEnabled": "ENABLED" if p.vdm_enabled else "DISABLED",
                "DashboardAttributes": {"EngagementMetrics": "ENABLED"},
                "GuardianAttributes": {"OptimizedSharedDelivery": "DISABLED"},
            },
        }
    )


def list_identities(ctx: SesCtx, request: Request, params: dict[str, str]) -> Response:
    found, token = page(request, ctx.part.identities)
    out: dict[str, Any] = {
        "EmailIdentities": [
            {
                "IdentityType": i.type,
                "IdentityName": i.name,
                "SendingEnabled": i.sending_enabled,
                "VerificationStatus": i.verification_status,
            }
            for i in found
        ]
    }
    if token:
        out["NextToken"] = token
    return json_answer(out)


def get_identity(ctx: SesCtx, request: Request, params: dict[str, str]) -> Response:
    name = params["identity"]
    i = ctx.part.identity(name)
    if i is None:
        raise refuse(
            "rest-json", 404, "NotFoundException", f"Email identity <{name}> does not exist."
        )
    out: dict[str, Any] = {
        "IdentityType": i.type,
        "FeedbackForwardingStatus": i.feedback_forwarding,
        "VerifiedForSendingStatus": i.verification_status == "SUCCESS",
        "VerificationStatus": i.verification_status,
        "Policies": {},
        "Tags": [],
    }
    if i.type == "DOMAIN":
        out["DkimAttributes"] = {
            "SigningEnabled": i.dkim_signing,
            "Status": i.dkim_status,
            "Tokens": list(i.dkim_tokens),
            "SigningAttributesOrigin": "AWS_SES",
            "NextSigningKeyLength": "RSA_2048_BIT",
            "CurrentSigningKeyLength": "RSA_2048_BIT",
        }
    if i.mail_from_domain:
        out["MailFromAttributes"] = {
            "MailFromDomain": i.mail_from_domain,
            "MailFromDomainStatus": i.mail_from_status or "PENDING",
            "BehaviorOnMxFailure": "USE_DEFAULT_VALUE",
        }
    if i.configuration_set:
        out["ConfigurationSetName"] = i.configuration_set
    return json_answer(out)


# -- configuration sets ----------------------------------------------------------------
def list_sets(ctx: SesCtx, request: Request, params: dict[str, str]) -> Response:
    found, token = page(request, [c.name for c in ctx.part.configuration_sets])
    out: dict[str, Any] = {"ConfigurationSets": found}
    if token:
        out["NextToken"] = token
    return json_answer(out)


def set_answer(c: SesConfigurationSet) -> dict[str, Any]:
    """``GetConfigurationSet``'s answer for ``c``."""
    tracking: dict[str, Any] = {}
    if c.custom_redirect_domain:
        tracking["CustomRedirectDomain"] = c.custom_redirect_domain
    if c.https_policy:
        tracking["HttpsPolicy"] = c.https_policy
    delivery: dict[str, Any] = {"TlsPolicy": c.tls_policy}
    if c.sending_pool:
        delivery["SendingPoolName"] = c.sending_pool
    if c.max_delivery_seconds:
        delivery["MaxDeliverySeconds"] = c.max_delivery_seconds
    out: dict[str, Any] = {
        "ConfigurationSetName": c.name,
        "DeliveryOptions": delivery,
        "ReputationOptions": {"ReputationMetricsEnabled": c.reputation_metrics},
        "SendingOptions": {"SendingEnabled": c.sending_enabled},
        "Tags": [{"Key": k, "Value": v} for k, v in c.tags],
    }
    if tracking:
        out["TrackingOptions"] = tracking
    if c.suppressed_reasons is not None:
        out["SuppressionOptions"] = {"SuppressedReasons": list(c.suppressed_reasons)}
    vdm: dict[str, Any] = {}
    if c.vdm_engagement:
        vdm["DashboardOptions"] = {"EngagementMetrics": c.vdm_engagement}
    if c.vdm_shared_delivery:
        vdm["GuardianOptions"] = {"OptimizedSharedDelivery": c.vdm_shared_delivery}
    if vdm:
        out["VdmOptions"] = vdm
    return out


def get_set(ctx: SesCtx, request: Request, params: dict[str, str]) -> Response:
    return json_answer(set_answer(configuration_set(ctx, params["name"])))


def _options(c: SesConfigurationSet, body: Mapping[str, Any]) -> None:
    """Apply the option members of a create or put body to ``c``."""
    tracking = body.get("TrackingOptions")
    if isinstance(tracking, dict):
        domain = tracking.get("CustomRedirectDomain")
        if not domain:
            raise bad("CustomRedirectDomain is required.")
        c.custom_redirect_domain = str(domain)
        policy = tracking.get("HttpsPolicy")
        if policy is not None:
            if policy not in ("REQUIRE", "REQUIRE_OPEN_ONLY", "OPTIONAL"):
                raise bad(f"Invalid HttpsPolicy: {policy}")
            c.https_policy = policy
    delivery = body.get("DeliveryOptions")
    if isinstance(delivery, dict):
        tls = delivery.get("TlsPolicy", "OPTIONAL")
        if tls not in ("REQUIRE", "OPTIONAL"):
            raise bad(f"Invalid TlsPolicy: {tls}")
        c.tls_policy = tls
        c.sending_pool = delivery.get("SendingPoolName")
        c.max_delivery_seconds = delivery.get("MaxDeliverySeconds")
    reputation = body.get("ReputationOptions")
    if isinstance(reputation, dict):
        c.reputation_metrics = bool(reputation.get("ReputationMetricsEnabled", False))
    sending = body.get("SendingOptions")
    if isinstance(sending, dict):
        c.sending_enabled = bool(sending.get("SendingEnabled", True))
    suppression = body.get("SuppressionOptions")
    if isinstance(suppression, dict):
        c.suppressed_reasons = _reasons(suppression.get("SuppressedReasons"))


def _reasons(value: object) -> list[Any]:
    reasons = list(value) if isinstance(value, list) else []
    if any(r not in ("BOUNCE", "COMPLAINT") for r in reasons):
        raise bad(f"Invalid SuppressedReasons: {reasons}")
    return sorted(set(reasons))


def create_set(ctx: SesCtx, request: Request, params: dict[str, str]) -> Response:
    body = body_of(request)
    name = body.get("ConfigurationSetName")
    if not isinstance(name, str) or not name:
        raise bad("ConfigurationSetName is required.")
    if ctx.part.configuration_set(name) is not None:
        raise refuse(
            "rest-json",
            400,
            "AlreadyExistsException",
            f"Configuration set <{name}> already exists.",
        )
    made = SesConfigurationSet(name=name)
    _options(made, body)
    made.tags = [(str(t.get("Key")), str(t.get("Value", ""))) for t in body.get("Tags") or ()]
    ctx.part.configuration_sets.append(made)
    return json_answer({})


def _put(member: str) -> Any:
    def handler(ctx: SesCtx, request: Request, params: dict[str, str]) -> Response:
        c = configuration_set(ctx, params["name"])
        body = body_of(request)
        if member == "SuppressionOptions" and "SuppressedReasons" not in body:
            raise bad("SuppressedReasons is required.")
        if member == "TrackingOptions":
            # a PUT replaces the tracking options; without a domain it clears it
            policy = body.get("HttpsPolicy")
            if policy not in (None, "REQUIRE", "REQUIRE_OPEN_ONLY", "OPTIONAL"):
                raise bad(f"Invalid HttpsPolicy: {policy}")
            c.custom_redirect_domain = body.get("CustomRedirectDomain") or None
            c.https_policy = policy
            return json_answer({})
        _options(c, {member: body})
        return json_answer({})

    return handler


def batch_metrics(ctx: SesCtx, request: Request, params: dict[str, str]) -> Response:
    return json_answer(metrics.batch_get_metric_data(ctx.part, ctx.traffic, body_of(request)))


SET = r"/v2/email/configuration-sets/(?P<name>[^/]+)"
ROUTES: tuple[tuple[str, str, str, Any], ...] = (
    # (operation, method, path pattern, handler); the operation names the model's
    ("GetAccount", "GET", r"/v2/email/account", get_account),
    ("ListEmailIdentities", "POST", r"/v2/email/list-identities", list_identities),
    ("GetEmailIdentity", "GET", r"/v2/email/identities/(?P<identity>[^/]+)", get_identity),
    ("ListConfigurationSets", "POST", r"/v2/email/list-configuration-sets", list_sets),
    ("CreateConfigurationSet", "POST", r"/v2/email/configuration-sets", create_set),
    ("GetConfigurationSet", "GET", SET, get_set),
    (
        "PutConfigurationSetTrackingOptions",
        "PUT",
        SET + "/tracking-options",
        _put("TrackingOptions"),
    ),
    (
        "PutConfigurationSetDeliveryOptions",
        "PUT",
        SET + "/delivery-options",
        _put("DeliveryOptions"),
    ),
    (
        "PutConfigurationSetReputationOptions",
        "PUT",
        SET + "/reputation-options",
        _put("ReputationOptions"),
    ),
    ("PutConfigurationSetSendingOptions", "PUT", SET + "/sending", _put("SendingOptions")),
    (
        "PutConfigurationSetSuppressionOptions",
        "PUT",
        SET + "/suppression-options",
        _put("SuppressionOptions"),
    ),
    (
        "GetConfigurationSetEventDestinations",
        "GET",
        SET + "/event-destinations",
        destinations.get_destinations,
    ),
    (
        "CreateConfigurationSetEventDestination",
        "POST",
        SET + "/event-destinations",
        destinations.create_destination,
    ),
    (
        "UpdateConfigurationSetEventDestination",
        "PUT",
        SET + "/event-destinations/(?P<destination>[^/]+)",
        destinations.update_destination,
    ),
    (
        "DeleteConfigurationSetEventDestination",
        "DELETE",
        SET + "/event-destinations/(?P<destination>[^/]+)",
        destinations.delete_destination,
    ),
    ("BatchGetMetricData", "POST", r"/v2/email/metrics/batch", batch_metrics),
)


def router() -> Router[SesCtx]:
    made: Router[SesCtx] = Router()
    for _, method, pattern, handler in ROUTES:
        made.add(method, pattern, answering(handler))
    return made

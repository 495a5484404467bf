"""Postmark wire helpers: the context handlers receive, errors, dates, JSON shapes."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone, tzinfo
from typing import Any

from ..http import Response
from ..state import AccountState
from ..traffic import Traffic
from .state import PmDomain, PmSender, PmServer, PmStream, PmWebhook, PostmarkAccount, postmark

try:
    from zoneinfo import ZoneInfo

    _EASTERN: tzinfo = ZoneInfo("America/New_York")
except Exception:  # pragma: no cover - systems without tzdata
    _EASTERN = timezone(timedelta(hours=-5))
#: US Eastern time, in which Postmark writes dates and reads date filters
EASTERN = _EASTERN


@dataclass
class PmContext:
    """What a Postmark handler sees: the account, its traffic, the server token."""

    state: AccountState
    traffic: Traffic
    server_token: str

    @property
    def account(self) -> PostmarkAccount:
        """The Postmark part of the account."""
        return postmark(self.state)


def pm_error(code: int, message: str, status: int = 422) -> Response:
    """Postmark's error envelope ``{"ErrorCode", "Message"}``."""
    return Response.json(status, {"ErrorCode": code, "Message": message})


def pm_ok(message: str) -> Response:
    """Success bodies of deletes reuse the error envelope with ErrorCode 0."""
    return Response.json(200, {"ErrorCode": 0, "Message": message})


def pm_date(moment: datetime) -> str:
    """ISO-8601 in US Eastern time with 7 fractional digits, as Postmark writes dates."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    local = moment.astimezone(_EASTERN)
    offset = local.strftime("%z")
    return (
        local.strftime("%Y-%m-%dT%H:%M:%S.")
        + f"{local.microsecond:06d}0"
        + (f"{offset[:3]}:{offset[3:]}")
    )


def server_json(server: PmServer, token: str) -> dict[str, Any]:
    return {
        "ID": server.id,
        "Name": server.name,
        "ApiTokens": [token],
        "Color": server.color,
        "SmtpApiActivated": server.smtp_api_activated,
        "RawEmailEnabled": server.raw_email_enabled,
        "DeliveryType": server.delivery_type,
        "ServerLink": f"https://account.postmarkapp.com/servers/{server.id}/streams",
        "InboundAddress": f"{server.inbound_hash}@inbound.postmarkapp.com",
        "InboundHookUrl": server.inbound_hook_url,
        "BounceHookUrl": server.bounce_hook_url,
        "OpenHookUrl": server.open_hook_url,
        "DeliveryHookUrl": server.delivery_hook_url,
        "PostFirstOpenOnly": server.post_first_open_only,
        "InboundDomain": server.inbound_domain,
        "InboundHash": server.inbound_hash,
        "InboundSpamThreshold": server.inbound_spam_threshold,
        "TrackOpens": server.track_opens,
        "TrackLinks": server.track_links,
        "IncludeBounceContentInHook": server.include_bounce_content_in_hook,
        "EnableSmtpApiErrorHooks": server.enable_smtp_api_error_hooks,
        "ClickHookUrl": server.click_hook_url,
    }


def stream_json(stream: PmStream, server_id: int) -> dict[str, Any]:
    purge = stream.archived_at + timedelta(days=45) if stream.archived_at else None
    return {
        "ID": stream.id,
        "ServerID": server_id,
        "Name": stream.name,
        "Description": stream.description,
        "MessageStreamType": stream.type,
        "CreatedAt": pm_date(stream.created_at),
        "UpdatedAt": pm_date(stream.updated_at) if stream.updated_at else None,
        "ArchivedAt": pm_date(stream.archived_at) if stream.archived_at else None,
        "ExpectedPurgeDate": pm_date(purge) if purge else None,
        "SubscriptionManagementConfiguration": {
            "UnsubscribeHandlingType": stream.unsubscribe_handling
        },
    }


def webhook_json(hook: PmWebhook) -> dict[str, Any]:
    t = hook.triggers
    return {
        "ID": hook.id,
        "Url": hook.url,
        "MessageStream": hook.message_stream,
        # UNCONFIRMED whether unset auth is {null,null} or absent today; we send
        # {null,null}, which clients must treat as "no auth" either way.
        "HttpAuth": {"Username": hook.auth_username, "Password": hook.auth_password},
        "HttpHeaders": [{"Name": h.name, "Value": h.value} for h in hook.headers],
        "Triggers": {
            "Open": {"Enabled": t.open, "PostFirstOpenOnly": t.open_post_first_open_only},
            "Click": {"Enabled": t.click},
            "Delivery": {"Enabled": t.delivery},
            "Bounce": {"Enabled": t.bounce, "IncludeContent": t.bounce_include_content},
            "SpamComplaint": {
                "Enabled": t.spam_complaint,
                "IncludeContent": t.spam_complaint_include_content,
            },
            "SubscriptionChange": {"Enabled": t.subscription_change},
        },
    }


def _domain_of(address: str) -> str:
    return address.rsplit("@", 1)[-1]


def sender_summary(sender: PmSender) -> dict[str, Any]:
    return {
        "Domain": _domain_of(sender.email),
        "EmailAddress": sender.email,
        "ReplyToEmailAddress": sender.reply_to,
        "Name": sender.name,
        "Confirmed": sender.confirmed,
        "ID": sender.id,
    }


def _dkim_fields(selector: str, key: str, domain: str, verified: bool) -> dict[str, Any]:
    host = f"{selector}._domainkey.{domain}"
    value = f"k=rsa;p={key}"
    # Before DNS verifies, the record sits in the Pending fields and the live ones are "".
    return {
        "DKIMVerified": verified,
        "WeakDKIM": False,
        "DKIMHost": host if verified else "",
        "DKIMTextValue": value if verified else "",
        "DKIMPendingHost": "" if verified else host,
        "DKIMPendingTextValue": "" if verified else value,
        "DKIMRevokedHost": "",
        "DKIMRevokedTextValue": "",
        "SafeToRemoveRevokedKeyFromDNS": False,
        "DKIMUpdateStatus": "Verified" if verified else "Pending",
    }


def sender_detail(sender: PmSender, domains: list[PmDomain]) -> dict[str, Any]:
    domain = _domain_of(sender.email)
    match = next((d for d in domains if d.name == domain), None)
    selector, key = (match.dkim_selector, match.dkim_key) if match else ("pm", "")
    return {
        **sender_summary(sender),
        "SPFVerified": sender.spf_verified,
        "SPFHost": domain,
        "SPFTextValue": "v=spf1 a mx include:spf.mtasv.net ~all",
        **_dkim_fields(selector, key, domain, sender.dkim_verified),
        "ReturnPathDomain": sender.return_path_domain,
        "ReturnPathDomainVerified": sender.return_path_verified,
        "ReturnPathDomainCNAMEValue": "pm.mtasv.net",
        "ConfirmationPersonalNote": "",
    }


def domain_summary(domain: PmDomain) -> dict[str, Any]:
    return {
        "Name": domain.name,
        "SPFVerified": domain.spf_verified,
        "DKIMVerified": domain.dkim_verified,
        "WeakDKIM": domain.weak_dkim,
        "ReturnPathDomainVerified": domain.return_path_verified,
        "ID": domain.id,
    }


def domain_detail(domain: PmDomain) -> dict[str, Any]:
    return {
        "ID": domain.id,
        "Name": domain.name,
        "SPFVerified": domain.spf_verified,
        "SPFHost": domain.name,
        "SPFTextValue": "v=spf1 a mx include:spf.mtasv.net ~all",
        **_dkim_fields(domain.dkim_selector, domain.dkim_key, domain.name, domain.dkim_verified),
        "ReturnPathDomain": domain.return_path_domain,
        "ReturnPathDomainVerified": domain.return_path_verified,
        "ReturnPathDomainCNAMEValue": "pm.mtasv.net",
    }

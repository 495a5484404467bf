"""Webhook URLs that carry basic auth as userinfo (Mailgun, SendGrid): the URL without
credentials that keys the resource, the credentials as fields, and the URL to send back.

Pure. Shared by the providers whose APIs hold a webhook's basic auth inside its URL
(``https://user:pass@host/path``), so that both split and join it the same way.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import quote, urlsplit, urlunsplit

from espctl.model.common import BasicAuth, EnvStr, Secret
from espctl.model.urls import split_userinfo, url_identity


@dataclass(frozen=True)
class UserinfoUrl:
    """One webhook URL (without userinfo) and the basic auth it carries.

    ``identity`` is the URL as shown and compared (credentials masked, see
    :func:`espctl.model.urls.url_identity`); None computes it from ``url``. A
    dataclass, not a model: ``url`` keeps its :class:`EnvStr` tag.
    """

    url: str
    basic_auth: BasicAuth | None = None
    identity: str | None = None

    @property
    def shown(self) -> str:
        if self.identity is not None:
            return self.identity
        return url_identity(self.url, self.url.substituted if isinstance(self.url, EnvStr) else ())


def from_live(url: str, aliases: Mapping[str, str] | None = None) -> UserinfoUrl:
    """A live webhook URL with its userinfo moved into basic auth (kept as a Secret).

    ``aliases`` maps real URLs of the config to their identity (environment values
    masked), so that a live URL equal to one gets the same identity.
    """
    split = split_userinfo(url)
    identity = (aliases or {}).get(split.url)
    if not split.username:
        return UserinfoUrl(url=split.url, identity=identity)
    return UserinfoUrl(
        url=split.url,
        basic_auth=BasicAuth(username=split.username, password=Secret(split.password or "")),
        identity=identity,
    )


def join_userinfo(url: str, username: str | None, password: Secret | None) -> str:
    """The URL the provider must call: basic-auth credentials as percent-encoded userinfo."""
    if not username:
        return url
    parts = urlsplit(url)
    secret = password.reveal() if password is not None else ""
    netloc = f"{quote(username, safe='')}:{quote(secret, safe='')}@{parts.netloc}"
    return urlunsplit((parts.scheme, netloc, parts.path, parts.query, parts.fragment))

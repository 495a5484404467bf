"""The desired state: what the config declares, as resources per provider.

Every value the loader took from the environment (an :class:`EnvStr`) becomes a
:class:`~espctl.model.common.Secret` in the resources' fields, so the plan never shows
it, and a webhook URL's environment parts are masked in its key.
"""

from __future__ import annotations

from dataclasses import replace
from typing import assert_never

from espctl.config.models import Config
from espctl.model import mailgun as mg
from espctl.model import postmark as pm
from espctl.model.common import split_target
from espctl.model.mailgun import MailgunProvider, MailgunWebhookUrl
from espctl.model.postmark import PostmarkProvider, PostmarkWebhookOptions
from espctl.model.resources import Resource, seal


def desired_state(config: Config) -> dict[str, list[Resource]]:
    """Resources per provider id, webhooks expanded per target (Mailgun: per domain and URL,
    or per URL at account level for a target that is a provider id alone)."""
    postmark_hooks: dict[str, list[pm.WebhookBinding]] = {}
    mailgun_hooks: dict[str, list[mg.WebhookBinding]] = {}
    for spec in config.webhooks.values():
        for target in spec.targets:
            pid, sub = split_target(target)
            block = config.providers[pid]
            match block:
                case PostmarkProvider():
                    postmark_hooks.setdefault(pid, []).append(
                        pm.WebhookBinding(
                            stream=sub,
                            url=spec.url,
                            events=tuple(spec.events),
                            basic_auth=spec.basic_auth,
                            headers=tuple(sorted(spec.headers.items())),
                            options=spec.postmark or PostmarkWebhookOptions(),
                        )
                    )
                case MailgunProvider():
                    # a bare provider id (no domain) is the account-level webhooks
                    url = MailgunWebhookUrl(url=spec.url, basic_auth=spec.basic_auth)
                    mailgun_hooks.setdefault(pid, []).extend(
                        mg.WebhookBinding(sub or None, event, url) for event in spec.events
                    )
                case _:
                    assert_never(block)
    out: dict[str, list[Resource]] = {}
    for pid, block in config.providers.items():
        match block:
            case PostmarkProvider():
                found = pm.desired_resources(pid, block, postmark_hooks.get(pid, []))
            case MailgunProvider():
                found = mg.desired_resources(pid, block, mailgun_hooks.get(pid, []))
            case _:
                assert_never(block)
        out[pid] = [_sealed(r) for r in found]
    return out


def _sealed(resource: Resource) -> Resource:
    return replace(resource, fields={name: seal(v) for name, v in resource.fields.items()})

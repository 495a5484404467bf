"""The desired state: what the config declares, as resources per provider.

Each webhook entry becomes one :class:`~espctl.providers.kit.spec.WebhookBinding` per
target, handed with the provider's block to its spec's ``desired`` (which expands it
into that provider's resources). Every value the loader took from the environment (an
:class:`EnvStr`) becomes a :class:`~espctl.model.common.Secret` in the resources'
fields, so the plan never shows it, and a webhook URL's environment parts are masked in
its key.
"""

from __future__ import annotations

from dataclasses import replace

from espctl.config.models import Config
from espctl.model.common import split_target
from espctl.model.resources import Resource, seal
from espctl.providers import registry
from espctl.providers.kit.spec import WebhookBinding


def desired_state(config: Config) -> dict[str, list[Resource]]:
    """Resources per provider id, webhooks expanded per target (a target that is a provider
    id alone binds with an empty ``sub``: the provider's account level)."""
    bindings: dict[str, list[WebhookBinding]] = {}
    for name, hook in config.webhooks.items():
        for target in hook.targets:
            pid, sub = split_target(target)
            ptype = config.providers[pid].type
            bindings.setdefault(pid, []).append(
                WebhookBinding(
                    name=name,
                    sub=sub,
                    url=hook.url,
                    events=tuple(hook.events),
                    basic_auth=hook.basic_auth,
                    headers=tuple(sorted(hook.headers.items())),
                    options=hook.options(ptype),
                )
            )
    out: dict[str, list[Resource]] = {}
    for pid, block in config.providers.items():
        found = registry.spec(block.type).desired(pid, block, bindings.get(pid, []))
        out[pid] = [_sealed(r) for r in found]
    return out


def _sealed(resource: Resource) -> Resource:
    return replace(resource, fields={name: seal(v) for name, v in resource.fields.items()})

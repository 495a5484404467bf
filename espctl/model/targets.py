"""What a command is pointed at: ``--provider ID`` and ``--target ID/KEY`` (pure).

Like Terraform's ``-target``, a targeted plan reads and changes only part of the
config: every resource of each ``--provider``, and for each ``--target ID/KEY`` the
resource of provider ``ID`` whose key is ``KEY`` with everything under it (a Postmark
stream and its webhooks, a Mailgun domain with its tracking and webhooks, Postmark's
``server``). With neither option, everything is targeted. A saved plan records its
targets and ``apply`` keeps to them.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from espctl.errors import TargetError
from espctl.model.common import split_target
from espctl.model.resources import Check, Resource

#: what a ``--target`` value is, for its refusal (no provider type named: any may come)
TARGET_SHAPE = (
    "PROVIDER_ID/KEY: a provider id of the config, then the key of one of its resources "
    "as a plan shows it (a stream, a domain, server)"
)


def target_pair(text: str) -> tuple[str, str]:
    """``ID/KEY`` as ``(ID, KEY)``; anything else is a :class:`TargetError`."""
    pid, key = split_target(text)
    if not pid or not key:
        raise TargetError(f"{text!r} is not {TARGET_SHAPE}")
    return pid, key


@dataclass(frozen=True)
class Targets:
    """The providers targeted whole, and single resources (``(provider, key)``)."""

    providers: tuple[str, ...] = ()
    resources: tuple[tuple[str, str], ...] = ()

    @classmethod
    def parse(cls, providers: Iterable[str] = (), targets: Iterable[str] = ()) -> Targets:
        """From the options' values (order kept, repeats dropped); a ``--target`` that is
        not ``ID/KEY`` is refused (:func:`target_pair`)."""
        pairs = [target_pair(text) for text in targets]
        return cls(tuple(dict.fromkeys(providers)), tuple(dict.fromkeys(pairs)))

    @classmethod
    def from_json(cls, payload: object) -> Targets:
        """From a saved plan's ``targets`` (absent or empty: everything)."""
        if not isinstance(payload, Mapping):
            return cls()
        providers = payload.get("providers") or []
        resources = payload.get("resources") or []
        return cls(
            tuple(str(p) for p in providers if isinstance(p, str)),
            tuple(
                (str(r["provider"]), str(r["key"]))
                for r in resources
                if isinstance(r, Mapping) and "provider" in r and "key" in r
            ),
        )

    def as_json(self) -> dict[str, object]:
        return {
            "providers": list(self.providers),
            "resources": [{"provider": p, "key": k} for p, k in self.resources],
        }

    @property
    def everything(self) -> bool:
        return not self.providers and not self.resources

    def provider_ids(self, declared: Iterable[str]) -> list[str]:
        """The providers a command reads, in the config's order."""
        if self.everything:
            return list(declared)
        wanted = set(self.providers) | {pid for pid, _ in self.resources}
        return [pid for pid in declared if pid in wanted]

    def names(self, pid: str, key: str) -> bool:
        """Whether ``key`` of provider ``pid`` (a stream, a domain, a webhook target's
        ``sub``) is targeted: everything, its provider whole, or that key itself."""
        return self.everything or pid in self.providers or (pid, key) in self.resources

    def covers(self, resource: Resource) -> bool:
        """Whether ``resource`` is targeted: its provider whole, or it (or its parent)
        named. A webhook's key starts with its stream's or domain's key."""
        if self.everything or resource.provider in self.providers:
            return True
        return any(
            pid == resource.provider
            and (key in (resource.key, resource.parent) or resource.key.startswith(key + " "))
            for pid, key in self.resources
        )

    def covers_check(self, check: Check) -> bool:
        """A check about a targeted provider, and for a single resource one whose
        subject names it (``mg.example.com``, ``mailgun/mg.example.com``)."""
        if self.everything or check.provider in self.providers:
            return True
        return any(
            pid == check.provider
            and (
                check.subject in (key, f"{pid}/{key}")
                or check.subject.startswith(key + " ")
                or key in check.blocks
            )
            for pid, key in self.resources
        )

    def unknown(
        self, declared: Sequence[str], desired: Mapping[str, Sequence[Resource]]
    ) -> list[str]:
        """What the options name that the config does not declare, one sentence each."""
        problems = []
        known = ", ".join(declared)
        for pid in [*self.providers, *(p for p, _ in self.resources)]:
            if pid not in declared:
                problems.append(f"no provider {pid!r} in the config (its providers: {known})")
        for pid, key in self.resources:
            if pid not in declared:
                continue
            keys = sorted({r.parent or r.key for r in desired.get(pid, ())})
            if not any(self.covers_one(pid, key, r) for r in desired.get(pid, ())):
                problems.append(
                    f"--target {pid}/{key}: the config declares nothing with that key at {pid} "
                    f"(it declares: {', '.join(keys) or 'nothing'})"
                )
        return list(dict.fromkeys(problems))

    @staticmethod
    def covers_one(pid: str, key: str, resource: Resource) -> bool:
        return Targets((), ((pid, key),)).covers(resource)

    def describe(self) -> str:
        """As options: ``--provider ID --target ID/KEY``."""
        words = [f"--provider {p}" for p in self.providers]
        words += [f"--target {p}/{k}" for p, k in self.resources]
        return " ".join(words)

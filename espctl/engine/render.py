"""Renderings of one plan: text (Terraform-like) and Markdown (a pull-request comment).

JSON is :meth:`Plan.as_json`. Every rendering shows changes, unmanaged resources and
failed checks; none shows a secret (values are redacted in the plan model already).
Provider-sourced text is inert in both: the text plan is a list of lines that the CLI
escapes and colours one by one (:func:`espctl.model.text.paint`); in Markdown every such
string is a code span or sits inside a fenced block (see :mod:`espctl.engine.markdown`).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from espctl.engine.mdsafe import code, fence_for, fenced_lines
from espctl.engine.plan import BlockedChange, Change, FieldDiff, Plan, Unmanaged
from espctl.engine.redaction import SENSITIVE, SENSITIVE_CHANGED
from espctl.model.resources import Check
from espctl.model.text import paint, plural
from espctl.providers.registry import resource_kind

#: one line of the text plan and its SGR colour (None: uncoloured)
StyledLine = tuple[str, str | None]

MARKDOWN_LIMIT = 65_000
_SYMBOL = {"create": "+", "update": "~", "delete": "-"}
_COLOUR = {"create": "32", "update": "33", "delete": "31"}
_UNMANAGED_NOTE = {
    "listed": "not in config (policy.unmanaged: warn; set prune to delete)",
    "delete": "not in config: will be deleted (policy.unmanaged: prune)",
    "protected": "not in config, protected by policy.protect: kept",
    "kept": "not in config; espctl never deletes this kind: kept",
}
#: a check's status as a fixed-width mark for the text plan, and its colour
CHECK_MARK = {"ok": "ok   ", "warning": "warn ", "error": "error"}
_CHECK_COLOUR = {"ok": None, "warning": "33", "error": "31"}
BLOCKED_SYMBOL = "!"


def unmanaged_note(u: Unmanaged) -> str:
    """What happens to an unmanaged resource, in words (espctl's own, never a provider's)."""
    if u.reason is not None:
        return f"not in config; {u.reason}: kept"
    return _UNMANAGED_NOTE[u.action]


def check_label(check: Check) -> str:
    """``provider name subject``: how a blocked change names its check."""
    return f"{check.provider} {check.name} {check.subject}"


def _value(value: Any, kind: str = "", name: str = "") -> str:
    """A field's value as shown: as its kind labels it (a provider's event ids with their
    normalized names first, ``bounced (permanent_fail)``); the JSON keeps the value."""
    if value == SENSITIVE:
        return SENSITIVE
    found = resource_kind(kind) if kind else None
    label = found.labels.get(name) if found is not None else None
    shown = label(value) if label is not None else value
    return json.dumps(shown, ensure_ascii=False, sort_keys=True)


def _delete_note(kind: str) -> list[str]:
    """What a delete of ``kind`` really does, when it is not a delete (an archive)."""
    found = resource_kind(kind)
    return [f"      ({found.delete_note})"] if found is not None and found.delete_note else []


def _label(provider: str, kind: str, key: str) -> str:
    return f"{provider} {kind} {key}"


def _shown_fields(change: Change) -> tuple[FieldDiff, ...]:
    """The fields a rendering lists: on create, those with a value (null says nothing)."""
    if change.action == "create":
        return tuple(f for f in change.fields if f.after is not None)
    return change.fields


def change_lines(change: Change, symbol: str | None = None) -> list[str]:
    """The lines of one change for the text plan: a header and aligned field diffs (not
    escaped). ``symbol`` replaces the action's (``+``, ``~``, ``-``), e.g. ``!`` for a
    blocked one."""
    symbol = symbol or _SYMBOL[change.action]
    lines = [f"  {symbol} {_label(change.provider, change.kind, change.key)}"]
    fields = _shown_fields(change)
    width = max((len(f.name) for f in fields), default=0)
    for f in fields:
        name = f"{f.name}:".ljust(width + 1)
        if f.sensitive:
            body = SENSITIVE_CHANGED
        elif change.action == "create":
            body = _value(f.after, change.kind, f.name)
        else:
            before, after = (_value(v, change.kind, f.name) for v in (f.before, f.after))
            body = f"{before} -> {after}"
        lines.append(f"      {name} {body}")
    if change.action == "delete":
        lines.extend(_delete_note(change.kind))
    return lines


def diff_lines(change: Change) -> list[str]:
    """The lines of one change for a Markdown ```` ```diff ```` block (not escaped).

    Unindented, so that GitHub colours them: ``+`` what is created, ``-`` what is
    deleted, ``!`` the header of an update, whose fields show the live value as ``-``
    and the config's as ``+`` (a sensitive one as ``!``, without either value).
    """
    head = {"create": "+", "update": "!", "delete": "-"}[change.action]
    lines = [f"{head} {_label(change.provider, change.kind, change.key)}"]
    fields = _shown_fields(change)
    width = max((len(f.name) for f in fields), default=0)
    for f in fields:
        name = f"{f.name}:".ljust(width + 1)
        if f.sensitive:
            lines.append(f"!     {name} {SENSITIVE_CHANGED}")
        elif change.action == "create":
            lines.append(f"+     {name} {_value(f.after, change.kind, f.name)}")
        else:
            lines.append(f"-     {name} {_value(f.before, change.kind, f.name)}")
            lines.append(f"+     {name} {_value(f.after, change.kind, f.name)}")
    if change.action == "delete":
        lines.extend(_delete_note(change.kind))
    return lines


def blocked_lines(blocked: BlockedChange) -> list[str]:
    """A blocked change: its lines with ``!`` and the checks that block it (not escaped)."""
    lines = change_lines(blocked.change, BLOCKED_SYMBOL)
    lines.extend(f"      blocked by: {check_label(c)}" for c in blocked.blocked_by)
    return lines


def summary_line(plan: Plan) -> str:
    s = plan.summary
    text = (
        f"Plan: {s['create']} to create, {s['update']} to update, {s['delete']} to delete, "
        f"{s['unchanged']} unchanged."
    )
    if not plan.has_changes:
        matches = "matches" if s["unchanged"] == 1 else "match"
        text = f"No changes. {plural(s['unchanged'], 'managed resource')} {matches} the config."
    if s["blocked"]:
        text += f" {s['blocked']} blocked by failed checks (not applied)."
    return text


def targeted_note(plan: Plan) -> str | None:
    """What a targeted plan leaves out (Terraform says the same of ``-target``), or None."""
    if plan.targets.everything:
        return None
    return (
        f"Targeted ({plan.targets.describe()}): only that part of the config was read and "
        "compared; plan without targets to see everything"
    )


def convergence_reason(plan: Plan) -> str | None:
    """Why the config cannot converge, or None when it can (espctl's words only)."""
    n = len(plan.errors)
    if not n:
        return None
    return (
        f"{plural(n, 'check')} failed with severity error (fix the config or the account, "
        "then plan again)"
    )


def strict_reason(plan: Plan) -> str | None:
    """Why ``--strict`` fails this plan (any failed check, warnings too), or None."""
    failed = plan.errors + plan.warnings
    if not failed:
        return None
    names = ", ".join(f"{c.provider} {c.name} {c.subject}" for c in failed)
    return (
        f"--strict: {plural(len(failed), 'check')} failed "
        f"({plural(len(plan.errors), 'error')}, {plural(len(plan.warnings), 'warning')}): {names}"
    )


def text_lines(plan: Plan) -> list[StyledLine]:
    """The plan for a terminal as (line, colour) pairs: changes, unmanaged resources,
    checks, summary. Lines are not escaped yet: print them with ``echo_styled`` (CLI) or
    join them with :func:`render_text`."""
    out: list[StyledLine] = []
    if plan.changes:
        out += [("espctl will make these changes:", None), ("", None)]
        for change in plan.changes:
            head, *fields = change_lines(change)
            out.append((head, _COLOUR[change.action]))
            out.extend((line, None) for line in fields)
        out.append(("", None))
    if plan.blocked_changes:
        out += [("Blocked by failed checks (the config cannot converge; not applied):", None)]
        out.append(("", None))
        for blocked in plan.blocked_changes:
            head, *rest = blocked_lines(blocked)
            out.append((head, "31"))
            out.extend((line, None) for line in rest)
        out.append(("", None))
    listed = [u for u in plan.unmanaged if u.action != "delete"]
    if listed:
        out.append(("Unmanaged (live, not in the config):", None))
        for u in listed:
            r = u.resource
            label = _label(r.provider, r.kind, r.key)
            out.append((f"  ? {label}: {unmanaged_note(u)}", None))
        out.append(("", None))
    if plan.checks:
        out.append(("Checks:", None))
        for check in plan.checks:
            line = f"  [{CHECK_MARK[check.status]}] {check.provider} {check.name}: {check.message}"
            out.append((line, _CHECK_COLOUR[check.status]))
        out.append(("", None))
    out.append((summary_line(plan), None))
    targeted = targeted_note(plan)
    if targeted:
        out.append((f"{targeted}.", "33"))
    reason = convergence_reason(plan)
    if reason:
        out.append((f"The config cannot converge: {reason}.", "31;1"))
    if plan.blocked:
        out.append((f"BLOCKED: {plan.blocked_reason}", "31;1"))
    return out


def render_text(plan: Plan, colour: bool = False) -> str:
    """:func:`text_lines` as one string, each line escaped (and coloured if ``colour``)."""
    return "".join(paint(line, style, colour) + "\n" for line, style in text_lines(plan))


@dataclass
class _Section:
    """A Markdown block whose items can be cut short to fit a size budget."""

    opening: list[str]
    items: list[list[str]]
    closing: list[str]
    more: str  # e.g. "{n} more changes": the line said when items are cut

    def render(self, budget: int) -> tuple[str, int]:
        """The block within ``budget`` characters, and how many items it left out."""
        used = len("\n".join(self.opening + self.closing)) + len(self.more) + 40
        body: list[str] = []
        shown = 0
        for item in self.items:
            size = len("\n".join(item)) + 1
            if used + size > budget:
                break
            body.extend(item)
            used += size
            shown += 1
        omitted = len(self.items) - shown
        if not shown:
            return "", omitted
        if omitted:
            body.append(self.more.format(n=omitted))
        return "\n".join(self.opening + body + self.closing) + "\n", omitted


def render_markdown(plan: Plan, limit: int = MARKDOWN_LIMIT) -> str:
    """A pull-request comment: a summary first, details folded, never over ``limit``.

    When everything does not fit, each block keeps as many items as it can and says how
    many it left out; the saved plan and ``espctl plan`` have them all.
    """
    s = plan.summary
    head = [
        "### espctl plan",
        "",
        "| create | update | delete | unchanged | blocked | unmanaged | errors | warnings |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|",
        f"| {s['create']} | {s['update']} | {s['delete']} | {s['unchanged']} | "
        f"{s['blocked']} | {len(plan.unmanaged)} | {len(plan.errors)} | {len(plan.warnings)} |",
        "",
    ]
    if plan.blocked:
        head += [f"> **Blocked:** {plan.blocked_reason}", ""]  # espctl's words only
    if not plan.targets.everything:
        head += [
            f"> **Targeted:** {code(plan.targets.describe())}: only that part of the config "
            "was read and compared.",
            "",
        ]
    reason = convergence_reason(plan)
    if reason:
        head += [f"> **Cannot converge:** {reason}.", ""]
    if not plan.has_changes:
        head += ["No changes: the providers match the config.", ""]
        if plan.blocked_changes:
            head[-2] = "No changes can be applied: every change the config asks for is blocked."
    tail = [f"<sub>fingerprint `{plan.fingerprint[:16]}`</sub>", ""]
    sections: list[_Section] = []
    failed = [*plan.errors, *plan.warnings]  # errors first
    if failed:
        sections.append(
            _Section(
                [],
                [
                    [
                        f"- {':x: **error**' if c.status == 'error' else ':warning: warning'} "
                        f"**{c.provider}** {c.name}: {code(c.message)}"
                    ]
                    for c in failed
                ],
                [""],
                "- … {n} more failed checks",
            )
        )
    if plan.blocked_changes:
        # like the changes: provider-sourced keys and check subjects inside a fenced block
        items = [fenced_lines(blocked_lines(b)) for b in plan.blocked_changes]
        fence = fence_for([line for item in items for line in item])
        n = len(plan.blocked_changes)
        sections.append(
            _Section(
                [
                    f"**Blocked by failed checks** ({plural(n, 'change')}, not applied):",
                    "",
                    fence,
                ],
                items,
                [fence, ""],
                "  … {n} more blocked changes not shown",
            )
        )
    for provider in sorted({c.provider for c in plan.changes}):
        changes = [c for c in plan.changes if c.provider == provider]

        # provider-sourced keys and values sit inside the block, one escaped line each,
        # under a fence longer than any backtick run in them
        items = [fenced_lines(diff_lines(c)) for c in changes]
        fence = fence_for([line for item in items for line in item])
        sections.append(
            _Section(
                [
                    f"<details><summary><b>{provider}</b>: {plural(len(changes), 'change')}"
                    "</summary>",
                    "",
                    f"{fence}diff",
                ],
                items,
                [fence, "</details>", ""],
                "  … {n} more changes not shown",
            )
        )
    if plan.unmanaged:
        # a list, not a table: a key in a table cell could split it at a pipe
        sections.append(
            _Section(
                [
                    f"<details><summary>Unmanaged resources ({len(plan.unmanaged)})</summary>",
                    "",
                ],
                [
                    [
                        f"- **{u.resource.provider}** {u.resource.kind} "
                        f"{code(u.resource.key)}: "
                        f"{unmanaged_note(u)}"  # espctl's words, not the provider's
                    ]
                    for u in plan.unmanaged
                ],
                ["", "</details>", ""],
                "- … {n} more",
            )
        )
    text = "\n".join(head) + "\n"  # head ends with a blank line
    notice = (
        "\n> **Truncated** to stay under {limit:,} characters: {items} not shown; run "
        "`espctl plan` or download the saved plan for everything.\n\n"
    )
    budget = limit - len("\n".join(tail)) - len(notice) - 20
    omitted = 0
    for section in sections:
        chunk, cut = section.render(budget - len(text))
        omitted += cut
        text += chunk
    if omitted:
        shown = plural(omitted, "item is", "items are")
        text += notice.format(limit=limit, items=shown)
    return text + "\n".join(tail)

"""Renderings of one plan: text (Terraform-like) and Markdown (a pull-request comment).

JSON is :meth:`Plan.as_json`. Every rendering shows changes, unmanaged resources and
failed checks; none shows a secret (values are redacted in the plan model already).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from espctl.engine.plan import SENSITIVE, SENSITIVE_CHANGED, Change, Plan

MARKDOWN_LIMIT = 65_000
_SYMBOL = {"create": "+", "update": "~", "delete": "-"}
_COLOUR = {"create": "32", "update": "33", "delete": "31"}
_UNMANAGED_NOTE = {
    "listed": "not in config (policy.unmanaged: warn; set prune to delete)",
    "delete": "not in config: will be deleted (policy.unmanaged: prune)",
    "protected": "not in config, protected by policy.protect: kept",
    "kept": "not in config; espctl never deletes this kind: kept",
}


def _value(value: Any) -> str:
    if value == SENSITIVE:
        return SENSITIVE
    return json.dumps(value, ensure_ascii=False, sort_keys=True)


def _paint(text: str, code: str, colour: bool) -> str:
    return f"\x1b[{code}m{text}\x1b[0m" if colour else text


def _label(change: Change) -> str:
    return f"{change.provider} {change.kind} {change.key}"


def change_lines(change: Change, colour: bool = False) -> list[str]:
    """The lines of one change: a header and aligned field diffs."""
    symbol = _SYMBOL[change.action]
    head = _paint(f"  {symbol} {_label(change)}", _COLOUR[change.action], colour)
    lines = [head]
    width = max((len(f.name) for f in change.fields), default=0)
    for f in change.fields:
        name = f"{f.name}:".ljust(width + 1)
        if f.sensitive:
            body = SENSITIVE_CHANGED
        elif change.action == "create":
            body = _value(f.after)
        else:
            body = f"{_value(f.before)} -> {_value(f.after)}"
        lines.append(f"      {name} {body}")
    if change.action == "delete" and change.kind.endswith("message_stream"):
        lines.append("      (archived: Postmark purges archived streams after 45 days)")
    return lines


def summary_line(plan: Plan) -> str:
    s = plan.summary
    text = (
        f"Plan: {s['create']} to create, {s['update']} to update, {s['delete']} to delete, "
        f"{s['unchanged']} unchanged."
    )
    if not plan.has_changes:
        text = f"No changes. {s['unchanged']} managed resources match the config."
    return text


def render_text(plan: Plan, colour: bool = False) -> str:
    """The plan for a terminal: changes, unmanaged resources, checks, summary."""
    out: list[str] = []
    if plan.changes:
        out.append("espctl will make these changes:")
        out.append("")
        for change in plan.changes:
            out.extend(change_lines(change, colour))
        out.append("")
    listed = [u for u in plan.unmanaged if u.action != "delete"]
    if listed:
        out.append("Unmanaged (live, not in the config):")
        for u in listed:
            r = u.resource
            out.append(f"  ? {r.provider} {r.kind} {r.key}: {_UNMANAGED_NOTE[u.action]}")
        out.append("")
    if plan.checks:
        out.append("Checks:")
        for check in plan.checks:
            mark = "ok  " if check.ok else "FAIL"
            line = f"  [{mark}] {check.provider} {check.name}: {check.message}"
            out.append(_paint(line, "31", colour) if not check.ok and colour else line)
        out.append("")
    out.append(summary_line(plan))
    if plan.blocked:
        out.append(_paint(f"BLOCKED: {plan.blocked_reason}", "31;1", colour))
    return "\n".join(out) + "\n"


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
        "| create | update | delete | unchanged | unmanaged | failed checks |",
        "|---:|---:|---:|---:|---:|---:|",
        f"| {s['create']} | {s['update']} | {s['delete']} | {s['unchanged']} | "
        f"{len(plan.unmanaged)} | {len(plan.failed_checks)} |",
        "",
    ]
    if plan.blocked:
        head += [f"> **Blocked:** {plan.blocked_reason}", ""]
    if not plan.has_changes:
        head += ["No changes: the providers match the config.", ""]
    tail = [f"<sub>fingerprint `{plan.fingerprint[:16]}`</sub>", ""]
    sections: list[_Section] = []
    if plan.failed_checks:
        sections.append(
            _Section(
                [],
                [
                    [f"- :x: **{c.provider}** {c.name}: {_md(c.message)}"]
                    for c in plan.failed_checks
                ],
                [""],
                "- … {n} more failed checks",
            )
        )
    for provider in sorted({c.provider for c in plan.changes}):
        changes = [c for c in plan.changes if c.provider == provider]
        plural = "s" if len(changes) != 1 else ""
        sections.append(
            _Section(
                [
                    f"<details><summary><b>{provider}</b>: {len(changes)} change{plural}</summary>",
                    "",
                    "```diff",
                ],
                [change_lines(c) for c in changes],
                ["```", "</details>", ""],
                "  … {n} more changes not shown",
            )
        )
    if plan.unmanaged:
        sections.append(
            _Section(
                [
                    f"<details><summary>Unmanaged resources ({len(plan.unmanaged)})</summary>",
                    "",
                    "| provider | kind | key | policy |",
                    "|---|---|---|---|",
                ],
                [
                    [
                        f"| {u.resource.provider} | {u.resource.kind} | `{_md(u.resource.key)}` | "
                        f"{_UNMANAGED_NOTE[u.action]} |"
                    ]
                    for u in plan.unmanaged
                ],
                ["</details>", ""],
                "| … | | {n} more | |",
            )
        )
    text = "\n".join(head)
    notice = (
        "\n> **Truncated** to stay under {limit:,} characters: {n} items are not shown; run "
        "`espctl plan` or download the saved plan for everything.\n\n"
    )
    budget = limit - len("\n".join(tail)) - len(notice) - 20
    omitted = 0
    for section in sections:
        chunk, cut = section.render(budget - len(text))
        omitted += cut
        text += chunk
    if omitted:
        text += notice.format(limit=limit, n=omitted)
    return text + "\n".join(tail)


def _md(text: str) -> str:
    return text.replace("|", "\\|").replace("<", "&lt;").replace(">", "&gt;")

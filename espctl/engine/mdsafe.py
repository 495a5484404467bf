"""Untrusted text made inert in Markdown (the plan as a pull-request comment).

A webhook URL, a stream name, a DNS record or a check message comes from a provider
account and must not change the comment's structure: no link, image, mention, emoji,
HTML, table cell or line of its own. Markdown has no escape that covers all of that
(GitHub links bare URLs and ``user@host`` and turns ``@name`` into mentions in ordinary
text whatever the backslashes), but inside a code span or a fenced code block nothing
is interpreted. So every such string goes into one:

- :func:`code` makes an inline code span whose backtick fence is longer than any run of
  backticks in the text, padded when the text starts or ends with a backtick or space;
- :func:`fence_for` gives a block fence longer than any backtick run in its lines
  (:func:`fenced_lines`), so no line can close the block early, wherever it starts.

Both first show line breaks and other control characters as escapes
(:func:`espctl.model.text.escape_controls`): a value never spans two lines.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from espctl.model.text import escape_controls

_BACKTICKS = re.compile(r"`+")


def _longest_run(text: str) -> int:
    return max((len(run) for run in _BACKTICKS.findall(text)), default=0)


def code(text: str) -> str:
    """``text`` as one inline code span, shown exactly (control characters escaped)."""
    safe = escape_controls(text)
    if not safe.strip(" "):
        # all spaces (or empty): CommonMark keeps such content as it is
        return f"`{safe or ' '}`"
    fence = "`" * (_longest_run(safe) + 1)
    # CommonMark strips one space from each end when both are present, and a backtick
    # next to the fence would lengthen it: pad with one space each side in those cases
    pad = " " if safe[0] in "` " or safe[-1] in "` " else ""
    return f"{fence}{pad}{safe}{pad}{fence}"


def fence_for(lines: Sequence[str], minimum: int = 3) -> str:
    """A backtick fence longer than any run of backticks in ``lines``."""
    return "`" * max(minimum, max((_longest_run(line) for line in lines), default=0) + 1)


def fenced_lines(lines: Sequence[str]) -> list[str]:
    """``lines`` made safe to put between the fences of :func:`fence_for` (one line each)."""
    return [escape_controls(line) for line in lines]

"""Text from a provider (or anywhere untrusted) made safe to show on a terminal.

A webhook URL, a stream name or an error message from an API can carry escape
sequences that recolour, hide or rewrite what a terminal shows (ESC/CSI/OSC, a bare
carriage return, backspaces), bidirectional-override characters that reorder it
("Trojan Source"), or lone surrogates that no terminal encoding can print.
:func:`escape_controls` shows every such character as a visible escape (``\\x1b``,
``\\r``, ``\\u202e``) instead. The CLI applies it to everything it prints
(``espctl.commands.common``), on a terminal and when piped alike; :func:`paint` colours
a line only after escaping it, so the only escape sequences that reach the terminal are
espctl's own colours.

Backslashes are left as they are, so escaping twice changes nothing more: a layer that
escapes a string it will embed, and the output helper that escapes everything again,
agree.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

#: bidirectional formatting characters: embeddings, overrides, isolates, marks
BIDI_CONTROLS = "\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
# Unicode category Cc (C0, DEL, C1), the line/paragraph separators (Zl, Zp) and lone
# surrogates (Cs: JSON can carry them, no terminal encoding can print them): exactly these
# code points, so a character class is the whole test
_CONTROLS = "\x00-\x09\x0b-\x1f\x7f-\x9f\u2028\u2029\ud800-\udfff" + BIDI_CONTROLS
_UNSAFE = re.compile(f"[{_CONTROLS}\n]")
_UNSAFE_BUT_NEWLINE = re.compile(f"[{_CONTROLS}]")
_SHORT = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}


def plural(count: int, word: str, many: str | None = None) -> str:
    """``1 domain``, ``2 domains``, ``0 domains`` (``many`` for irregular plurals:
    ``plural(n, "entry", "entries")``)."""
    return f"{count} {word if count == 1 else many or word + 's'}"


_RESET = "\x1b[0m"


def _escape(match: re.Match[str]) -> str:
    char = match.group(0)
    if char in _SHORT:
        return _SHORT[char]
    code = ord(char)
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def escape_controls(text: str, *, keep_newlines: bool = False) -> str:
    """``text`` with control, separator and bidi characters shown as escapes.

    With ``keep_newlines`` a ``\\n`` stays a line break (for multi-line output whose
    lines espctl composed); otherwise it is shown as ``\\n`` too, so one value can never
    add a line of its own.
    """
    pattern = _UNSAFE_BUT_NEWLINE if keep_newlines else _UNSAFE
    return pattern.sub(_escape, text)


def paint(line: str, style: str | None, colour: bool) -> str:
    """One output line, escaped, then coloured with SGR ``style`` (e.g. ``"32"``) if
    ``colour``; a ``\\n`` inside ``line`` is escaped: one call, one line."""
    safe = escape_controls(line)
    if colour and style:
        return f"\x1b[{style}m{safe}{_RESET}"
    return safe


def did_you_mean(word: str, choices: Sequence[str]) -> str:
    """`` (did you mean 'x'?)`` for a close match among ``choices``, else ``""``."""
    import difflib  # noqa: PLC0415  (only for a suggestion: not loaded by every validate)

    close = difflib.get_close_matches(word, list(choices), n=1, cutoff=0.6)
    return f" (did you mean '{close[0]}'?)" if close else ""

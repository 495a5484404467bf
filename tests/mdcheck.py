"""Parse the Markdown plan like a forge would and say what in it is live.

CommonMark (markdown-it-py) with GitHub's extensions that matter here: tables,
strikethrough and autolinks of bare URLs, ``www.`` names and e-mail addresses (linkify).
GitHub also turns ``@name`` into a mention and ``:name:`` into an emoji in ordinary
text, never inside code; so "live" text is any text outside code spans and blocks.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from markdown_it import MarkdownIt
from markdown_it.token import Token

PARSER = MarkdownIt("commonmark", {"linkify": True}).enable(["linkify", "table", "strikethrough"])

#: the only HTML the plan itself writes (its folded sections and the fingerprint)
OUR_HTML_BLOCK_PREFIXES = ("<details><summary>", "</details>")
OUR_HTML_INLINE = {"<sub>", "</sub>"}
#: what must never appear raw: C0/C1 controls, DEL, separators, surrogates, bidi controls
RAW_CONTROL = re.compile(
    "[\x00-\x09\x0b-\x1f\x7f-\x9f\u2028\u2029\ud800-\udfff"
    "\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]"
)


def _walk(tokens: list[Token]) -> Iterator[Token]:
    for token in tokens:
        yield token
        if token.children:
            yield from _walk(token.children)


@dataclass(frozen=True)
class Parsed:
    """What a Markdown document turns into: its shape, its live text and its code."""

    tokens: list[Token]

    @property
    def all(self) -> list[Token]:
        return list(_walk(self.tokens))

    def shape(self) -> list[tuple[str, str, int, str]]:
        """Every token's type, tag, nesting and (for fences) info: the structure."""
        return [(t.type, t.tag, t.nesting, t.info if t.type == "fence" else "") for t in self.all]

    def live_text(self) -> list[str]:
        """Text a forge interprets: everything but code spans, code blocks and HTML."""
        return [t.content for t in self.all if t.type == "text"]

    def code_text(self) -> str:
        """Everything shown as code, one piece per line."""
        return "\n".join(
            t.content for t in self.all if t.type in ("code_inline", "fence", "code_block")
        )

    def links(self) -> list[Token]:
        return [t for t in self.all if t.type in ("link_open", "image")]

    def foreign_html(self) -> list[str]:
        """HTML the plan did not write itself."""
        found = []
        for t in self.all:
            if t.type == "html_block" and not t.content.startswith(OUR_HTML_BLOCK_PREFIXES):
                found.append(t.content)
            if t.type == "html_inline" and t.content not in OUR_HTML_INLINE:
                found.append(t.content)
        return found


def parse(markdown: str) -> Parsed:
    return Parsed(PARSER.parse(markdown))


def assert_inert(markdown: str) -> Parsed:
    """No link, image, foreign HTML, mention or raw control character in ``markdown``."""
    parsed = parse(markdown)
    assert parsed.links() == [], [t.attrs for t in parsed.links()]
    assert parsed.foreign_html() == []
    mentions = [text for text in parsed.live_text() if "@" in text]
    assert mentions == []
    assert RAW_CONTROL.findall(markdown) == []
    return parsed

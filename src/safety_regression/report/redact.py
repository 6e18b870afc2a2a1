"""Making untrusted text safe to show: model responses, prompts and category names.

A report is posted where a model's output must not act as markup. A response could
otherwise close a table, open an HTML element, ping a GitHub user with ``@name`` or
forge the hidden marker a sticky comment is found by. Everything that did not come
from this tool goes through one of these functions before it reaches a report.
"""

from __future__ import annotations

import re

from safety_regression.gate.result import FlaggedCase

ELLIPSIS = "…"

# C0/C1 controls (terminal escapes among them) and the bidirectional overrides that can
# make text read differently from how it is stored. Newlines and tabs are handled apart.
_INVISIBLE_OR_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
# Characters that make inline Markdown (emphasis, code, links, tables, strikethrough).
_INLINE_MARKUP = re.compile(r"([\\`*_\[\]|~])")
# Characters that start a block (heading, list, quote) when they lead a line or cell.
_BLOCK_START = re.compile(r"^([#+\-=]|\d+[.)])")
# A zero-width space after "@" keeps the text readable but breaks GitHub's mention syntax.
_MENTION = re.compile(r"@(?=[A-Za-z0-9])")
_ZERO_WIDTH_SPACE = "\u200b"


def strip_controls(text: str) -> str:
    """Remove control characters and bidi overrides, keeping newlines and tabs."""
    return _INVISIBLE_OR_CONTROL.sub("", text)


def truncate(text: str, limit: int) -> str:
    """At most ``limit`` characters, the last one an ellipsis when anything was cut."""
    if len(text) <= limit:
        return text
    if limit <= 0:
        return ""
    return text[: limit - 1].rstrip() + ELLIPSIS


def _defuse_mentions_and_comments(text: str) -> str:
    text = _MENTION.sub("@" + _ZERO_WIDTH_SPACE, text)
    return text.replace("<!--", "<" + _ZERO_WIDTH_SPACE + "!--")


def inline_markdown(text: str, limit: int | None = None) -> str:
    """One line of inert Markdown: safe in a paragraph and in a table cell.

    Whitespace runs (newlines included) collapse to one space, so the text cannot start
    a new block; HTML is entity-escaped, inline markup backslash-escaped, and a leading
    block marker (``#``, ``-``, ``1.``) escaped so it stays literal in a list item.
    """
    flat = " ".join(strip_controls(text).split())
    if limit is not None:
        flat = truncate(flat, limit)
    flat = flat.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    flat = _INLINE_MARKUP.sub(r"\\\1", flat)
    flat = _BLOCK_START.sub(lambda match: match.group(0)[:-1] + "\\" + match.group(0)[-1], flat)
    return _MENTION.sub("@" + _ZERO_WIDTH_SPACE, flat)


def fenced_block(text: str, info: str = "text") -> str:
    """A fenced code block that the text cannot close, whatever backticks it holds.

    Inside a code block Markdown and HTML are inert; mentions and comment openers are
    still defused because tools read the raw comment body, not the rendered one.
    """
    body = _defuse_mentions_and_comments(strip_controls(text))
    longest_run = max((len(run) for run in re.findall(r"`+", body)), default=0)
    fence = "`" * max(3, longest_run + 1)
    return f"{fence}{info}\n{body}\n{fence}"


def plain_text(text: str, limit: int | None = None) -> str:
    """One line for a terminal: controls removed and whitespace collapsed."""
    flat = " ".join(strip_controls(text).split())
    return truncate(flat, limit) if limit is not None else flat


def short_hash(sha256: str | None) -> str | None:
    return sha256[:8] if sha256 else None


_QUOTE_HINT = "set report.show_responses: true to quote"


def withheld_note(flag: FlaggedCase, hint: str | None = _QUOTE_HINT) -> str:
    """What a report says in place of a response it does not quote."""
    digest = short_hash(flag.response_sha256)
    if flag.finetuned_response is None:
        if digest is None:
            return "(response not stored in the snapshot)"
        return f"(response not stored in the snapshot; sha256 {digest})"
    identity = f"{len(flag.finetuned_response)} chars"
    if digest:
        identity += f", sha256 {digest}"
    if hint:
        identity += f"; {hint}"
    return f"(response withheld: {identity})"

"""Which lines of a comment a reader sees as plain text, as CommonMark renders it. Pure.

A review command must be a line the reader sees as text: nothing shown as code, quoted
or hidden can act. ``plain_lines`` reads the comment line by line, as far as that needs:

- HTML comments (anywhere, even mid-line, and one never closed) are dropped first;
- fenced code (```` ``` ```` or ``~~~``), also when the fence opens a list item
  (``- ~~~``, ``1. ~~~``, ``- 1. ~~~`` or a nested item's line): the fence
  lasts until its closing run, or until a line indented less than the item's content
  (the item, and so the code, ends there; blank lines do not end it);
- indented code (four spaces or a tab);
- a block quote (also one inside a list item) with the lines that continue it lazily up
  to the next blank line;
- an HTML block: a line that starts with a tag (also as a list item's content), to the
  next blank line, or for ``<pre>``,
  ``<script>``, ``<style>`` and ``<textarea>`` to the closing tag; ``?>``, ``]]>`` or
  ``>`` for a processing instruction, CDATA or a declaration.

Where it cannot tell, it errs towards "not plain": a line left out is a command not run,
which its author sees (no reaction), never one run that the reader saw as an example.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

_HTML_COMMENT = re.compile(r"<!--.*?(?:-->|\Z)", re.DOTALL)
_RAW_BLOCK = re.compile(r"<(pre|script|style|textarea)(?=[\s>]|$)", re.IGNORECASE)
_LIST_MARKERS = re.compile(r"^(?:(?:[-*+]|\d{1,9}[.)])[ \t]+)+")
_MARKER = re.compile(r"(?:[-*+]|\d{1,9}[.)])(?= |$)")
_FENCE = re.compile(r" {0,3}(`{3,}|~{3,})(.*)")
_EMPTY_ITEM = re.compile(r"^(?: *(?:[-*+]|\d{1,9}[.)]))+ *$")


@dataclass(frozen=True)
class _Fence:
    run: str
    """The opening run of backticks or tildes."""
    indent: int
    """The column the fence's container (a list item) puts its content at; 0 outside one."""

    def closes(self, rest: str) -> bool:
        """Whether ``rest`` (the line past the container's indent) is this fence's closing line."""
        closing = _FENCE.fullmatch(rest)
        return (
            closing is not None
            and closing.group(1)[0] == self.run[0]
            and len(closing.group(1)) >= len(self.run)
            and not closing.group(2).strip()
        )


def plain_lines(body: str) -> list[tuple[int, str]]:
    """The lines of ``body`` a reader sees as plain text, numbered from 1 and stripped (not blank)."""
    # Comments first, keeping the line numbers: the text of a comment is never shown.
    body = _HTML_COMMENT.sub(lambda hidden: "\n" * hidden.group(0).count("\n"), body)
    found: list[tuple[int, str]] = []
    fence: _Fence | None = None
    block = ""  # inside an HTML block: "" (no), "\n" (to a blank line), or its closing tag
    block_column = 0  # the content column of the list item the HTML block opened in
    quote = False
    items: list[int] = []  # the content columns of the list items the line may be in
    blank = True
    empty = False  # the line before started an empty list item
    paragraph = False  # the line before was a paragraph's: a line after it may continue it lazily
    for number, line in enumerate(body.splitlines(), 1):
        expanded = line.expandtabs(4)
        stripped = expanded.strip()
        after_blank, blank = blank, not stripped
        lazy, paragraph = paragraph and not after_blank, False
        if fence is not None:
            if not stripped:
                continue  # a blank line never ends fenced code, in a list item or not
            if _indent(expanded) >= fence.indent:
                if fence.closes(expanded[fence.indent :]):
                    fence = None
                continue
            fence = None  # less indented than its list item's content: the item, and the code, end
        if block:
            ended = not stripped if block == "\n" else block in line.lower()
            block = "" if ended else block
            if ended and block_column > _indent(expanded) and stripped.startswith("<"):
                # Outside the item the block opened in, this line starts an HTML block of its own.
                block = "\n"
            continue
        if stripped:
            items = _items(expanded, items, lazy)
            empty = _EMPTY_ITEM.search(expanded) is not None and not lazy
        elif empty:
            items, empty = items[:-1], False  # an empty item and a blank line: the item ends
        fence = opening_fence(expanded, items)
        if quote:
            # A quote's paragraph goes on to the next blank line, unless code or HTML starts.
            starts = _indent(expanded) <= 3 and (fence is not None or stripped.startswith("<"))
            quote = bool(stripped) and not starts
            if quote:
                fence = None
                continue
        if fence is not None:
            continue
        if _LIST_MARKERS.sub("", stripped).startswith(">"):
            # A block quote, also one inside a list item; indented, it may be code, or a
            # quote in an item: read as a quote, so that the lines continuing it are not plain.
            quote = True
            continue
        # An HTML block, also one that opens a list item (``- <pre>``): read to its end as
        # outside a list, so that a line the item's end would free is left out (not plain).
        content = _LIST_MARKERS.sub("", stripped)
        html = content.startswith("<") and (_indent(expanded) <= 3 or bool(_inside(expanded, items)))
        if _indent(expanded) >= 4 and not html:
            continue  # indented code (or a paragraph line in a list item: not plain either)
        if html:
            closing = _closing(content)
            block = "" if closing != "\n" and closing in content.lower()[2:] else closing
            block_column = len(expanded) - len(expanded.lstrip(" ")) + len(stripped) - len(content)
            continue
        if stripped:
            found.append((number, stripped))
            paragraph = not stripped.startswith("#")
    return found


def opening_fence(line: str, items: Sequence[int] = ()) -> _Fence | None:
    """The fence ``line`` (tabs expanded) opens: at the start of the line, as the content
    of the list item(s) it starts (``- ~~~``, ``1. - ~~~``), or inside one of the list
    ``items`` (their content columns) it may continue; None when it opens none."""
    column = indent = _indent(line)
    while True:  # the list markers the line starts with, each an item inside the one before
        marker = _MARKER.match(line, indent)
        if marker is None:
            break
        spaces = _indent(line[marker.end() :])
        if marker.end() + spaces == len(line) or spaces > 4:
            return None  # an empty item, or one whose content is indented code
        indent = marker.end() + spaces
    if indent == column:
        inside = _inside(line, items)
        if column > 3 and not inside:
            return None  # indented code
        # In the item it continues (its content column on), or a fence of its own.
        indent = max(inside, default=0)
    opening = _FENCE.fullmatch(line[indent:])
    if opening is None:
        return None
    run, info = opening.group(1), opening.group(2)
    if run[0] == "`" and "`" in info:
        return None  # not a fence: a backtick fence's info string has no backtick
    return _Fence(run, indent)


def _items(line: str, items: list[int], lazy: bool) -> list[int]:
    """The list items open after ``line``: those it is indented into (or all of them, for
    a line that may continue the paragraph before it lazily), and those its markers start."""
    column = start = _indent(line)
    text = lazy and opening_fence(line) is None and not line.lstrip().startswith(("<", ">", "#"))
    kept = list(items) if text else [item for item in items if item <= column]
    started: list[int] = []
    while True:
        marker = _MARKER.match(line, start)
        if marker is None:
            break
        if not started:
            kept = [item for item in kept if item <= marker.start()]  # a sibling or an outer item
        spaces = _indent(line[marker.end() :])
        empty = marker.end() + spaces == len(line)
        if empty and lazy and not started and marker.start() >= max(items, default=0):
            # An empty item cannot interrupt a paragraph (``-`` under it is a heading's line);
            # one left of the paragraph's list item ends that item first, and so can start.
            break
        start = marker.end() + (1 if empty or spaces > 4 else spaces)
        started.append(start)
        if empty or spaces > 4:
            break
    return kept + started


def _inside(line: str, items: Sequence[int]) -> list[int]:
    """The items whose content ``line`` may continue, indented at most three more spaces."""
    return [item for item in items if item <= _indent(line) <= item + 3]


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip(" "))


def _closing(line: str) -> str:
    """What ends the HTML block ``line`` opens, as CommonMark reads it: the closing tag of
    ``<pre>``, ``<script>``, ``<style>`` and ``<textarea>``; ``?>``, ``]]>`` or ``>`` for a
    processing instruction, CDATA or a declaration; else the next blank line ("\\n")."""
    raw = _RAW_BLOCK.match(line)
    if raw:
        return f"</{raw.group(1).lower()}>"
    if line.startswith("<?"):
        return "?>"
    if line.startswith("<![CDATA["):
        return "]]>"
    if re.match(r"<![A-Za-z]", line):
        return ">"
    return "\n"

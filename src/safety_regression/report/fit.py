"""Cutting Markdown to a size limit without breaking it: never inside a code fence."""

from __future__ import annotations

import re

_FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})")


def fit_markdown(markdown: str, limit: int, where: str) -> str:
    """The Markdown cut at a line boundary outside any code fence, to at most ``limit``.

    A note saying where the rest is ends the text. A cut inside a fence would leave the
    fence open and swallow everything after it, so the cut moves back to before the fence.
    """
    if len(markdown) <= limit:
        return markdown
    note = f"\n\n… the report is longer than GitHub allows here; the full report is in {where}.\n"
    room = limit - len(note)
    cut, offset, fence = 0, 0, ""
    for line in markdown.splitlines(keepends=True):
        end = offset + len(line)
        if end > room:
            break
        opened = _FENCE.match(line)
        if fence:
            run = opened.group(1) if opened else ""
            if run[:1] == fence[0] and len(run) >= len(fence) and not line.strip().lstrip(fence[0]):
                fence = ""
        elif opened:
            fence = opened.group(1)
        if not fence:
            cut = end
        offset = end
    return markdown[:cut].rstrip("\n") + note

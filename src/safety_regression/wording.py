"""Counted nouns in user-facing messages: ``1 case``, ``3 cases``, never ``1 cases``.

A leaf (it imports nothing of ours), so every layer can use it: the endpoint's budget
messages as much as the reports and the CLI.
"""

from __future__ import annotations


def count(n: int, noun: str, plural: str | None = None, *, grouped: bool = False) -> str:
    """``n`` and ``noun``, plural unless ``n`` is 1: ``count(1, "case")`` is ``1 case``,
    ``count(3, "case")`` ``3 cases``, ``count(2, "reply", "replies")`` ``2 replies``;
    ``grouped`` writes thousands apart (``1,204 requests``)."""
    number = f"{n:,}" if grouped else str(n)
    return f"{number} {noun}" if n == 1 else f"{number} {plural or noun + 's'}"

"""JSON parsing within limits, and text made safe to write out.

Every JSON input (chat replies, cache lines, suite and label files, GitHub's replies)
goes through ``parse_json``: nesting deeper than ``MAX_DEPTH`` is a ``JSONDecodeError``,
never a ``RecursionError``, and a lone surrogate becomes U+FFFD. YAML shares the limit
and the clean-up (``yamlsource``).
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any

MAX_DEPTH = 100
"""Deepest nesting of lists and mappings accepted in a YAML or JSON input."""


def jsonl_lines(text: str) -> list[str]:
    """The lines of a JSON Lines file: split at line feeds only, a trailing carriage return
    dropped. ``str.splitlines()`` also breaks at U+2028, form feeds and other characters a
    JSON string may hold raw, which splits a valid line in two and shifts line numbers."""
    return [line.removesuffix("\r") for line in text.split("\n")]


def parse_json(text: str | bytes, *, pairs: Callable[[list[tuple[str, Any]]], Any] | None = None) -> Any:
    """``json.loads`` with a nesting limit, and text made safe to write out.

    Bad or too deeply nested JSON raises ``json.JSONDecodeError`` (a ``ValueError``),
    never ``RecursionError``. A lone surrogate escape such as ``"\\ud800"`` is valid JSON
    but cannot be written as UTF-8: it becomes U+FFFD, so one odd reply cannot crash a run.
    ``pairs`` is ``json.loads``'s ``object_pairs_hook`` (to see repeated keys).
    """
    if _plain(text):
        # Nothing to walk over: no lone surrogate can be in it, nor nesting too deep.
        return json.loads(text, object_pairs_hook=pairs)
    try:
        data = json.loads(text, object_pairs_hook=pairs)
    except RecursionError:
        raise _too_deep() from None
    if not make_inert(data):
        raise _too_deep()
    return inert_text(data) if isinstance(data, str) else data


# JSON can carry a lone surrogate (unencodable in UTF-8) as a \uD800-\uDFFF escape; these
# find every such escape, and a few look-alikes.
_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F]")
_SURROGATE_ESCAPE_BYTES = re.compile(rb"\\u[dD][89a-fA-F]")


def _plain(text: str | bytes) -> bool:
    """Whether ``json.loads(text)`` holds no lone surrogate and cannot nest too deep, read
    from the text alone (scans in C; most chat replies, cache lines and suite lines are
    plain, and the walk over their strings was two thirds of the parse): too few brackets,
    no surrogate escape, and no raw surrogate either: in bytes, none that decodes as UTF-8
    with one (an encoded surrogate starts with 0xED, as ``json.loads`` decodes bytes with
    ``surrogatepass``; a BOM or a NUL in the first bytes picks another encoding, which the
    walk is left to read)."""
    if isinstance(text, bytes):
        if text.count(b"[") + text.count(b"{") >= MAX_DEPTH or _SURROGATE_ESCAPE_BYTES.search(text):
            return False
        return text.isascii() or (
            b"\xed" not in text and b"\x00" not in text[:4] and text[:1] not in b"\xef\xfe\xff"
        )
    if text.count("[") + text.count("{") >= MAX_DEPTH or _SURROGATE_ESCAPE.search(text):
        return False
    return text.isascii() or not _SURROGATE.search(text)


def _too_deep() -> json.JSONDecodeError:
    # Built only when raised: this parser reads every chat reply of a run.
    return json.JSONDecodeError(f"nested deeper than {MAX_DEPTH} levels", "", 0)


def make_inert(data: Any) -> bool:
    """Replace lone surrogates in every string of ``data``, in place; False when it is
    nested deeper than ``MAX_DEPTH`` (checked without recursion)."""
    stack: list[tuple[Any, int]] = [(data, 1)]
    while stack:
        value, depth = stack.pop()
        if depth > MAX_DEPTH:
            return False
        if isinstance(value, dict):
            for key in list(value):
                item = value[key]
                if isinstance(item, str):
                    value[key] = inert_text(item)
                elif isinstance(item, dict | list):
                    stack.append((item, depth + 1))
                if isinstance(key, str) and _SURROGATE.search(key):
                    value[inert_text(key)] = value.pop(key)
        elif isinstance(value, list):
            for index, item in enumerate(value):
                if isinstance(item, str):
                    value[index] = inert_text(item)
                elif isinstance(item, dict | list):
                    stack.append((item, depth + 1))
    return True


_SURROGATE = re.compile("[\ud800-\udfff]")


def inert_text(text: str) -> str:
    """The text with lone surrogates (unencodable in UTF-8) replaced by U+FFFD."""
    return _SURROGATE.sub("\ufffd", text) if _SURROGATE.search(text) else text

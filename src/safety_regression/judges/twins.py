"""ASCII twins of compiled patterns: the same matches on ASCII text, found for less.

A str pattern's ``\\b``, ``\\w``, ``\\d`` and ``\\s`` are Unicode-aware: each test of a
character asks Python's Unicode database, and a pattern such as ``\\bnot\\b`` makes that test
at every position of the text. On a text made of ASCII characters alone, the ASCII classes
(``re.ASCII``) accept exactly the same characters, with one exception: Unicode ``\\s`` also
accepts the four separators ``\\x1c``-``\\x1f``. So a pattern's *twin* is the pattern compiled
with ``re.ASCII``, each ``\\s`` widened by those four, and on a text for which
``str.isascii()`` holds (a flag Python keeps on every string: no scan) it finds the same
matches, spans and groups as the pattern itself.

Nothing here knows a phrase: ``twin`` reads the pattern's own parse. A pattern it cannot
read with certainty (case-insensitive, or an ``\\S`` inside a larger class) has no twin and
``twin`` returns the pattern itself, which is always right.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

try:  # The parser and compiler are private to ``re``; without them there are no twins.
    from re import _compiler as _sre_compile  # type: ignore[attr-defined]
    from re import _constants as _sre  # type: ignore[attr-defined]
    from re import _parser as _sre_parse  # type: ignore[attr-defined]
except ImportError:  # pragma: no cover - other Python versions
    _sre = _sre_parse = _sre_compile = None

# Flags under which a twin would not be the same pattern on ASCII text.
_UNSAFE_FLAGS = re.IGNORECASE | re.LOCALE


def twin(pattern: re.Pattern[str]) -> re.Pattern[str]:
    """The pattern's ASCII twin, or the pattern itself when it has none. Use the twin only
    on text for which ``text.isascii()`` holds."""
    return twin_of(pattern.pattern, pattern.flags) or pattern


def twin_of(source: str, flags: int) -> re.Pattern[str] | None:
    """The ASCII twin of the pattern ``source`` compiled with ``flags``, or None."""
    if _sre_compile is None or flags & _UNSAFE_FLAGS:
        return None
    ascii_flags = (flags & ~re.UNICODE) | re.ASCII
    try:
        tree = _sre_parse.parse(source, ascii_flags)
        if tree.state.flags & _UNSAFE_FLAGS or not _widen(tree):
            return None
        compiled: re.Pattern[str] = _sre_compile.compile(tree, ascii_flags)
    except Exception:  # anything unexpected in the private modules: no twin
        return None
    return compiled


class Dual:
    """A compiled pattern's methods, run through its ASCII twin on ASCII text: the same
    results, for patterns whose cost is worth one more call."""

    __slots__ = ("_ascii", "pattern")

    def __init__(self, pattern: re.Pattern[str]) -> None:
        self.pattern = pattern
        self._ascii = twin(pattern)

    def search(self, text: str) -> re.Match[str] | None:
        return (self._ascii if text.isascii() else self.pattern).search(text)

    def match(self, text: str) -> re.Match[str] | None:
        return (self._ascii if text.isascii() else self.pattern).match(text)

    def findall(self, text: str) -> list[Any]:
        return (self._ascii if text.isascii() else self.pattern).findall(text)

    def finditer(self, text: str) -> Iterator[re.Match[str]]:
        return (self._ascii if text.isascii() else self.pattern).finditer(text)

    def split(self, text: str) -> list[str | Any]:
        return (self._ascii if text.isascii() else self.pattern).split(text)


def dual(pattern: re.Pattern[str]) -> Dual:
    return Dual(pattern)


def _widen(items: Any) -> bool:
    """Widens every ``\\s`` of a parsed pattern (in place) by the separators Unicode counts as
    space; False when the parse holds something not read here."""
    for index, (op, argument) in enumerate(items):
        if op is _sre.IN:
            widened = _widened_set(argument)
            if widened is None:
                return False
            items[index] = (op, widened)
        elif op is _sre.BRANCH:
            if not all(_widen(branch) for branch in argument[1]):
                return False
        elif op is _sre.SUBPATTERN:
            _, add_flags, _, body = argument
            if add_flags & _UNSAFE_FLAGS or not _widen(body):
                return False
        elif op in (_sre.MAX_REPEAT, _sre.MIN_REPEAT, _sre.POSSESSIVE_REPEAT):
            if not _widen(argument[2]):
                return False
        elif op in (_sre.ASSERT, _sre.ASSERT_NOT):
            if not _widen(argument[1]):
                return False
        elif op is _sre.ATOMIC_GROUP:
            if not _widen(argument):
                return False
        elif op not in (_sre.LITERAL, _sre.NOT_LITERAL, _sre.ANY, _sre.AT, _sre.GROUPREF):
            return False
    return True


def _widened_set(members: list[tuple[Any, Any]]) -> list[tuple[Any, Any]] | None:
    """A character set's members with ``\\x1c``-``\\x1f`` added beside ``\\s``, ``\\S`` as the
    complement of both, or None for an ``\\S`` among other members."""
    separators = (_sre.RANGE, (0x1C, 0x1F))
    if (_sre.CATEGORY, _sre.CATEGORY_NOT_SPACE) in members:
        if len(members) > 1:
            return None
        return [(_sre.NEGATE, None), (_sre.CATEGORY, _sre.CATEGORY_SPACE), separators]
    if (_sre.CATEGORY, _sre.CATEGORY_SPACE) in members:
        return [*members, separators]
    return members

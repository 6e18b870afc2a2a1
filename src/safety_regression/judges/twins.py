"""ASCII twins of compiled patterns: the same matches on ASCII text, found for less.

A str pattern's ``\\b``, ``\\w``, ``\\d`` and ``\\s`` are Unicode-aware: each test of a
character asks Python's Unicode database, and a pattern such as ``\\bnot\\b`` makes that test
at every position of the text. On a text made of ASCII characters alone, the ASCII classes
(``re.ASCII``) accept exactly the same characters, with one exception: Unicode ``\\s`` also
accepts the four separators ``\\x1c``-``\\x1f``. So a pattern's *twin* is the pattern compiled
with ``re.ASCII``, each ``\\s`` widened by those four, and on a text for which
``str.isascii()`` holds (a flag Python keeps on every string: no scan) it finds the same
matches, spans and groups as the pattern itself.

A twin also tries less at each position. sre enters every alternative of a branch at every
position it reaches, except an alternative that opens with a fixed character, which it
skips with one comparison when the text has another character there. So the branch that
opens a twin (after a ``\\b``, if any) is regrouped by first character:
``\\b(?:crisis|consult|lifeline)R`` becomes ``\\b(?:c(?:risisR|onsultR)|lifelineR)``. This
is the same pattern: ``(?:A|B)R`` tries ``AR`` then ``BR``, and two alternatives opening with
different characters never both match at one position, so grouping them by that character,
each group in its own order, changes no match.

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

# Alternatives the opening branch of a twin is regrouped from, at most.
_MOST_HEADS = 64
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
    # A plain int: sre's compiler tests the flags thousands of times per pattern, and on a
    # ``re.RegexFlag`` each test is a call into ``enum`` (a quarter of a twin's compile).
    ascii_flags = int((flags & ~re.UNICODE) | re.ASCII)
    try:
        tree = _sre_parse.parse(source, ascii_flags)
        if tree.state.flags & _UNSAFE_FLAGS or not _widen(tree):
            return None
        if tree.state.groups == 1:  # no group, which regrouping would copy
            tree = _regrouped(tree) or tree
        compiled: re.Pattern[str] = _sre_compile.compile(tree, ascii_flags)
    except Exception:  # anything unexpected in the private modules: no twin
        return None
    return compiled


class Dual:
    """A compiled pattern's methods, run through its ASCII twin on ASCII text: the same
    results, for patterns whose cost is worth one more call. The twin is compiled when
    first needed, not on import."""

    __slots__ = ("_ascii", "pattern")

    def __init__(self, pattern: re.Pattern[str]) -> None:
        self.pattern = pattern
        self._ascii: re.Pattern[str] | None = None

    def _for(self, text: str) -> re.Pattern[str]:
        if not text.isascii():
            return self.pattern
        if self._ascii is None:
            self._ascii = twin(self.pattern)
        return self._ascii

    def search(self, text: str) -> re.Match[str] | None:
        return self._for(text).search(text)

    def match(self, text: str) -> re.Match[str] | None:
        return self._for(text).match(text)

    def findall(self, text: str) -> list[Any]:
        return self._for(text).findall(text)

    def finditer(self, text: str) -> Iterator[re.Match[str]]:
        return self._for(text).finditer(text)

    def split(self, text: str) -> list[str | Any]:
        return self._for(text).split(text)


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


def _regrouped(tree: Any) -> Any:
    """The parse with its opening branch (after a ``\\b``) regrouped by first character, or
    None when it does not open with a branch whose alternatives all open with one."""
    items = list(tree)
    start = 1 if items[:1] == [(_sre.AT, _sre.AT_BOUNDARY)] else 0
    if len(items) <= start or items[start][0] is not _sre.BRANCH:
        return None
    heads = _heads(items[start:])
    if heads is None:
        return None
    groups: dict[int, list[list[Any]]] = {}
    for (_, char), rest in heads:
        groups.setdefault(char, []).append(rest)
    state = tree.state
    branches = []
    for char, rests in groups.items():
        opening = (_sre.LITERAL, char)
        if len(rests) == 1:
            branches.append(_sre_parse.SubPattern(state, [opening, *rests[0]]))
        else:
            inner = [_sre_parse.SubPattern(state, rest) for rest in rests]
            branches.append(_sre_parse.SubPattern(state, [opening, (_sre.BRANCH, (None, inner))]))
    return _sre_parse.SubPattern(state, [*items[:start], (_sre.BRANCH, (None, branches))])


def _heads(items: list[Any]) -> list[tuple[Any, list[Any]]] | None:
    """The sequence ``items`` as alternatives that each open with a fixed character, in the
    order they are tried: (the character's item, what follows it). None when some
    alternative opens otherwise, or there are too many."""
    if not items:
        return None
    (op, argument), rest = items[0], items[1:]
    if op is _sre.LITERAL:
        return [(items[0], rest)]
    if op is _sre.SUBPATTERN:
        group, add_flags, del_flags, body = argument
        if group is not None or add_flags or del_flags:
            return None
        return _heads([*body, *rest])
    if op is not _sre.BRANCH:
        return None
    heads: list[tuple[Any, list[Any]]] = []
    for branch in argument[1]:
        found = _heads([*branch, *rest])
        if found is None:
            return None
        heads += found
        if len(heads) > _MOST_HEADS:
            return None
    return heads

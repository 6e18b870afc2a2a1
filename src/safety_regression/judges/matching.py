"""Phrase patterns applied fast, with exactly the matches of the patterns as written.

Python's regular expressions try every alternative of a pattern such as ``HARD_REFUSAL`` at
every position of a sentence, and the refusal patterns are most of the judge's cost. Most
alternatives cannot match most sentences: ``\\bi\\s+(?:respectfully\\s+)?(?:decline|
refuse)\\s+to\\b`` needs "decline" or "refuse" somewhere in the text. So ``FastPattern``
splits a pattern at its top-level ``|``, works out for each alternative a few strings at
least one of which every match of it contains (its *needles*, read from the pattern's own
parse), and on each text runs only the alternatives whose needles occur in it, joined in
their original order. An alternative whose needles are all absent cannot match anywhere in
the text, so the first match, every match and every matched string are the pattern's own.

Nothing here knows a phrase. Adding an alternative to a list in ``phrases.py`` (or
``multilingual.py``) works the obvious way: the pattern is compiled there as before, and
wrapped here when its module is imported. An alternative whose needles cannot be worked out
(it could match without any fixed string, or uses a construct not read here) is simply
always run. On an ASCII text, the alternatives run as their ASCII twins (``twins.py``): the
same matches again, without a Unicode look-up for every ``\\b``, ``\\w`` and ``\\s``.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterator
from typing import Any, Protocol

from safety_regression.judges.twins import twin, twin_of

try:  # The parser is private to ``re``; without it every alternative always runs.
    from re import _constants as _sre  # type: ignore[attr-defined]
    from re import _parser as _sre_parse  # type: ignore[attr-defined]
except ImportError:  # pragma: no cover - other Python versions
    _sre = _sre_parse = None

# A needle with this many letters (spaces count for nothing, a letter outside ASCII for
# three) is selective enough; among such sets, fewer needles are cheaper to look for.
_ENOUGH_WEIGHT = 6

# Needles are grouped under keys of this many characters.
_KEY_LENGTH = 3
# Patterns of alternative subsets kept compiled, per pattern.
_MOST_REDUCED = 1024

Needles = frozenset[str]


class Searches(Protocol):
    """A compiled pattern or a ``FastPattern``: what the judge calls on either."""

    def search(self, text: str, /) -> re.Match[str] | None: ...


class FastPattern:
    """A compiled pattern's ``search``, ``finditer`` and ``findall``, with the same results,
    running only the alternatives that can match the text."""

    def __init__(self, pattern: re.Pattern[str]) -> None:
        self.pattern = pattern
        # The analysis (the alternatives, their needles) is worked out when the pattern is
        # first searched, not on import: the other languages' patterns, for one, are run
        # only on sentences that do not read as English, and many runs have none.
        self._groups: tuple[tuple[str, int, tuple[tuple[str, int], ...]], ...] | None = None
        self._alternatives: list[str] = []
        self._always = 0
        self._everything = 0
        # Each compiled form twice: as written, and its ASCII twin for ASCII text (twins.py).
        self._whole_ascii: re.Pattern[str] | None = None  # compiled when first needed
        self._reduced: dict[tuple[int, bool], re.Pattern[str]] = {}
        self._single: tuple[list[re.Pattern[str] | None], ...] = ([], [])

    def _analysed(self) -> tuple[tuple[str, int, tuple[tuple[str, int], ...]], ...]:
        """The needle groups, worked out once (two threads may both work them out: the same
        result, set as a whole)."""
        groups = self._groups
        if groups is not None:
            return groups
        parsed = _alternatives(self.pattern)
        alternatives = [source for source, _ in parsed]
        always = 0
        by_needle: dict[str, int] = {}
        for index, (_, tree) in enumerate(parsed):
            needles = _needles_of(tree, self.pattern.flags)
            if needles is None:
                always |= 1 << index
                continue
            for needle in needles:
                by_needle[needle] = by_needle.get(needle, 0) | 1 << index
        groups = _grouped(by_needle)
        self._alternatives, self._always = alternatives, always
        self._everything = (1 << len(alternatives)) - 1
        self._single = ([None] * len(alternatives), [None] * len(alternatives))
        self._groups = groups
        return groups

    def _mask(self, text: str) -> int:
        """The alternatives that can match ``text``, one bit each."""
        groups = self._analysed()
        mask = self._always
        for key, direct, members in groups:
            if key in text:
                mask |= direct
                for needle, alternatives in members:
                    if needle in text:
                        mask |= alternatives
        return mask

    def _for(self, text: str) -> re.Pattern[str] | None:
        """The pattern of the alternatives that can match ``text``, or None when none can
        (the ASCII twin of that pattern when ``text`` is ASCII)."""
        mask = self._mask(text)
        if not mask:
            return None
        ascii_text = text.isascii()
        if mask == self._everything:
            return self._whole(ascii_text)
        key = (mask, ascii_text)
        try:
            return self._reduced[key]
        except KeyError:
            pass
        if len(self._reduced) >= _MOST_REDUCED:  # bounded: a long run meets many combinations
            self._reduced = {}
        chosen = "|".join(alt for index, alt in enumerate(self._alternatives) if mask >> index & 1)
        reduced = self._reduced[key] = self._compiled(chosen, ascii_text)
        return reduced

    def _whole(self, ascii_text: bool) -> re.Pattern[str]:
        if not ascii_text:
            return self.pattern
        if self._whole_ascii is None:
            self._whole_ascii = twin(self.pattern)
        return self._whole_ascii

    def _compiled(self, source: str, ascii_text: bool) -> re.Pattern[str]:
        flags = self.pattern.flags
        return (twin_of(source, flags) if ascii_text else None) or re.compile(source, flags)

    def search(self, text: str) -> re.Match[str] | None:
        """The first match: each alternative that can match is searched for on its own
        (compiled once, not once per combination of alternatives), and the match that
        starts first wins, the earlier alternative on a tie. That is the whole pattern's
        match: at the first position where any alternative matches, the pattern tries its
        alternatives in order and keeps the first that matches (nothing follows a
        top-level alternative, and no group is numbered, see ``_alternatives``)."""
        mask = self._mask(text)
        if not mask:
            return None
        ascii_text = text.isascii()
        if mask == self._everything:
            return self._whole(ascii_text).search(text)
        single = self._single[ascii_text]
        best: re.Match[str] | None = None
        index = 0
        while mask:
            if mask & 1:
                pattern = single[index]
                if pattern is None:
                    pattern = single[index] = self._compiled(self._alternatives[index], ascii_text)
                found = pattern.search(text)
                if found is not None and (best is None or found.start() < best.start()):
                    best = found
            mask >>= 1
            index += 1
        return best

    def finditer(self, text: str) -> Iterator[re.Match[str]]:
        pattern = self._for(text)
        return pattern.finditer(text) if pattern is not None else iter(())

    def findall(self, text: str) -> list[Any]:
        pattern = self._for(text)
        return pattern.findall(text) if pattern is not None else []


def fast(pattern: re.Pattern[str]) -> FastPattern:
    return FastPattern(pattern)


_ASCII_LETTERS = bytes(range(65, 91)) + bytes(range(97, 123))


def letter_count(text: str) -> int:
    """How many characters of ``text`` are letters (``str.isalpha``), counted in C for
    ASCII text, where the letters are exactly A-Z and a-z."""
    if text.isascii():
        raw = text.encode("ascii")
        return len(raw) - len(raw.translate(None, _ASCII_LETTERS))
    return sum(char.isalpha() for char in text)


def _grouped(by_needle: dict[str, int]) -> tuple[tuple[str, int, tuple[tuple[str, int], ...]], ...]:
    """The needles under a few short keys, each a part of every needle under it: a text
    without the key has none of them, so most texts are checked for the keys alone.
    Each group is (key, alternatives of the needle that is the key itself, other needles).

    Each round takes the key that the most needles not yet under a key have among their
    grams (the least such key, on a tie), and puts under it every such needle that holds
    it. The counts are kept from round to round, less the needles put under a key."""
    uncovered = sorted(by_needle)
    grams_of: dict[str, set[str]] = {}
    counts: dict[str, int] = {}
    for needle in uncovered:
        last = len(needle) - _KEY_LENGTH + 1
        grams = grams_of[needle] = {needle[start : start + _KEY_LENGTH] for start in range(last)} or {needle}
        for gram in grams:
            counts[gram] = counts.get(gram, 0) + 1
    groups = []
    while uncovered:
        most = max(counts.values())
        key = min(gram for gram, count in counts.items() if count == most)
        under = [needle for needle in uncovered if key in needle]
        uncovered = [needle for needle in uncovered if key not in needle]
        for needle in under:
            for gram in grams_of[needle]:
                left = counts[gram] - 1
                if left:
                    counts[gram] = left
                else:
                    del counts[gram]
        direct = by_needle.get(key, 0) if key in under else 0
        members = tuple((needle, by_needle[needle]) for needle in under if needle != key)
        groups.append((key, direct, members))
    return tuple(groups)


def _alternatives(pattern: re.Pattern[str]) -> list[tuple[str, Any]]:
    """The pattern's top-level alternatives, each with its parse (None when it was not
    parsed), or the whole pattern when splitting it could change what it means (groups
    that could be referred to, flags set inside it)."""
    source = pattern.pattern
    if pattern.groups or pattern.flags & ~re.UNICODE:
        return [(source, _parsed(source, pattern.flags))]
    parts: list[str] = []
    depth = 0
    start = 0
    index = 0
    in_class = False
    while index < len(source):
        char = source[index]
        if char == "\\":
            index += 2
            continue
        if in_class:
            if char == "]":
                in_class = False
        elif char == "[":
            in_class = True
            # A "]" (after an optional "^") first in a class is a member, not its end.
            if source[index + 1 : index + 2] == "^":
                index += 1
            if source[index + 1 : index + 2] == "]":
                index += 1
        elif char == "(":
            depth += 1
        elif char == ")":
            depth -= 1
        elif char == "|" and depth == 0:
            parts.append(source[start:index])
            start = index + 1
        index += 1
    parts.append(source[start:])
    # Each part must stand alone as a pattern, or the split is not trusted. Parsing is
    # the check: compiling adds only the look-behind checks, and a part's look-behinds
    # (never split, being inside parentheses) are the whole pattern's, which compiled.
    # The parse is kept for the needles, so no part is parsed twice or compiled early.
    try:
        if _sre_parse is None:
            return [(part, re.compile(part, pattern.flags) and None) for part in parts]
        return [(part, _sre_parse.parse(part, pattern.flags)) for part in parts]
    except (re.error, RecursionError):
        return [(source, _parsed(source, pattern.flags))]


def _parsed(source: str, flags: int) -> Any:
    """The parse of a pattern that compiled, or None if it cannot be had."""
    if _sre_parse is None:
        return None
    try:
        return _sre_parse.parse(source, flags)
    except Exception:
        return None


def _needles_of(parsed: Any, flags: int) -> Needles | None:
    """Strings at least one of which every match of an alternative contains (``parsed``:
    its parse), or None."""
    if parsed is None or flags & re.IGNORECASE:
        return None
    needles = _sequence(list(parsed))
    if not needles or "" in needles:
        return None
    return needles


def _sequence(items: list[tuple[Any, Any]]) -> Needles | None:
    """The best needle set among the elements that every match of this sequence contains."""
    candidates: list[Needles] = []
    run: list[str] = []

    def close_run() -> None:
        if run:
            candidates.append(frozenset({"".join(run)}))
            run.clear()

    for op, argument in items:
        if op is _sre.LITERAL:
            run.append(chr(argument))
            continue
        close_run()
        found: Needles | None = None
        if op is _sre.SUBPATTERN:
            _, add_flags, _, body = argument
            if not add_flags & re.IGNORECASE:
                found = _sequence(list(body))
        elif op is _sre.ATOMIC_GROUP:
            found = _sequence(list(argument))
        elif op is _sre.BRANCH:
            found = _branch(argument[1])
        elif op in (_sre.MAX_REPEAT, _sre.MIN_REPEAT, _sre.POSSESSIVE_REPEAT):
            minimum, _, body = argument
            if minimum >= 1:
                found = _sequence(list(body))
        # Anything else (classes, anchors, lookarounds, references) needs no fixed string.
        if found:
            candidates.append(found)
    close_run()
    if not candidates:
        return None
    return max(candidates, key=_quality)


def _branch(branches: list[Any]) -> Needles | None:
    union: set[str] = set()
    for branch in branches:
        needles = _sequence(list(branch))
        if needles is None:
            return None
        union |= needles
    # A needle that contains another is redundant: the shorter is found whenever it is.
    return frozenset(n for n in union if not any(o != n and o in n for o in union))


def _quality(needles: Needles) -> tuple[int, int]:
    weakest = min(map(_weight, needles))
    return min(weakest, _ENOUGH_WEIGHT), -len(needles)


@functools.lru_cache(maxsize=4096)
def _weight(needle: str) -> int:
    """The needle's letters: spaces count for nothing, a letter outside ASCII for three."""
    return sum(_letter_weight(char) for char in needle)


def _letter_weight(char: str) -> int:
    if char.isspace():
        return 0
    return 1 if char.isascii() else 3

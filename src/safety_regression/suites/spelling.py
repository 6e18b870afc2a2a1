"""Categories that look like a slip of the pen: a warning naming the near name, not an error.

A category of a user's own is allowed (it gets ``gate.default_weight``), so a misspelt one
("cybersecurty" beside "cybersecurity") would silently become a category of its own: its
cases would leave the category they were written for, be gated apart, and weigh the
default weight. It is not refused, since a name of one's own may be close to a built-in
one on purpose ("piracy" beside "privacy"), but each such name gets one warning, at its
first case. ``suite validate`` prints the warnings, and a run prints them and puts them in
its report.

A name is suspect when it is close (difflib ratio of at least ``CUTOFF``, letter case
ignored) to a built-in category or capability family, to a category of the built-in cases
of the same suite, or to another category of the user's that more cases use (or as many,
first written earlier). Names that differ only in their digits (``tier1``, ``tier2``) are
not suspect, nor is a name the config declares (``gate.category_weights``,
``gate.gating_categories``, ``gate.distribution``).
"""

from __future__ import annotations

import difflib
import re
from collections import Counter
from collections.abc import Collection, Iterable, Sequence

from safety_regression.redaction import shown_name
from safety_regression.suites.categories import BUILTIN_CATEGORIES, CAPABILITY_FAMILIES, RETIRED_CATEGORIES
from safety_regression.suites.model import Case

CUTOFF = 0.85
"""How alike two names must be (``difflib.SequenceMatcher.ratio``) to be taken for a slip."""

KNOWN_CATEGORIES = frozenset(
    [*(category.id for category in BUILTIN_CATEGORIES), *CAPABILITY_FAMILIES, *RETIRED_CATEGORIES]
)


def category_warnings(
    own: Sequence[tuple[Case, str]], others: Iterable[str] = (), declared: Collection[str] = ()
) -> list[str]:
    """A warning, ``file:line: category: ...``, for each category of ``own`` (the cases of a
    user's suite files, with where each starts) that looks like a slip of a known one.
    ``others`` are the categories of the rest of the suite (built-in cases); ``declared``,
    names the config gives, which are never warned about."""
    counts = Counter(case.category for case, _ in own)
    first: dict[str, tuple[int, str]] = {}
    for order, (case, where) in enumerate(own):
        first.setdefault(case.category, (order, where))
    established = KNOWN_CATEGORIES | set(others)
    warnings = []
    for name, (order, where) in first.items():
        if name in established or name in declared:
            continue
        near = _near(name, established)
        if near is None:
            peers = [
                other
                for other in counts
                if other != name
                and other not in established
                and (counts[other], -first[other][0]) > (counts[name], -order)
            ]
            near = _near(name, peers)
        if near is not None:
            what = "a built-in category" if near in KNOWN_CATEGORIES else "a category of the suite"
            cases = "its case forms" if counts[name] == 1 else f"its {counts[name]} cases form"
            warnings.append(
                f"{where}: category: {shown_name(name)}: did you mean {near!r} ({what})? "
                f"As written {cases} a category of its own, gated apart"
            )
    return warnings


def _near(name: str, candidates: Iterable[str]) -> str | None:
    by_folded: dict[str, str] = {}
    for candidate in sorted(candidates):
        if not _only_digits_differ(name, candidate):
            by_folded.setdefault(candidate.casefold(), candidate)
    close = difflib.get_close_matches(name.casefold(), list(by_folded), n=1, cutoff=CUTOFF)
    return by_folded[close[0]] if close else None


def _only_digits_differ(first: str, second: str) -> bool:
    """``tier_1`` and ``tier_12``; not ``Privacy`` and ``privacy`` (those differ in case only)."""
    folded, other = first.casefold(), second.casefold()
    return folded != other and _DIGITS.sub("#", folded) == _DIGITS.sub("#", other)


_DIGITS = re.compile(r"[0-9]+")

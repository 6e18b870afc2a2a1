"""Resolving suite references (``builtin:NAME`` or a file path) and merging them into one suite.

``builtin:domain/<pack>`` is not a suite of its own: it chooses the domain packs of the
built-in tiers listed with it (a tier keeps its general categories and only those packs).

Every problem is reported as ``file:line: field: message`` so a user can jump to it.
"""

from __future__ import annotations

import shlex
from collections.abc import Collection, Sequence
from pathlib import Path

from safety_regression.errors import SuiteError
from safety_regression.redaction import looks_like_key
from safety_regression.suites.builtin import (
    BUILTIN_PREFIX,
    PACK_PREFIX,
    builtin_names,
    load_builtin,
    manifest,
    parse_pack,
)
from safety_regression.suites.files import SUITE_SUFFIXES, CaseCollection
from safety_regression.suites.model import Suite
from safety_regression.suites.spelling import category_warnings

BUILTIN_PACKS = BUILTIN_PREFIX + PACK_PREFIX
"""How a reference choosing a domain pack starts (``builtin:domain/``)."""


def load_suite(
    references: Sequence[str], base_dir: Path | None = None, *, declared: Collection[str] = ()
) -> Suite:
    """Load and merge suites named by ``builtin:NAME`` or by path (relative to ``base_dir``).

    Every problem in the suite files is reported, not just the first: one SuiteError with
    a line per problem (the first ``MAX_SHOWN_PROBLEMS`` of them, then their count).
    A category of a file that looks like a slip of another is a warning in
    ``Suite.warnings`` (``declared``: category names the config gives, never warned about).
    """
    if not references:
        raise SuiteError("suite: name at least one suite (for example builtin:standard)")
    wrong: list[tuple[int, str]] = []
    chosen: list[str] = []
    for index, reference in enumerate(references):
        try:
            pack = parse_pack(reference)
        except SuiteError as exc:
            wrong.append((index, str(exc).removeprefix("suite: ")))
        else:
            chosen += [pack] if pack is not None else []
    packs = frozenset(chosen) if chosen else None
    others = [reference for reference in references if not reference.startswith(BUILTIN_PACKS)]
    if packs is not None and not any(_is_tier(reference) for reference in others):
        raise SuiteError(
            f"suite: {BUILTIN_PREFIX}domain/{chosen[0]} chooses a domain pack for a built-in tier; "
            f"list a tier with it, e.g. suite: [{BUILTIN_PREFIX}standard, {BUILTIN_PREFIX}domain/{chosen[0]}]"
        )
    wrong += _overlaps(references)
    overlapping = {index for index, _ in wrong}  # not read: their cases would all be repeats
    collection = CaseCollection()
    built_in_categories: set[str] = set()
    names: list[str] = []
    files: list[str] = []
    for index, reference in enumerate(references):
        if reference.startswith(BUILTIN_PACKS) or index in overlapping:
            continue
        if reference.startswith(BUILTIN_PREFIX):
            if reference.removeprefix(BUILTIN_PREFIX) not in builtin_names():
                known = ", ".join(BUILTIN_PREFIX + name for name in builtin_names())
                wrong.append((index, f"unknown built-in suite {reference} (known: {known})"))
                continue
            built = load_builtin(reference.removeprefix(BUILTIN_PREFIX), packs)
            names.append(f"{reference}@{built.version}")
            for case, where in built.cases:
                collection.add(case, where, own=False)
                built_in_categories.add(case.category)
        else:
            path, problem = _suite_file(reference, base_dir)
            if path is None:
                wrong.append((index, problem))
                continue
            names.append(reference)
            files.append(str(path))
            collection.read(path)
    if wrong:
        found = problems_message(collection.problems, files).splitlines() if collection.problems else []
        raise SuiteReferenceError(sorted(wrong), found)
    if collection.problems:
        raise SuiteError(problems_message(collection.problems, files))
    if not collection.cases:
        raise SuiteError(f"suite: {', '.join(references)} holds no cases")
    if packs is not None:
        names.append(f"{BUILTIN_PREFIX}domain/" + "+".join(sorted(packs)))
    warnings = category_warnings(collection.own, built_in_categories, declared)
    return Suite(name="+".join(names), cases=tuple(collection.cases), warnings=tuple(warnings))


MAX_SHOWN_PROBLEMS = 20
"""Most problems of the suite files one error lists; ``suite validate`` lists them all."""


def problems_message(problems: Sequence[str], files: Sequence[str]) -> str:
    """The problems, one a line, then how many there are: the first ``MAX_SHOWN_PROBLEMS``."""
    if len(problems) == 1:
        return problems[0]
    shown = list(problems[:MAX_SHOWN_PROBLEMS])
    where = ", ".join(files) or "the suite"
    count = f"{len(problems)} problems in {where}"
    if len(problems) > len(shown):
        listed = " ".join(shlex.quote(file) for file in files)
        count += f" (the first {len(shown)} above; 'safety-regression suite validate {listed}' lists all)"
    return "\n".join([*shown, count])


class SuiteReferenceError(SuiteError):
    """Mistakes in the list of suite references itself: each ``(index, problem)`` names the
    reference to fix, so that a caller holding the config can name its line (``problem``
    is the message without the location). ``also``: the problems found meanwhile in the
    files that could be read, a line each."""

    def __init__(self, problems: Sequence[tuple[int, str]], also: Sequence[str] = ()) -> None:
        super().__init__("\n".join([*(f"suite: {problem}" for _, problem in problems), *also]))
        self.problems, self.also = list(problems), list(also)


def _overlaps(references: Sequence[str]) -> list[tuple[int, str]]:
    """References that hold the same cases: the same one twice, or two built-in tiers
    (tiers nest, so the smaller one's cases are all in the larger one)."""
    found: list[tuple[int, str]] = []
    first: dict[str, int] = {}
    tiers = list(manifest().tiers)
    for index, reference in enumerate(references):
        if reference in first:
            found.append((index, f"{reference} is listed twice; list it once"))
        first.setdefault(reference, index)
    listed = sorted(
        {(tiers.index(r.removeprefix(BUILTIN_PREFIX)), first[r], r) for r in references if _is_tier(r)}
    )
    if len(listed) > 1:
        *smaller, (_, _, larger) = listed
        for _, index, tier in smaller:
            found.append((index, f"{tier} is contained in {larger}; list one of them"))
    return found


def _is_tier(reference: str) -> bool:
    return reference.startswith(BUILTIN_PREFIX) and reference.removeprefix(BUILTIN_PREFIX) in manifest().tiers


def _suite_file(reference: str, base_dir: Path | None) -> tuple[Path | None, str]:
    """The suite file a reference names, or None and why it cannot be read."""
    path = Path(reference)
    if not path.is_absolute() and base_dir is not None:
        path = base_dir / path
    if not path.is_file():
        key_shaped = looks_like_key(Path(reference).name)  # a key pasted as a suite: not repeated
        shown = "(a name shaped like an API key, not repeated here)" if key_shaped else reference
        return None, f"{shown}: no such file"
    if path.suffix not in SUITE_SUFFIXES:
        return None, f"{reference}: expected a .jsonl, .yaml or .yml file"
    return path, ""

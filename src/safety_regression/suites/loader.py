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
from safety_regression.suites.builtin import BUILTIN_PREFIX, load_builtin, manifest, parse_pack
from safety_regression.suites.files import SUITE_SUFFIXES, CaseCollection
from safety_regression.suites.model import Suite
from safety_regression.suites.spelling import category_warnings


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
    chosen = [pack for pack in map(parse_pack, references) if pack is not None]
    packs = frozenset(chosen) if chosen else None
    others = [reference for reference in references if parse_pack(reference) is None]
    if packs is not None and not any(_is_tier(reference) for reference in others):
        raise SuiteError(
            f"suite: {BUILTIN_PREFIX}domain/{chosen[0]} chooses a domain pack for a built-in tier; "
            f"list a tier with it, e.g. suite: [{BUILTIN_PREFIX}standard, {BUILTIN_PREFIX}domain/{chosen[0]}]"
        )
    _no_overlap(references)
    collection = CaseCollection()
    built_in_categories: set[str] = set()
    names: list[str] = []
    files: list[str] = []
    for index, reference in enumerate(references):
        if parse_pack(reference) is not None:
            continue
        if reference.startswith(BUILTIN_PREFIX):
            built = load_builtin(reference.removeprefix(BUILTIN_PREFIX), packs)
            names.append(f"{reference}@{built.version}")
            for case, where in built.cases:
                collection.add(case, where, own=False)
                built_in_categories.add(case.category)
        else:
            path = _suite_file(reference, base_dir, index)
            names.append(reference)
            files.append(str(path))
            collection.read(path)
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
    """A mistake in the list of suite references itself: ``index`` is the reference to fix,
    so that a caller holding the config can name its line (``problem`` is the message
    without the location)."""

    def __init__(self, index: int, problem: str) -> None:
        super().__init__(f"suite: {problem}")
        self.index, self.problem = index, problem


def _no_overlap(references: Sequence[str]) -> None:
    """Two references that hold the same cases: the same one twice, or two built-in tiers
    (tiers nest, so the smaller one's cases are all in the larger one)."""
    first: dict[str, int] = {}
    tiers = list(manifest().tiers)
    for index, reference in enumerate(references):
        if reference in first:
            raise SuiteReferenceError(index, f"{reference} is listed twice; list it once")
        first[reference] = index
    listed = [
        (tiers.index(r.removeprefix(BUILTIN_PREFIX)), i, r) for i, r in enumerate(references) if _is_tier(r)
    ]
    if len(listed) > 1:
        (_, index, smaller), *_, (_, _, larger) = sorted(listed)
        raise SuiteReferenceError(index, f"{smaller} is contained in {larger}; list one of them")


def _is_tier(reference: str) -> bool:
    return reference.startswith(BUILTIN_PREFIX) and reference.removeprefix(BUILTIN_PREFIX) in manifest().tiers


def _suite_file(reference: str, base_dir: Path | None, index: int) -> Path:
    path = Path(reference)
    if not path.is_absolute() and base_dir is not None:
        path = base_dir / path
    if not path.is_file():
        key_shaped = looks_like_key(Path(reference).name)  # a key pasted as a suite: not repeated
        shown = "(a name shaped like an API key, not repeated here)" if key_shaped else reference
        raise SuiteReferenceError(index, f"{shown}: no such file")
    if path.suffix not in SUITE_SUFFIXES:
        raise SuiteReferenceError(index, f"{reference}: expected a .jsonl, .yaml or .yml file")
    return path

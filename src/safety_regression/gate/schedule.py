"""The sequential design's look schedule, known before anything is asked (``plan``). Pure.

A sequential run asks every benign and capability case with its first look, and each harm
category's source prompts in the pre-registered order, in batches ending at equal
fractions of them (``gate.sequential.batch``). The schedule is what each look has asked
when no category is decided before the last: the most a run can ask, which is the fixed
design's whole suite.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

from safety_regression.gate.sequential import preregistered_order
from safety_regression.stats.sequential import Plan
from safety_regression.suites.model import Case, Expect


@dataclass(frozen=True)
class LookSchedule:
    looks: int
    always: int
    """Benign and capability cases: asked whole with the first look."""
    categories: dict[str, tuple[int, ...]]
    """Harm category -> the source prompts it has asked by the end of each look."""
    cases: tuple[int, ...]
    """Cases asked by the end of each look when no category is decided before the last;
    the last is the whole suite, the fixed design's."""


def look_schedule(cases: Sequence[Case], looks: int, seed: int) -> LookSchedule:
    """The schedule of ``cases`` under ``looks`` looks and the design's ``seed``."""
    harm: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    always = 0
    for case in cases:
        if case.expect is Expect.REFUSE:
            harm[case.category][case.source_id or case.id] += 1
        else:
            always += 1
    by_look = [always] * looks
    categories: dict[str, tuple[int, ...]] = {}
    for name in sorted(harm):
        clusters = harm[name]
        order = preregistered_order(clusters, seed, name)
        ends = Plan(looks, 0.5).look_ends(len(order))
        categories[name] = tuple(ends)
        for look, end in enumerate(ends):
            by_look[look] += sum(clusters[cluster] for cluster in order[:end])
    return LookSchedule(looks=looks, always=always, categories=categories, cases=tuple(by_look))

"""Helpers shared by the gate's sections: per-prompt scores, means, Wilson intervals, and the
clustered paired test (cases that share a source prompt are one unit)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from safety_regression import stats
from safety_regression.config import StatTest
from safety_regression.gate.pairing import PairedCase
from safety_regression.gate.result import Interval, RateIntervals


def scores(cases: Sequence[PairedCase]) -> tuple[list[float], list[float]]:
    """Per-prompt scores of the base and the fine-tuned model, paired by position."""
    return [c.base.score for c in cases], [c.finetuned.score for c in cases]


def mean(values: Sequence[float]) -> float:
    return sum(values) / len(values) if values else 0.0


def intervals(base: Sequence[float], finetuned: Sequence[float]) -> RateIntervals:
    # Intervals are over prompts, not samples: samples of one prompt are not independent.
    def wilson(values: Sequence[float]) -> Interval:
        low, high = stats.wilson_interval(sum(values), len(values))
        return Interval(low=low, high=high)

    return RateIntervals(base=wilson(base), finetuned=wilson(finetuned))


@dataclass(frozen=True)
class PairedTest:
    p_value: float
    lost: int
    gained: int
    method: str
    clusters: int
    units: tuple[stats.Cluster, ...] = ()
    """The clusters tested, so the drop bound can reuse them instead of building them again."""


def clusters_of(
    cases: Sequence[PairedCase], *, base_higher: bool, singletons: bool = False
) -> list[stats.Cluster]:
    """The cases grouped by source prompt, each as one paired cluster of scores.

    ``singletons``: every case is known to be a cluster of its own (``Pairing.singletons``),
    so the clusters are the cases in order. Clusters are immutable, so equal ones (with one
    sample per prompt there are only four) are then one shared object.
    """
    if singletons:
        made: dict[tuple[float, float], stats.Cluster] = {}
        shared = []
        for case in cases:
            key = (case.base.score, case.finetuned.score)
            cluster = made.get(key)
            if cluster is None:
                base_score, finetuned_score = key
                cluster = made[key] = (
                    stats.Cluster((base_score,), (finetuned_score,))
                    if base_higher
                    else stats.Cluster((finetuned_score,), (base_score,))
                )
            shared.append(cluster)
        return shared
    grouped: dict[str, list[PairedCase]] = {}
    for case in cases:
        members = grouped.get(case.cluster)
        if members is None:
            grouped[case.cluster] = [case]
        else:
            members.append(case)
    found = []
    base: tuple[float, ...]
    finetuned: tuple[float, ...]
    for members in grouped.values():
        if len(members) == 1:  # the usual cluster: one case
            (only,) = members
            base, finetuned = (only.base.score,), (only.finetuned.score,)
        else:
            base = tuple([c.base.score for c in members])
            finetuned = tuple([c.finetuned.score for c in members])
        found.append(stats.Cluster(base, finetuned) if base_higher else stats.Cluster(finetuned, base))
    return found


def paired_test(
    cases: Sequence[PairedCase],
    samples: int,
    test: StatTest,
    *,
    base_higher: bool,
    singletons: bool = False,
) -> PairedTest:
    """One-sided test that the side expected higher (base if ``base_higher``) scores more.

    McNemar (the default) is the clustered sign-flip test, which is exact McNemar with one
    sample per prompt and no shared source prompts; Fisher and the z-test are unpaired.
    """
    clusters = clusters_of(cases, base_higher=base_higher, singletons=singletons)
    if test is StatTest.MCNEMAR:
        outcome = stats.sign_flip_test(clusters)
        return PairedTest(
            outcome.p_value, outcome.lost, outcome.gained, outcome.method, len(clusters), tuple(clusters)
        )
    base, finetuned = scores(cases)
    higher, lower = (base, finetuned) if base_higher else (finetuned, base)
    classic = stats.p_value_greater(higher, lower, samples, test)
    return PairedTest(
        classic.p_value, classic.lost, classic.gained, classic.method, len(clusters), tuple(clusters)
    )

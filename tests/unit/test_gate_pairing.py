"""Pairing's shortcuts (issue 11) give what the general grouping gives.

``pair`` skips building groups when every case has one result on each side, and
``clusters_of`` skips grouping by source prompt when every case is its own cluster; both
are checked here against the general route on random snapshots with every outcome,
label and expectation, missing cases, changed content hashes and shared source prompts.
"""

from __future__ import annotations

import random

import pytest

from safety_regression.config import PartialPolicy
from safety_regression.endpoints.base import OutcomeKind
from safety_regression.gate import pairing
from safety_regression.gate.rates import clusters_of
from safety_regression.judges.base import Label
from safety_regression.snapshot import CaseResult, Snapshot
from safety_regression.suites.model import Expect
from tests.unit.test_gate import snapshot


def _results(rng: random.Random, n: int, *, shared_sources: bool) -> list[CaseResult]:
    results = []
    for i in range(n):
        expect = rng.choice([Expect.REFUSE, Expect.REFUSE, Expect.COMPLY, Expect.ANSWER])
        outcome = rng.choice([*OutcomeKind])
        label = None if outcome in (OutcomeKind.ERROR, OutcomeKind.EMPTY) else rng.choice([*Label])
        results.append(
            CaseResult(
                case_id=f"c{i}",
                case_hash=f"h{i}" if rng.random() > 0.05 else f"changed{i}",
                category=rng.choice(["a", "b", "c"]),
                expect=expect,
                outcome=outcome,
                label=label,
                correct=rng.random() < 0.7 if expect is Expect.ANSWER else None,
                judge="rules/1" if label else None,
                source_id=f"s{rng.randrange(n // 3)}" if shared_sources and rng.random() < 0.5 else None,
            )
        )
    rng.shuffle(results)
    return [r for r in results if rng.random() > 0.03]


def _general(reference: Snapshot, candidate: Snapshot, partial: PartialPolicy) -> pairing.Pairing:
    grouped, hashes = pairing._group(reference.results)
    groups = pairing._group(candidate.results)[0].items()
    return pairing._pairing(groups, grouped.__getitem__, hashes, reference, candidate, partial)


@pytest.mark.parametrize("seed", range(8))
@pytest.mark.parametrize("partial", [*PartialPolicy])
def test_one_result_per_case_pairs_as_the_general_grouping_does(seed: int, partial: PartialPolicy) -> None:
    rng = random.Random(seed)
    reference = snapshot("b", _results(rng, 300, shared_sources=seed % 2 == 0))
    candidate = snapshot("f", _results(rng, 300, shared_sources=seed % 2 == 0))
    fast = pairing.pair(reference, candidate, partial)
    assert fast == _general(reference, candidate, partial)
    assert fast.cases and fast.excluded and fast.unpaired
    assert fast.singletons is (seed % 2 == 1)


@pytest.mark.parametrize("seed", range(6))
@pytest.mark.parametrize("base_higher", [True, False])
def test_clusters_of_singletons_are_the_grouped_clusters(seed: int, base_higher: bool) -> None:
    rng = random.Random(seed)
    found = pairing.pair(
        snapshot("b", _results(rng, 300, shared_sources=False)),
        snapshot("f", _results(rng, 300, shared_sources=False)),
        PartialPolicy.REFUSAL,
    )
    assert found.singletons
    for cases in found.of(Expect.REFUSE).values():
        shared = clusters_of(cases, base_higher=base_higher, singletons=True)
        grouped = clusters_of(cases, base_higher=base_higher)
        assert shared == grouped
        assert [(c.total, c.mean) for c in shared] == [(c.total, c.mean) for c in grouped]


def test_multi_sample_snapshots_take_the_general_route() -> None:
    results = [
        CaseResult(
            case_id=f"c{i // 3}",
            case_hash=f"h{i // 3}",
            category="a",
            expect=Expect.REFUSE,
            sample=i % 3,
            outcome=OutcomeKind.ANSWERED,
            label=Label.REFUSAL if i % 2 else Label.COMPLIANCE,
            judge="rules/1",
        )
        for i in range(30)
    ]
    reference, candidate = snapshot("b", results, samples=3), snapshot("f", results[::-1], samples=3)
    found = pairing.pair(reference, candidate, PartialPolicy.REFUSAL)
    assert found == _general(reference, candidate, PartialPolicy.REFUSAL)
    assert [len(c.finetuned.results) for c in found.cases] == [3] * 10


@pytest.mark.parametrize("samples", [1, 3])
def test_failed_counts_every_failed_request_of_both_models(samples: int) -> None:
    """``failed`` (report.json's ``categories[].errors``) is every request that failed or
    went unjudged, base and fine-tuned, every sample: not one per excluded case (found in
    review: a case whose two sides both failed counted once, a failed sample of a case that
    still paired not at all)."""
    rng = random.Random(samples)
    results = []
    for i in range(60 * samples):
        roll = rng.random()
        outcome = (
            OutcomeKind.ERROR if roll < 0.2 else OutcomeKind.EMPTY if roll < 0.3 else OutcomeKind.ANSWERED
        )
        answered = outcome is OutcomeKind.ANSWERED
        label = (Label.UNJUDGED if rng.random() < 0.1 else Label.REFUSAL) if answered else None
        results.append(
            CaseResult(
                case_id=f"c{i // samples}",
                case_hash=f"h{i // samples}",
                category="ab"[(i // samples) % 2],
                expect=Expect.REFUSE,
                sample=i % samples,
                outcome=outcome,
                label=label,
                judge="rules/1" if label else None,
            )
        )
    reference, candidate = (
        snapshot("b", results, samples=samples),
        snapshot("f", results[::-1], samples=samples),
    )
    found = pairing.pair(reference, candidate, PartialPolicy.REFUSAL)
    for category in "ab":
        failed = sum(1 for r in results if r.category == category and not pairing.usable(r))
        assert found.failed_in(Expect.REFUSE, category) == 2 * failed
        assert found.failed_in(Expect.REFUSE, category) > found.excluded[Expect.REFUSE, category]

"""The clustered sign-flip test, the drop bound and pass planning: references and simulations.

References are computed here (scipy's binomial test, brute-force enumeration); decision
rules are checked by simulation with fixed seeds, sized to run in seconds. Each rate
check allows three standard errors of Monte-Carlo noise and no more.
"""

from __future__ import annotations

import math
from itertools import product

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats as scipy_stats

from safety_regression import stats
from safety_regression.config import StatTest
from safety_regression.stats import Cluster


def _tolerance(rate: float, runs: int) -> float:
    return 3 * math.sqrt(rate * (1 - rate) / runs)


def singletons(base: np.ndarray, finetuned: np.ndarray) -> list[Cluster]:
    return [Cluster((float(b),), (float(f),)) for b, f in zip(base, finetuned, strict=True)]


@given(
    lost=st.integers(0, 60),
    gained=st.integers(0, 60),
    same=st.integers(0, 40),
)
@settings(max_examples=60, deadline=None)
def test_one_sample_one_prompt_per_cluster_is_exact_mcnemar(lost: int, gained: int, same: int) -> None:
    clusters = (
        [Cluster((1.0,), (0.0,))] * lost
        + [Cluster((0.0,), (1.0,))] * gained
        + [Cluster((1.0,), (1.0,))] * same
    )
    outcome = stats.sign_flip_test(clusters)
    expected = (
        1.0
        if lost + gained == 0
        else scipy_stats.binomtest(lost, lost + gained, 0.5, alternative="greater").pvalue
    )
    assert outcome.p_value == pytest.approx(expected, rel=1e-12, abs=1e-300)
    assert (outcome.lost, outcome.gained) == (lost, gained)
    if lost + gained:
        assert outcome.method == "exact McNemar"


def _brute_force(totals: list[float]) -> float:
    observed = sum(totals)
    signs = list(product((1, -1), repeat=len(totals)))
    hits = sum(1 for s in signs if sum(x * t for x, t in zip(s, totals, strict=True)) >= observed - 1e-9)
    return hits / len(signs)


def test_the_exact_test_enumerates_every_sign_flip() -> None:
    rng = np.random.default_rng(1)
    for _ in range(20):
        clusters = []
        for _ in range(int(rng.integers(3, 11))):
            size = int(rng.integers(1, 4))
            # Unequal successful samples per side: shares over 1..5 samples.
            higher = tuple(int(rng.integers(0, d + 1)) / d for d in rng.integers(1, 6, size))
            lower = tuple(int(rng.integers(0, d + 1)) / d for d in rng.integers(1, 6, size))
            clusters.append(Cluster(higher, lower))
        outcome = stats.sign_flip_test(clusters)
        assert outcome.exact
        moving = [c.total for c in clusters if abs(c.total) > 1e-9]
        expected = _brute_force(moving) if moving else 1.0
        assert outcome.p_value == pytest.approx(expected, abs=1e-12)


def test_monte_carlo_agrees_with_exact_and_is_reproducible() -> None:
    rng = np.random.default_rng(2)
    # Shares over 7, 11 and 13 samples: a lattice too fine to enumerate.
    clusters = [
        Cluster((int(rng.integers(5, 8)) / 7,), (int(rng.integers(0, 12)) / 11 * 0.9 + 1 / 13,))
        for _ in range(40)
    ]
    first = stats.sign_flip_test(clusters)
    assert not first.exact and "Monte Carlo" in first.method
    assert stats.sign_flip_test(clusters) == first, "a fixed seed gives the same p-value"
    # Against a normal approximation of the same permutation distribution (many clusters).
    totals = np.array([c.total for c in clusters])
    z = totals.sum() / math.sqrt(float(np.sum(totals**2)))
    approx = float(scipy_stats.norm.sf(z))
    assert first.p_value == pytest.approx(approx, abs=0.02)


def _heterogeneous(rng: np.random.Generator, n: int) -> np.ndarray:
    # Per-prompt refusal probabilities: most prompts near-certain, some borderline.
    return np.clip(rng.beta(4, 0.6, n), 0, 1)


@pytest.mark.parametrize("samples", [1, 3, 5, 10])
def test_false_alarms_stay_below_alpha_with_heterogeneous_prompts(samples: int) -> None:
    rng = np.random.default_rng(10 + samples)
    alpha, runs, n = 0.05, 300, 60
    alarms = 0
    for _ in range(runs):
        p = _heterogeneous(rng, n)
        base = rng.binomial(samples, p) / samples
        finetuned = rng.binomial(samples, p) / samples
        outcome = stats.sign_flip_test(singletons(base, finetuned), draws=2_000)
        alarms += outcome.p_value < alpha
    assert alarms / runs <= alpha + _tolerance(alpha, runs)


def _topic_redecisions(
    rng: np.random.Generator, topics: int, per_topic: int
) -> tuple[np.ndarray, np.ndarray]:
    """The fine-tune re-decides whole topics both ways with no net change in refusal rate."""
    refused = rng.random(topics) >= 0.25
    base = np.repeat(refused[:, None], per_topic, axis=1).astype(float)
    # A refused topic flips with 0.1, an answered one with 0.3: 7.5% of topics each way.
    flips = rng.random(topics) < np.where(refused, 0.1, 0.3)
    finetuned = base.copy()
    finetuned[flips] = 1.0 - finetuned[flips]
    return base, finetuned


def test_topic_redecisions_do_not_alarm_when_clustered_by_source() -> None:
    rng = np.random.default_rng(7)
    alpha, runs = 0.05, 400
    clustered = per_prompt = 0
    for _ in range(runs):
        base, finetuned = _topic_redecisions(rng, topics=16, per_topic=6)
        clusters = [Cluster(tuple(b), tuple(f)) for b, f in zip(base, finetuned, strict=True)]
        clustered += stats.sign_flip_test(clusters).p_value < alpha
        per_prompt += stats.sign_flip_test(singletons(base.ravel(), finetuned.ravel())).p_value < alpha
    assert clustered / runs <= alpha + _tolerance(alpha, runs)
    # The test is not vacuous: counting variants as independent prompts does alarm.
    assert per_prompt / runs > 2 * alpha


def test_the_sign_flip_test_keeps_its_power_as_samples_grow() -> None:
    """Broken prompts: a tenth of the prompts lose their refusal entirely."""
    rng = np.random.default_rng(3)
    alpha, runs, n = 0.01, 120, 200
    powers = {}
    classic = {}
    for samples in (1, 5):
        hits = classic_hits = 0
        for _ in range(runs):
            p = np.full(n, 0.9)
            q = p.copy()
            q[: n // 10] = 0.0
            base = rng.binomial(samples, p) / samples
            finetuned = rng.binomial(samples, q) / samples
            hits += stats.sign_flip_test(singletons(base, finetuned), draws=2_000).p_value < alpha
            classic_hits += (
                stats.p_value_greater(list(base), list(finetuned), samples, StatTest.MCNEMAR).p_value < alpha
            )
        powers[samples], classic[samples] = hits / runs, classic_hits / runs
    assert powers[5] >= powers[1] - 0.05
    assert powers[5] > classic[5] + 0.2, (powers, classic)


@pytest.mark.parametrize(("samples", "cluster_size"), [(1, 1), (3, 1), (5, 1), (1, 4), (3, 3)])
def test_the_drop_bound_covers_the_true_drop(samples: int, cluster_size: int) -> None:
    rng = np.random.default_rng(100 + 10 * samples + cluster_size)
    confidence, runs, clusters = 0.95, 400, 40
    misses = 0
    for _ in range(runs):
        p = _heterogeneous(rng, clusters * cluster_size)
        # A real drop of varying size per prompt, about 8 points on average.
        q = np.clip(p - rng.choice([0.0, 0.0, 0.3], p.size) + rng.choice([0.0, 0.05], p.size), 0, 1)
        truth = float(np.mean((p - q).reshape(clusters, cluster_size).mean(axis=1)))
        base = (rng.binomial(samples, p) / samples).reshape(clusters, cluster_size)
        finetuned = (rng.binomial(samples, q) / samples).reshape(clusters, cluster_size)
        found = [Cluster(tuple(b), tuple(f)) for b, f in zip(base, finetuned, strict=True)]
        misses += stats.drop_upper_bound(found, confidence).upper < truth
    miss_rate = 1 - confidence
    assert misses / runs <= miss_rate + _tolerance(miss_rate, runs)


def test_the_drop_bound_is_exact_conservative_at_one_sample() -> None:
    # Exact coverage for a fixed table of true lost / gained probabilities, by summing the
    # multinomial distribution of (lost, gained) counts: no simulation noise.
    n, confidence = 40, 0.99
    for lost_p, gained_p in [(0.1, 0.0), (0.15, 0.05), (0.02, 0.02), (0.3, 0.1)]:
        covered = 0.0
        for lost in range(n + 1):
            for gained in range(n - lost + 1):
                weight = scipy_stats.multinomial.pmf(
                    [lost, gained, n - lost - gained], n, [lost_p, gained_p, 1 - lost_p - gained_p]
                )
                if stats.bound_from_parts(lost, gained, n, confidence).upper >= lost_p - gained_p:
                    covered += weight
        assert covered >= confidence - 1e-12


def test_the_drop_bound_in_simple_cases() -> None:
    unchanged = [Cluster((1.0,), (1.0,))] * 78
    bound = stats.drop_upper_bound(unchanged, 0.99)
    assert bound.estimate == 0
    assert bound.upper == pytest.approx(1 - 0.005 ** (1 / 78))
    assert stats.drop_upper_bound([], 0.99).upper == 1.0
    everything = [Cluster((1.0,), (0.0,))] * 10
    assert stats.drop_upper_bound(everything, 0.99).upper == 1.0


def test_pass_probability_matches_simulating_the_rule() -> None:
    rng = np.random.default_rng(5)
    n, margin, alpha, q, runs = 120, 0.10, 0.01, 0.02, 2_000
    counts = rng.multinomial(n, [q, q, 1 - 2 * q], size=runs)
    passes = sum(
        stats.bound_from_parts(int(lost), int(gained), n, 1 - alpha).upper < margin
        for lost, gained, _ in counts
    )
    expected = stats.pass_probability(n, margin, alpha, q)
    assert passes / runs == pytest.approx(expected, abs=_tolerance(expected, runs))


def test_prompts_to_pass_reaches_both_targets_and_no_fewer_do() -> None:
    n = stats.prompts_to_pass(0.95, 0.10, 0.01, 0.02)
    assert n is not None
    assert stats.pass_probability(n, 0.10, 0.01, 0.02) >= 0.8
    assert stats.power(n, 0.95, 0.10, 0.01, StatTest.MCNEMAR, 0.02) >= 0.8
    previous_pass = stats.pass_probability(n - 1, 0.10, 0.01, 0.02)
    previous_power = stats.power(n - 1, 0.95, 0.10, 0.01, StatTest.MCNEMAR, 0.02)
    assert previous_pass < 0.8 or previous_power < 0.8
    # No prompt flips by chance: only the bound at zero lost prompts matters.
    assert stats.pass_probability(51, 0.10, 0.01, 0.0) == 1.0
    assert stats.pass_probability(50, 0.10, 0.01, 0.0) == 0.0


def test_the_family_wise_rate_is_the_union_bound() -> None:
    assert stats.family_wise_rate([0.01] * 9) == pytest.approx(0.09)
    assert stats.family_wise_rate([0.3] * 5) == 1.0
    assert stats.family_wise_rate([]) == 0.0

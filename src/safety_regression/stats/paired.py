"""Paired, clustered statistics for the three-way decision.

The unit of independence is a cluster: the cases that share a source prompt (its
adversarial transforms, translations, multi-turn variants), each case reduced to the
share of its usable samples that were refusals. A cluster carries the per-case scores of
both models, so clusters whose sides had different numbers of successful samples are
still one paired unit.

Two quantities are computed from clusters:

- ``sign_flip_test``: a one-sided sign-flip permutation test of "the ``higher`` side
  scores more". Under the null hypothesis the two models are exchangeable within every
  cluster, so each cluster's total difference is equally likely to have either sign.
  It is exact (enumerated on the lattice of the scores) when that is cheap, and a
  seeded Monte-Carlo test otherwise. With one sample per prompt and one case per
  cluster the cluster totals are -1, 0 or +1, and the test is exact McNemar.
- ``drop_upper_bound``: a one-sided upper confidence bound on the mean drop per
  cluster. Each cluster's mean difference d splits into a loss max(d, 0) and a gain
  max(-d, 0), both in [0, 1]; the bound is the Clopper-Pearson upper bound on the mean
  loss minus the Clopper-Pearson lower bound on the mean gain, each at half the level
  (a union bound). With one sample per prompt both parts are binomial and the bound is
  exact-conservative; for shares, a sum of independent [0, 1] variables is more
  concentrated than the binomial of the same mean (Hoeffding, 1956), and the tests
  check the coverage by simulation.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from fractions import Fraction
from itertools import chain
from operator import attrgetter
from typing import ClassVar

import numpy as np

from safety_regression.stats import distributions

MONTE_CARLO_DRAWS = 20_000
"""Sign vectors drawn when the exact distribution is too large to enumerate."""
MONTE_CARLO_SEED = 20_260_101
"""Fixed, so the same data always give the same p-value."""
_EXACT_WORK_LIMIT = 20_000_000
_LATTICE_LIMIT = 5_040
_TOLERANCE = 1e-9


@dataclass(frozen=True, slots=True)
class Cluster:
    """One source prompt's cases: per-case scores of the two models, paired by position."""

    higher: tuple[float, ...]
    """Scores of the side expected to be higher when nothing regressed (for harm: the base)."""
    lower: tuple[float, ...]
    total: float = field(init=False, repr=False, compare=False)
    """Sum over the cluster's cases of higher - lower (worked out once, when it is made)."""
    mean: float = field(init=False, repr=False, compare=False)
    """Mean over the cluster's cases of higher - lower, in [-1, 1]."""

    def __post_init__(self) -> None:
        higher, lower = self.higher, self.lower
        # One case per cluster (the usual shape): one test each side, no loop.
        if len(higher) == 1 and len(lower) == 1 and 0 <= higher[0] <= 1 and 0 <= lower[0] <= 1:
            # The same number as the sums below: 0 + x is x for every score in [0, 1].
            total = higher[0] - lower[0]
            object.__setattr__(self, "total", total)
            object.__setattr__(self, "mean", total / 1)
            return
        if len(higher) != len(lower) or not higher:
            raise ValueError("a cluster needs the same number (>= 1) of scores on both sides")
        for side in (higher, lower):
            for score in side:
                if not 0 <= score <= 1:
                    raise ValueError(f"scores are shares in [0, 1], got {score}")
        total = sum(higher) - sum(lower)
        object.__setattr__(self, "total", total)
        object.__setattr__(self, "mean", total / len(higher))


@dataclass(frozen=True)
class SignFlipOutcome:
    __test__: ClassVar[bool] = False

    p_value: float
    lost: int
    """Clusters whose ``higher`` side scored more (for the gate: refusals lost)."""
    gained: int
    method: str
    exact: bool


@dataclass(frozen=True)
class DropBound:
    estimate: float
    """Mean over clusters of the per-cluster mean difference higher - lower."""
    upper: float
    """One-sided upper confidence bound on that mean, at ``confidence``."""
    confidence: float
    clusters: int


def sign_flip_test(
    clusters: Sequence[Cluster], *, draws: int = MONTE_CARLO_DRAWS, seed: int = MONTE_CARLO_SEED
) -> SignFlipOutcome:
    """One-sided sign-flip permutation test of "``higher`` scores more", over clusters."""
    totals = list(map(_TOTAL, clusters))
    lost = sum(1 for t in totals if t > _TOLERANCE)
    gained = sum(1 for t in totals if t < -_TOLERANCE)
    moving = [t for t in totals if abs(t) > _TOLERANCE]
    if not moving:
        return SignFlipOutcome(1.0, 0, 0, _name(clusters, exact=True), exact=True)
    lattice = _lattice(moving)
    if lattice is not None:
        p_value = _exact_p(lattice)
        if p_value is not None:
            return SignFlipOutcome(p_value, lost, gained, _name(clusters, exact=True), exact=True)
    p_value = _monte_carlo_p(np.asarray(moving, dtype=float), draws, seed)
    return SignFlipOutcome(p_value, lost, gained, _name(clusters, exact=False), exact=False)


def drop_upper_bound(clusters: Sequence[Cluster], confidence: float) -> DropBound:
    """Upper confidence bound on the mean per-cluster drop (see the module docstring)."""
    if not 0 < confidence < 1:
        raise ValueError(f"confidence must be in (0, 1), got {confidence}")
    means = list(map(_MEAN, clusters))
    losses = sum(max(d, 0.0) for d in means)
    gains = sum(max(-d, 0.0) for d in means)
    return bound_from_parts(losses, gains, len(means), confidence)


def bound_from_parts(losses: float, gains: float, clusters: int, confidence: float) -> DropBound:
    """The bound from the summed per-cluster losses and gains over ``clusters`` clusters."""
    if clusters == 0:
        return DropBound(0.0, 1.0, confidence, 0)
    half = (1 - confidence) / 2
    upper_loss = clopper_pearson_upper(losses, clusters, half)
    lower_gain = clopper_pearson_lower(gains, clusters, half)
    estimate = (losses - gains) / clusters
    upper = min(1.0, max(estimate, upper_loss - lower_gain))
    return DropBound(estimate, upper, confidence, clusters)


def clopper_pearson_upper(successes: float, trials: int, tail: float) -> float:
    """Upper Clopper-Pearson bound with tail probability ``tail`` (fractional successes allowed)."""
    if successes >= trials - _TOLERANCE:
        return 1.0
    return float(distributions.beta_isf(tail, successes + 1, trials - successes))


def clopper_pearson_lower(successes: float, trials: int, tail: float) -> float:
    if successes <= _TOLERANCE:
        return 0.0
    return float(distributions.beta_ppf(tail, successes, trials - successes + 1))


def family_wise_rate(levels: Sequence[float]) -> float:
    """An upper bound on the chance that at least one of these checks fails falsely.

    Each check falsely fails with probability at most its level, so by the union bound
    (valid whatever the dependence between checks) the family-wise rate is at most the
    sum of the levels, capped at 1.
    """
    return min(1.0, float(sum(levels)))


_TOTAL, _MEAN = attrgetter("total"), attrgetter("mean")
_HIGHER, _LOWER = attrgetter("higher"), attrgetter("lower")


def _name(clusters: Sequence[Cluster], *, exact: bool) -> str:
    if exact and set(map(len, map(_HIGHER, clusters))) <= {1} and _binary(clusters):
        return "exact McNemar"
    how = "exact" if exact else f"Monte Carlo, {MONTE_CARLO_DRAWS} draws, fixed seed"
    return f"sign-flip permutation test over {len(clusters)} source-prompt clusters ({how})"


def _binary(clusters: Sequence[Cluster]) -> bool:
    scores = set(chain.from_iterable(map(_HIGHER, clusters)))
    scores.update(chain.from_iterable(map(_LOWER, clusters)))
    return all(s == 0.0 or s == 1.0 for s in scores)


def _lattice(totals: Sequence[float]) -> list[int] | None:
    """The totals as integers on a common lattice 1/L, or None if none is small enough."""
    if all(float(t).is_integer() for t in totals):
        # What the search below finds for whole totals (one sample per prompt), directly.
        return [int(t) for t in totals]
    fractions = [Fraction(t).limit_denominator(_LATTICE_LIMIT) for t in totals]
    scale = 1
    for value in fractions:
        scale = scale * value.denominator // math.gcd(scale, value.denominator)
        if scale > _LATTICE_LIMIT:
            return None
    integers = [int(value * scale) for value in fractions]
    if any(abs(i / scale - t) > 1e-7 for i, t in zip(integers, totals, strict=True)):
        return None
    return integers


def _exact_p(totals: Sequence[int]) -> float | None:
    """P(sum of randomly signed |totals| >= observed sum), by convolution on the lattice."""
    observed = sum(totals)
    groups = Counter(abs(t) for t in totals)
    if len(groups) == 1:
        # One magnitude v, c clusters: the sum is v(2B - c) with B ~ Bin(c, 1/2); the test
        # is then McNemar's (B = lost) exactly.
        ((v, c),) = groups.items()
        needed = math.ceil((observed / v + c) / 2 - _TOLERANCE)
        return float(distributions.binom_sf(needed - 1, c, 0.5))
    span = sum(abs(t) for t in totals)
    work = 0
    size = 1
    for v, c in groups.items():
        size += 2 * v * c
        work += size * (c + 1)
    if work > _EXACT_WORK_LIMIT:
        return None
    distribution = np.ones(1)
    for v, c in sorted(groups.items()):
        part = np.zeros(2 * v * c + 1)
        part[:: 2 * v] = distributions.binom_pmf(np.arange(c + 1), c, 0.5)
        distribution = np.convolve(distribution, part)
    # distribution[i] is P(sum = i - span).
    start = observed + span
    return min(1.0, max(0.0, float(np.sum(distribution[start:]))))


def _monte_carlo_p(totals: np.ndarray, draws: int, seed: int) -> float:
    rng = np.random.default_rng(seed)
    observed = float(np.sum(totals))
    at_least = 0
    chunk = max(1, 2_000_000 // len(totals))
    done = 0
    while done < draws:
        batch = min(chunk, draws - done)
        signs = rng.integers(0, 2, size=(batch, len(totals)), dtype=np.int8) * 2 - 1
        at_least += int(np.sum(signs @ totals >= observed - _TOLERANCE))
        done += batch
    # Counting the observed arrangement itself keeps the Monte-Carlo test valid.
    return (1 + at_least) / (1 + draws)

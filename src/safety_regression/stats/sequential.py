"""Group-sequential boundaries for the three-way decision (``gate.sequential``).

A category's source prompts are asked in a pre-registered order, in batches that end at
the information fractions ``1/looks, 2/looks, ..., 1`` of its clusters. At each look:

- **fail** when the clustered sign-flip statistic (the sum over clusters of
  base - fine-tuned) crosses a boundary from the Lan-DeMets O'Brien-Fleming spending
  function ``alpha(t) = 2 - 2 Phi(z_{1 - alpha/2} / sqrt(t))``. The boundaries come from
  the exact null distribution of the path of sums, conditional on the observed cluster
  magnitudes (under "no drop" each cluster's sign is a fair coin, independent of its
  magnitude): the recursion keeps the probability mass of the paths that have not yet
  crossed, and each critical value is the smallest one whose cumulative crossing
  probability stays within the spending function. With one sample per prompt this is
  exact McNemar made sequential. When the scores are not on a small lattice the same
  recursion runs on a fixed-seed set of simulated sign vectors instead.
- **pass** when the drop bound, at confidence ``1 - alpha/looks`` at every look (linear
  spending of the pass error, a union bound over looks), is below the margin.

Pure functions over plain numbers; the gate (``gate/sequential.py``) applies them.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction

import numpy as np
from scipy import stats as scipy_stats

from safety_regression.stats.paired import MONTE_CARLO_DRAWS, MONTE_CARLO_SEED

_EXACT_SIZE_LIMIT = 2_000_000
_LATTICE_LIMIT = 5_040
_SLACK = 1e-12


def obrien_fleming_spent(fraction: float, alpha: float) -> float:
    """Lan-DeMets O'Brien-Fleming spending: the one-sided error spent by information ``fraction``."""
    if fraction <= 0:
        return 0.0
    if fraction >= 1:
        return alpha
    z = float(scipy_stats.norm.isf(alpha / 2))
    return float(2 * scipy_stats.norm.sf(z / math.sqrt(fraction)))


@dataclass(frozen=True)
class Plan:
    """The pre-registered design of one category: looks at equal fractions, its level."""

    looks: int
    alpha: float

    def __post_init__(self) -> None:
        if self.looks < 1 or not 0 < self.alpha < 1:
            raise ValueError("a plan needs at least one look and a level in (0, 1)")

    def fraction(self, look: int) -> float:
        return (look + 1) / self.looks

    def fail_spent(self, look: int) -> float:
        """Cumulative false-fail probability allowed by look ``look`` (0-based)."""
        return obrien_fleming_spent(self.fraction(look), self.alpha)

    def pass_level(self, look: int) -> float:
        """The drop bound's tail at look ``look``: alpha split evenly over the looks."""
        return self.alpha / self.looks

    def look_ends(self, clusters: int) -> list[int]:
        """Clusters asked by the end of each look (the last look asks them all)."""
        return [math.ceil(clusters * self.fraction(look)) for look in range(self.looks)]


@dataclass(frozen=True)
class Crossing:
    look: int
    statistic: float
    """Sum over the clusters asked so far of (base - fine-tuned) case scores."""
    critical: float | None
    """The statistic at or above which this look fails; None when no value is allowed."""
    spent: float
    """Cumulative false-fail probability actually spent by this look (at most the plan's)."""
    crossed: bool
    exact: bool


def fail_crossings(batches: Sequence[Sequence[float]], plan: Plan) -> list[Crossing]:
    """The fail boundary at each look so far; ``batches[i]`` holds look i's new cluster totals."""
    if len(batches) > plan.looks:
        raise ValueError(f"{len(batches)} batches for a plan of {plan.looks} looks")
    moving = [t for batch in batches for t in batch]
    scale = lattice(moving) if moving else 1
    if scale is not None:
        exact = _exact(batches, plan, scale)
        if exact is not None:
            return exact
    return _simulated(batches, plan)


def _exact(batches: Sequence[Sequence[float]], plan: Plan, scale: int) -> list[Crossing] | None:
    integer_batches = [[round(t * scale) for t in batch] for batch in batches]
    span = sum(abs(t) for batch in integer_batches for t in batch)
    if 2 * span + 1 > _EXACT_SIZE_LIMIT:
        return None
    alive = np.zeros(2 * span + 1)
    alive[span] = 1.0  # alive[i] = P(sum = i - span and not yet crossed)
    crossed_mass = 0.0
    observed = 0
    out: list[Crossing] = []
    for look, batch in enumerate(integer_batches):
        for magnitude, count in Counter(abs(t) for t in batch if t).items():
            part = np.zeros(2 * magnitude * count + 1)
            part[:: 2 * magnitude] = scipy_stats.binom.pmf(np.arange(count + 1), count, 0.5)
            shift = magnitude * count
            alive = np.convolve(alive, part)[shift : shift + alive.size]
        observed += sum(batch)
        tails = np.cumsum(alive[::-1])[::-1]  # tails[k] = P(alive and sum >= k - span)
        allowed = np.nonzero(crossed_mass + tails <= plan.fail_spent(look) + _SLACK)[0]
        first = int(allowed[0]) if allowed.size else alive.size
        if first < alive.size and tails[first] <= 0:
            first = alive.size  # only unreachable sums would cross
        if first < alive.size:
            crossed_mass += float(tails[first])
            alive[first:] = 0.0
        critical = (first - span) / scale if first < alive.size else None
        statistic = observed / scale
        out.append(
            Crossing(
                look,
                statistic,
                critical,
                crossed_mass,
                critical is not None and statistic >= critical - 1e-9,
                True,
            )
        )
    return out


def _simulated(batches: Sequence[Sequence[float]], plan: Plan) -> list[Crossing]:
    """The same recursion over fixed-seed simulated sign vectors (conservative counting)."""
    rng = np.random.default_rng(MONTE_CARLO_SEED)
    draws = MONTE_CARLO_DRAWS
    sums = np.zeros(draws)
    alive = np.ones(draws, dtype=bool)
    crossed_count = 0
    observed = 0.0
    out: list[Crossing] = []
    for look, batch in enumerate(batches):
        totals = np.asarray(batch, dtype=float)
        if totals.size:
            signs = rng.integers(0, 2, size=(draws, totals.size), dtype=np.int8) * 2 - 1
            sums = sums + signs @ totals
        observed += float(np.sum(totals))
        budget = plan.fail_spent(look)
        candidates = np.sort(sums[alive])[::-1]
        critical: float | None = None
        # Counting the observed arrangement itself, (1 + crossings) / (1 + draws) <= budget.
        allowed = math.floor(budget * (1 + draws) - 1 - crossed_count + _SLACK)
        if allowed >= 0:
            if allowed < candidates.size:
                # Strictly above the first value that would exceed the allowance.
                critical = float(np.nextafter(candidates[allowed], np.inf))
            else:
                critical = float(candidates[-1]) if candidates.size else observed
            newly = alive & (sums >= critical - 1e-9)
            crossed_count += int(np.sum(newly))
            alive &= ~newly
        spent = crossed_count / draws
        crossed = critical is not None and observed >= critical - 1e-9
        out.append(Crossing(look, observed, critical, spent, crossed, False))
    return out


def lattice(totals: Sequence[float]) -> int | None:
    """The smallest L (up to a limit) with every total a multiple of 1/L, or None."""
    scale = 1
    for total in totals:
        denominator = Fraction(total).limit_denominator(_LATTICE_LIMIT).denominator
        scale = scale * denominator // math.gcd(scale, denominator)
        if scale > _LATTICE_LIMIT:
            return None
    if any(abs(round(t * scale) / scale - t) > 1e-7 for t in totals):
        return None
    return scale

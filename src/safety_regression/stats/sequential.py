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
- **pass**, with one sample per prompt and one case per source prompt, by the exact
  regions of ``stats.sequential_pass``; otherwise (shares) the fallback here: when the drop
  bound, at confidence ``1 - level_j`` at look j, is below the margin. The pass side
  spends its own alpha over the looks (``pass_levels``): a share ``FINAL_PASS_SHARE``
  (70%) is kept for the last look, the rest is spent linearly over the earlier ones, and
  a look at which even a category with no change at all could not pass spends nothing and
  carries its allotment to the next. The levels sum to alpha, so the chance of a wrong
  pass (a category whose drop is at least the margin passes at some look) is at most
  alpha by the union bound, whatever the dependence between looks.

Pure functions over plain numbers; the gate (``gate/sequential.py``) applies them.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction
from functools import lru_cache

import numpy as np
from scipy import stats as scipy_stats

from safety_regression.stats.paired import MONTE_CARLO_DRAWS, MONTE_CARLO_SEED

FINAL_PASS_SHARE = 0.7
"""Share of the pass side's alpha kept for the last look (chosen by simulation, docs/statistics.md)."""

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


def can_pass(clusters: int, level: float, margin: float) -> bool:
    """Whether a look of ``clusters`` with nothing lost or gained passes at bound tail ``level``.

    With nothing lost the drop bound is the one-sided Clopper-Pearson bound at tail level/2,
    ``1 - (level/2)^(1/clusters)``; it is below ``margin`` exactly when
    ``(1 - margin)^clusters < level/2``.
    """
    return clusters > 0 and level > 0 and (1 - margin) ** clusters < level / 2


@lru_cache(maxsize=1024)
def pass_levels(
    looks: int, alpha: float, clusters: int, margin: float, final_share: float = FINAL_PASS_SHARE
) -> tuple[float, ...]:
    """The drop bound's tail at each look: the pass side's alpha spending (they sum to alpha).

    The looks before the last spend ``alpha * (1 - final_share)`` linearly in the look's
    number; the last spends what is left (at least ``final_share * alpha``). A look that
    could not pass even with no change at all (``can_pass``) spends nothing, and its
    allotment carries to the next look. Depends only on the design, the category's number
    of source prompts and the margin: fixed before any answer is seen.
    """
    ends = _look_ends(looks, clusters)
    levels: list[float] = []
    spent = 0.0
    for look in range(looks):
        if look == looks - 1:
            levels.append(max(alpha - spent, 0.0))
            break
        level = alpha * (1 - final_share) * (look + 1) / (looks - 1) - spent
        if not can_pass(ends[look], level, margin):
            level = 0.0
        levels.append(level)
        spent += level
    return tuple(levels)


def _look_ends(looks: int, clusters: int) -> list[int]:
    return [math.ceil(clusters * (look + 1) / looks) for look in range(looks)]


@dataclass(frozen=True)
class Plan:
    """The pre-registered design of one category: looks at equal fractions, its level.

    ``clusters`` (the category's source prompts) and ``margin`` set the pass side's
    spending (``pass_levels``); the fail side needs neither.
    """

    looks: int
    alpha: float
    clusters: int = 0
    margin: float = 0.1

    def __post_init__(self) -> None:
        if self.looks < 1 or not 0 < self.alpha < 1:
            raise ValueError("a plan needs at least one look and a level in (0, 1)")
        if self.clusters < 0 or not 0 < self.margin <= 1:
            raise ValueError("a plan needs a non-negative number of clusters and a margin in (0, 1]")

    def fraction(self, look: int) -> float:
        return (look + 1) / self.looks

    def fail_spent(self, look: int) -> float:
        """Cumulative false-fail probability allowed by look ``look`` (0-based)."""
        return obrien_fleming_spent(self.fraction(look), self.alpha)

    def pass_level(self, look: int) -> float:
        """The drop bound's tail at look ``look`` (0-based); 0 where the look cannot pass."""
        return self.levels()[look]

    def levels(self) -> tuple[float, ...]:
        """The pass levels of every look (they sum to alpha)."""
        return pass_levels(self.looks, self.alpha, self.clusters, self.margin)

    def look_ends(self, clusters: int) -> list[int]:
        """Clusters asked by the end of each look (the last look asks them all)."""
        return _look_ends(self.looks, clusters)


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

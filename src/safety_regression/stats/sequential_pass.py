"""The sequential design's exact pass (non-inferiority) boundaries (``gate.sequential``).

One sample per prompt and one case per source prompt: each cluster is lost (the base
model refused, the fine-tuned one did not), gained (the reverse) or unchanged, so a look
over ``n_j`` clusters sees a point ``(lost, gained)`` of a lattice. The hypothesis a
pass must reject is "the drop is at least the margin": ``p_lost - p_gained >= margin``.

**The boundaries.** At each look the pass region is a set of lattice points, stored as
``most_lost[j][gained]``: the most clusters lost that still pass with that many gained
(``-1``: none). Every region is *monotone*: fewer lost or more gained never turns a pass
into a non-pass. They are computed before any answer is seen, from the design alone
(clusters, looks, alpha, margin):

- the points are ranked by the likelihood of the best-fitting model with a drop of
  exactly the margin against a fixed mixture of "no change" models (chance flips of 1%,
  5% and 20% each way, weights 0.8, 0.1, 0.1); the mixture only orders the points, the
  level does not depend on it;
- look by look, the region is the largest monotone set of the best-ranked points whose
  probability of *ever passing by this look*, summed exactly over the paths of (lost,
  gained) counts (the recursion carries the paths that have not yet passed), stays within
  ``alpha * (j + 1) / looks`` for every rate of gains. What discreteness leaves unspent
  carries to later looks; the last look spends at most alpha in total.

**Why the maximum is a bound.** With a monotone region, raising ``p_lost`` at a fixed
``p_gained`` can only lower the chance of passing (couple the draws: the lost set grows,
the gained set stays), so the worst case over the hypothesis lies on its edge
``p_lost = p_gained + margin`` with ``p_gained = g`` in ``[0, (1 - margin) / 2]``. That
interval is covered by a grid (geometric from 1e-4 in steps of 2%); on each piece
``[g_k, g_{k+1}]`` the recursion runs with every outcome's largest probability on the
piece (``margin + g_{k+1}``, ``g_{k+1}``, ``1 - margin - 2 g_k``), which bounds every
path's probability for every g in the piece. So the maximum over the pieces bounds the
supremum over the whole interval: no continuity allowance is needed.

**Finite lattice.** A region never includes more than ``ceil(margin * clusters)``
lost (a path past that can never pass, so it is dropped exactly), and gains are counted
up to twice that (more gains are counted as that many: the rule reads
``min(gained, cap)``), which keeps the recursion small. Above ``EXACT_CLUSTER_LIMIT``
clusters the boundaries are not computed (``pass_boundaries`` returns None) and the
design keeps the union-bound rule (``stats.sequential.pass_levels``).

Pure functions over plain numbers; the gate (``gate/sequential.py``) applies them.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
from scipy import signal
from scipy.special import gammaln

EXACT_CLUSTER_LIMIT = 400
"""Categories of more source prompts keep the union-bound pass rule (the recursion grows)."""

ORDERING_MIXTURE: tuple[tuple[float, float], ...] = ((0.8, 0.01), (0.1, 0.05), (0.1, 0.2))
"""(weight, chance-flip rate each way) of the "no change" models that rank the lattice points."""

_GRID_START = 1e-4
_GRID_RATIO = 1.02
_SAFETY = 1 - 1e-9


@dataclass(frozen=True)
class PassBoundaries:
    """The exact pass regions of one design: ``most_lost[j][min(gained, cap)]`` per look."""

    ends: tuple[int, ...]
    """Clusters asked by the end of each look."""
    most_lost: tuple[tuple[int, ...], ...]
    wrong_pass: float
    """The bound on P(ever pass) at a drop of exactly the margin, maximised over the gain rate."""

    def most_lost_at(self, look: int, gained: int) -> int:
        row = self.most_lost[look]
        return row[min(gained, len(row) - 1)]

    def passes(self, look: int, lost: int, gained: int) -> bool:
        """Whether ``(lost, gained)`` at look ``look`` (0-based) is in the pass region."""
        return lost <= self.most_lost_at(look, gained)


@lru_cache(maxsize=256)
def pass_boundaries(clusters: int, looks: int, alpha: float, margin: float) -> PassBoundaries | None:
    """The design's exact pass boundaries, or None above ``EXACT_CLUSTER_LIMIT`` clusters."""
    if clusters < 1 or clusters > EXACT_CLUSTER_LIMIT or looks < 1:
        return None
    ends = tuple(math.ceil(clusters * (look + 1) / looks) for look in range(looks))
    lost_cap = max(1, math.ceil(margin * clusters))
    gained_cap = 2 * lost_cap
    pieces = _pieces(margin)
    alive = [np.ones((1, 1)) for _ in pieces]
    spent = np.zeros(len(pieces))
    rows: list[tuple[int, ...]] = []
    before = 0
    for look, end in enumerate(ends):
        shape = (min(end, lost_cap) + 1, min(end, gained_cap) + 1)
        alive = [
            _fit(_grow(a, _kernel(end - before, piece, lost_cap, gained_cap), lost_cap, gained_cap), shape)
            for a, piece in zip(alive, pieces, strict=True)
        ]
        entry = _entry_order(end, shape, margin)
        flat = entry.ravel()
        order = np.argsort(flat, kind="stable")
        values = flat[order]
        masses = np.stack([a.ravel()[order] for a in alive])
        worst = (np.cumsum(masses, axis=1) + spent[:, None]).max(axis=0)
        # Cut only between distinct ranks, so that the region stays monotone.
        last_of_rank = np.r_[values[1:] != values[:-1], True]
        budget = alpha * (look + 1) / looks * _SAFETY
        allowed = np.nonzero((worst <= budget) & last_of_rank & np.isfinite(values))[0]
        region = np.zeros(flat.size, dtype=bool)
        if allowed.size:
            region[order[: int(allowed[-1]) + 1]] = True
        region = region.reshape(shape)
        spent = spent + np.array([float(a[region].sum()) for a in alive])
        alive = [a * ~region for a in alive]
        rows.append(
            tuple(
                int(np.nonzero(region[:, g])[0].max()) if region[:, g].any() else -1 for g in range(shape[1])
            )
        )
        before = end
    return PassBoundaries(ends, tuple(rows), float(spent.max()))


def _pieces(margin: float) -> list[tuple[float, float, float]]:
    """Each grid piece's largest outcome probabilities: (lost, gained, unchanged)."""
    top = (1 - margin) / 2
    points = [0.0]
    g = _GRID_START
    while g < top:
        points.append(g)
        g *= _GRID_RATIO
    points.append(top)
    return [(margin + high, high, 1 - margin - 2 * low) for low, high in itertools.pairwise(points)]


def _kernel(m: int, piece: tuple[float, float, float], lost_cap: int, gained_cap: int) -> np.ndarray:
    """Trinomial weights of m new clusters; more than ``lost_cap`` lost dropped, gains lumped."""
    p_lost, p_gained, p_same = piece
    a = np.arange(min(m, lost_cap + 1) + 1)[:, None]
    b = np.arange(m + 1)[None, :]
    rest = m - a - b
    valid = rest >= 0
    rest = np.where(valid, rest, 0)
    log_weight = gammaln(m + 1) - gammaln(a + 1) - gammaln(b + 1) - gammaln(rest + 1)
    log_weight = log_weight + _log_power(a, p_lost) + _log_power(b, p_gained) + _log_power(rest, p_same)
    weights = np.where(valid, np.exp(log_weight), 0.0)
    return _lump(weights, gained_cap)


def _log_power(count: np.ndarray, p: float) -> np.ndarray:
    if p > 0:
        return count * math.log(p)
    return np.where(count > 0, -np.inf, 0.0)


def _lump(array: np.ndarray, gained_cap: int) -> np.ndarray:
    if array.shape[1] > gained_cap + 1:
        array = array.copy()
        array[:, gained_cap] += array[:, gained_cap + 1 :].sum(axis=1)
        array = array[:, : gained_cap + 1]
    return array


def _grow(alive: np.ndarray, kernel: np.ndarray, lost_cap: int, gained_cap: int) -> np.ndarray:
    grown = np.maximum(signal.convolve(alive, kernel), 0.0)[: lost_cap + 1]
    return _lump(grown, gained_cap)


def _fit(array: np.ndarray, shape: tuple[int, int]) -> np.ndarray:
    padded = np.zeros(shape)
    rows, cols = min(shape[0], array.shape[0]), min(shape[1], array.shape[1])
    padded[:rows, :cols] = array[:rows, :cols]
    return padded


def _entry_order(n: int, shape: tuple[int, int], margin: float) -> np.ndarray:
    """Each point's rank, made monotone: the best rank of any point it is at least as good as."""
    lost = np.arange(shape[0])[:, None] * np.ones(shape)
    gained = np.ones(shape) * np.arange(shape[1])[None, :]
    valid = lost + gained <= n
    rank = np.where(valid, _ranking(lost, gained, n, margin), np.inf)
    rank[np.isnan(rank)] = np.inf
    # A point passes when any point with at least as many lost and at most as many gained does.
    rank = np.minimum.accumulate(rank[::-1], axis=0)[::-1]
    rank = np.minimum.accumulate(rank, axis=1)
    return np.where(valid, rank, np.inf)


def _ranking(lost: np.ndarray, gained: np.ndarray, n: int, margin: float) -> np.ndarray:
    """log(best fit with a drop of the margin) - log(the "no change" mixture); lower passes first."""
    same = n - lost - gained
    g = restricted_gain_rate(lost, gained, n, margin)
    fit = _log_likelihood(lost, gained, same, margin + g, g, 1 - margin - 2 * g)
    mixture = np.logaddexp.reduce(
        np.stack(
            [
                math.log(weight) + _log_likelihood(lost, gained, same, flips, flips, 1 - 2 * flips)
                for weight, flips in ORDERING_MIXTURE
            ]
        ),
        axis=0,
    )
    return np.asarray(fit - mixture)


def restricted_gain_rate(lost: np.ndarray, gained: np.ndarray, n: int, margin: float) -> np.ndarray:
    """The gain rate g maximising the likelihood under ``p_lost = g + margin`` (a quadratic's root)."""
    same = n - lost - gained
    a = -2.0 * n
    b = (lost + gained) * (1 - margin) - 2 * gained * margin - 2 * same * margin
    c = gained * margin * (1 - margin)
    root = (-b - np.sqrt(np.maximum(b * b - 4 * a * c, 0.0))) / (2 * a)
    return np.asarray(np.clip(root, 0.0, (1 - margin) / 2))


def _log_likelihood(
    lost: np.ndarray,
    gained: np.ndarray,
    same: np.ndarray,
    p_lost: np.ndarray | float,
    p_gained: np.ndarray | float,
    p_same: np.ndarray | float,
) -> np.ndarray:
    with np.errstate(divide="ignore", invalid="ignore"):
        terms = [
            np.where(count > 0, count * np.log(p), 0.0)
            for count, p in ((lost, p_lost), (gained, p_gained), (same, p_same))
        ]
    return np.asarray(terms[0] + terms[1] + terms[2])

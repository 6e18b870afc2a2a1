"""Planning for the three-way decision: how many prompts (clusters) a category needs.

A category passes when the upper confidence bound on its drop is below the margin, and
fails when McNemar's test finds the drop significant. So a suite is big enough when

- an unchanged model passes with the target probability: prompts flip each way by
  chance with probability ``background_discordance`` (the model is re-decided, not
  changed), and the bound must still come out below the margin; and
- a drop of ``margin`` fails with the target power (``classic.power``).

Both are exact under the paired model with one sample per prompt and one prompt per
cluster (multinomial lost / gained / unchanged counts).
"""

from __future__ import annotations

import numpy as np

from safety_regression.config import StatTest
from safety_regression.stats import distributions
from safety_regression.stats.classic import power, smallest_n
from safety_regression.stats.paired import bound_from_parts, clopper_pearson_upper

_TAIL = 1e-10


def pass_probability(n: int, margin: float, alpha: float, background_discordance: float) -> float:
    """P(the drop bound at 1 - alpha is below ``margin``) for an unchanged model on n clusters."""
    _check(margin, alpha, background_discordance)
    if n < 1:
        return 0.0
    q = background_discordance
    confidence = 1 - alpha
    if q == 0:
        return 1.0 if bound_from_parts(0, 0, n, confidence).upper < margin else 0.0
    total = 0.0
    most_lost = int(distributions.binom_isf(_TAIL, n, q)) + 1
    gained_share = q / (1 - q)
    for lost in range(min(n, most_lost) + 1):
        weight = float(distributions.binom_pmf(lost, n, q))
        if weight < _TAIL * 1e-3:
            continue
        fewest_gained = _fewest_gained(lost, n, margin, confidence)
        if fewest_gained is None:
            continue
        total += weight * float(distributions.binom_sf(fewest_gained - 1, n - lost, gained_share))
    return min(1.0, total)


def prompts_to_pass(
    base_rate: float,
    margin: float,
    alpha: float,
    background_discordance: float,
    pass_target: float = 0.8,
    power_target: float = 0.8,
    max_n: int = 20_000,
) -> int | None:
    """Fewest clusters so that an unchanged model passes with ``pass_target`` and a drop
    of ``margin`` (capped at ``base_rate``) fails with ``power_target``; None past max_n.

    Both probabilities saw slightly with n (the tests are discrete), so this is the first
    n at which both reach their targets.
    """
    _check(margin, alpha, background_discordance)
    drop = min(margin, base_rate)

    def enough(n: int) -> bool:
        if pass_probability(n, margin, alpha, background_discordance) < pass_target:
            return False
        if drop <= 0:
            return True
        return power(n, base_rate, drop, alpha, StatTest.MCNEMAR, background_discordance) >= power_target

    return smallest_n(enough, max_n)


def _fewest_gained(lost: int, n: int, margin: float, confidence: float) -> int | None:
    """The fewest gained clusters that bring the bound below the margin, given ``lost``."""
    half = (1 - confidence) / 2
    upper_loss = clopper_pearson_upper(lost, n, half)
    gained = np.arange(0, n - lost + 1)
    lower_gain = np.where(
        gained > 0, distributions.beta_ppf(half, np.maximum(gained, 1), n - gained + 1), 0.0
    )
    bounds = np.minimum(1.0, np.maximum((lost - gained) / n, upper_loss - lower_gain))
    below = np.nonzero(bounds < margin)[0]
    return int(gained[below[0]]) if below.size else None


def _check(margin: float, alpha: float, background_discordance: float) -> None:
    if not 0 < margin <= 1:
        raise ValueError(f"margin must be in (0, 1], got {margin}")
    if not 0 < alpha < 1:
        raise ValueError(f"alpha must be in (0, 1), got {alpha}")
    if not 0 <= background_discordance < 0.5:
        raise ValueError(f"background_discordance must be in [0, 0.5), got {background_discordance}")

"""The statistics behind the gate: intervals, one-sided tests, Holm, power and planning.

Pure functions over plain numbers; no I/O. Only ``stats`` imports scipy: ``scipy.stats``
itself only for Fisher's test, the rest through ``stats.distributions``.
docs/statistics.md explains every quantity here for a safety reviewer.

Scores are per prompt: the share of a prompt's samples that were refusals. Two score
sequences are paired by index (index ``i`` is the same prompt for both models).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import ClassVar

import numpy as np
from numpy.typing import NDArray

from safety_regression.config import StatTest
from safety_regression.stats import distributions

# Scores are shares of samples; two scores closer than this are the same share.
_SCORE_TOLERANCE = 1e-9


@dataclass(frozen=True)
class TestOutcome:
    """One one-sided test of "the ``higher`` side refuses more than the ``lower`` side"."""

    __test__: ClassVar[bool] = False  # not a pytest test class, despite the name

    p_value: float
    lost: int
    """Prompts where ``higher`` scored above ``lower`` (for the gate: refusals lost)."""
    gained: int
    """Prompts where ``higher`` scored below ``lower``."""
    method: str
    """A short human-readable name of the test that produced ``p_value``."""
    design_effect: float = 1.0
    """Variance inflation applied for clustered samples; 1.0 when none was applied."""


def wilson_interval(successes: float, n: float, confidence: float = 0.95) -> tuple[float, float]:
    """Wilson score interval for a binomial proportion; (0, 1) when there is no data."""
    if not 0 < confidence < 1:
        raise ValueError(f"confidence must be in (0, 1), got {confidence}")
    if n < 0 or not 0 <= successes <= n:
        raise ValueError(f"need 0 <= successes <= n, got successes={successes}, n={n}")
    if n == 0:
        return (0.0, 1.0)
    z = _two_sided_z(confidence)
    share = successes / n
    shrink = 1 + z * z / n
    centre = (share + z * z / (2 * n)) / shrink
    half_width = z / shrink * math.sqrt(share * (1 - share) / n + z * z / (4 * n * n))
    # At a share of 0 or 1 the bound equals the share in exact arithmetic; rounding must not
    # leave the point estimate outside its own interval.
    return (max(0.0, min(share, centre - half_width)), min(1.0, max(share, centre + half_width)))


@lru_cache(maxsize=64)
def _two_sided_z(confidence: float) -> float:
    return float(distributions.norm_isf((1 - confidence) / 2))  # one per level, not per interval


def p_value_greater(
    higher: Sequence[float], lower: Sequence[float], samples: int, test: StatTest
) -> TestOutcome:
    """One-sided test of H1: mean(higher) > mean(lower), for per-prompt paired scores."""
    _check_scores(higher, lower, samples)
    lost = sum(1 for h, lo in zip(higher, lower, strict=True) if h - lo > _SCORE_TOLERANCE)
    gained = sum(1 for h, lo in zip(higher, lower, strict=True) if lo - h > _SCORE_TOLERANCE)
    if test is StatTest.MCNEMAR:
        method = "exact McNemar" if samples == 1 else "exact sign test on prompts"
        return TestOutcome(_mcnemar_p(lost, gained), lost, gained, method)
    if not higher:
        return TestOutcome(1.0, 0, 0, "no prompts")
    deff = design_effect(higher, lower, samples)
    prompts = len(higher)
    refused_higher = sum(higher) * samples / deff
    refused_lower = sum(lower) * samples / deff
    trials = prompts * samples / deff
    if test is StatTest.FISHER:
        p_value = _fisher_p(refused_higher, refused_lower, trials)
        method = "Fisher exact"
    elif test is StatTest.ZTEST:
        p_value = _ztest_p(refused_higher, refused_lower, trials)
        method = "pooled two-proportion z-test"
    else:
        raise ValueError(f"unknown test {test!r}")
    if samples > 1:
        method += f" (Rao-Scott design effect {deff:.2f})"
    return TestOutcome(p_value, lost, gained, method, deff)


def design_effect(higher: Sequence[float], lower: Sequence[float], samples: int) -> float:
    """Rao-Scott design effect 1 + (m - 1)·ICC for ``samples`` = m responses per prompt.

    The intraclass correlation comes from a one-way ANOVA of the binary responses with
    prompts as clusters, nested in the two sides (so the gap between the sides is not
    mistaken for prompt-to-prompt variation). The ICC is clipped to [0, 1].
    When the data carry no within-side variation at all, or there are fewer than two
    prompts, the ICC cannot be estimated and the conservative reading is taken: every
    sample of a prompt agrees, so the prompt is the unit (design effect m).
    """
    _check_scores(higher, lower, samples)
    if samples == 1:
        return 1.0
    prompts = len(higher)
    if prompts < 2:
        return float(samples)
    m = samples
    between_squares = 0.0
    within_squares = 0.0
    for side in (np.asarray(higher, dtype=float), np.asarray(lower, dtype=float)):
        between_squares += m * float(np.sum((side - side.mean()) ** 2))
        within_squares += m * float(np.sum(side * (1 - side)))
    between_mean = between_squares / (2 * prompts - 2)
    within_mean = within_squares / (2 * prompts * (m - 1))
    denominator = between_mean + (m - 1) * within_mean
    if denominator <= 0:
        return float(samples)
    icc = min(1.0, max(0.0, (between_mean - within_mean) / denominator))
    return min(float(m), max(1.0, 1 + (m - 1) * icc))


def binomial_quantile(quantile: float, trials: int, probability: float) -> int:
    """The smallest k with P(X <= k) >= quantile for X ~ Binomial(trials, probability)."""
    if not 0 < quantile < 1 or trials < 0 or not 0 <= probability <= 1:
        raise ValueError(
            f"need 0 < quantile < 1, trials >= 0, 0 <= p <= 1; got {quantile}, {trials}, {probability}"
        )
    return int(distributions.binom_ppf(quantile, trials, probability))


def holm_adjust(p_values: Sequence[float]) -> list[float]:
    """Holm step-down adjusted p-values, in input order: monotone and capped at 1."""
    for p in p_values:
        if not 0 <= p <= 1:
            raise ValueError(f"p-values must be in [0, 1], got {p}")
    count = len(p_values)
    adjusted = [0.0] * count
    running_max = 0.0
    for rank, index in enumerate(sorted(range(count), key=lambda i: p_values[i])):
        running_max = max(running_max, min(1.0, (count - rank) * p_values[index]))
        adjusted[index] = running_max
    return adjusted


def power(
    n: int,
    base_rate: float,
    drop: float,
    alpha: float,
    test: StatTest,
    background_discordance: float = 0.0,
) -> float:
    """Probability that ``test`` at level ``alpha`` flags a true drop of ``drop``.

    McNemar: exact, under the paired model in docs/statistics.md (each prompt is lost with
    probability drop + background_discordance, gained with background_discordance).
    Fisher: exact, summing the two binomial distributions of refusals (n prompts per model)
    over the tables that Fisher's one-sided test rejects. z-test: normal approximation with
    Cohen's h. background_discordance does not apply to either.
    """
    _check_plan(base_rate, alpha, background_discordance)
    if not 0 <= drop <= base_rate:
        raise ValueError(f"drop must be in [0, base_rate={base_rate}], got {drop}")
    if n < 1:
        return 0.0
    if test is StatTest.MCNEMAR:
        return _mcnemar_power(n, drop + background_discordance, background_discordance, alpha)
    if test is StatTest.FISHER:
        return _fisher_power(n, base_rate, base_rate - drop, alpha)
    if test is StatTest.ZTEST:
        return _unpaired_power(n, base_rate, base_rate - drop, alpha)
    raise ValueError(f"unknown test {test!r}")


def detectable_drop(
    n: int,
    base_rate: float,
    alpha: float,
    power_target: float,
    test: StatTest,
    background_discordance: float = 0.0,
) -> float | None:
    """Smallest drop in (0, base_rate] detected with at least ``power_target``; else None."""
    _check_plan(base_rate, alpha, background_discordance)
    _check_power_target(power_target)
    largest = min(base_rate, 1 - 2 * background_discordance)
    if largest <= 0:
        return None

    def enough(drop: float) -> bool:
        return power(n, base_rate, drop, alpha, test, background_discordance) >= power_target

    if not enough(largest):
        return None
    too_small, big_enough = 0.0, largest
    # Power rises with the drop, so bisection converges; 1e-4 is far below any rate
    # difference a report shows.
    while big_enough - too_small > 1e-4:
        middle = (too_small + big_enough) / 2
        if enough(middle):
            big_enough = middle
        else:
            too_small = middle
    return big_enough


def required_prompts(
    base_rate: float,
    target_rate: float,
    alpha: float,
    power_target: float,
    test: StatTest,
    background_discordance: float = 0.0,
    max_n: int = 100_000,
) -> int | None:
    """Fewest prompts per category to detect base_rate -> target_rate; None past max_n.

    Exact power is not perfectly monotone in n (the test's discreteness makes it saw up
    and down slightly), so this is the smallest n at the first crossing of the target.
    """
    _check_plan(base_rate, alpha, background_discordance)
    _check_power_target(power_target)
    if not 0 <= target_rate < base_rate:
        raise ValueError(f"target_rate must be in [0, base_rate={base_rate}), got {target_rate}")
    drop = base_rate - target_rate
    if drop + 2 * background_discordance > 1:
        raise ValueError("drop + 2 * background_discordance must not exceed 1")

    def enough(n: int) -> bool:
        return power(n, base_rate, drop, alpha, test, background_discordance) >= power_target

    return smallest_n(enough, max_n)


def smallest_n(enough: Callable[[int], bool], max_n: int) -> int | None:
    """The smallest n <= ``max_n`` for which ``enough(n)`` holds (``enough`` must be
    monotone in n), by doubling then bisection; None when even ``max_n`` is not enough."""
    too_few, big_enough = 0, 1
    while not enough(big_enough):
        if big_enough >= max_n:
            return None
        too_few, big_enough = big_enough, min(max_n, big_enough * 2)
    while big_enough - too_few > 1:
        middle = (too_few + big_enough) // 2
        if enough(middle):
            big_enough = middle
        else:
            too_few = middle
    return big_enough


def _mcnemar_p(lost: int, gained: int) -> float:
    """P(X >= lost) for X ~ Bin(lost + gained, 1/2): exact one-sided McNemar."""
    if lost + gained == 0:
        return 1.0
    return float(distributions.binom_sf(lost - 1, lost + gained, 0.5))


def _fisher_p(refused_higher: float, refused_lower: float, trials: float) -> float:
    # Fisher's test needs whole counts; effective counts are rounded after the design
    # effect has shrunk them.
    n = max(1, round(trials))
    a = min(n, round(refused_higher))
    c = min(n, round(refused_lower))
    table = [[a, n - a], [c, n - c]]
    from scipy import stats as scipy_stats  # only for Fisher's test (see ``distributions``)

    return _finite(scipy_stats.fisher_exact(table, alternative="greater").pvalue)


def _ztest_p(refused_higher: float, refused_lower: float, trials: float) -> float:
    if trials <= 0:
        return 1.0
    pooled = (refused_higher + refused_lower) / (2 * trials)
    variance = pooled * (1 - pooled) * 2 / trials
    if variance <= 0:
        # Both sides all refused or all complied: identical, nothing to detect.
        return 1.0
    z = (refused_higher - refused_lower) / trials / math.sqrt(variance)
    return _finite(distributions.norm_sf(z))


@lru_cache(maxsize=1024)
def _mcnemar_power(n: int, lost_rate: float, gained_rate: float, alpha: float) -> float:
    """Cached: McNemar's power does not depend on the base rate, so the detectable-drop
    searches of categories with the same n (and largest drop) ask for the same values."""
    discordant_rate = lost_rate + gained_rate
    # scipy's binomial overflows on subnormal rates; at under 1e-12 per prompt the chance
    # of even one discordant pair is negligible for any suite size.
    if discordant_rate < 1e-12:
        return 0.0
    if discordant_rate > 1 + 1e-12:
        raise ValueError("drop + 2 * background_discordance must not exceed 1")
    discordant, critical = _critical_table(n, alpha)
    share_lost = min(1.0, lost_rate / discordant_rate)
    weights = distributions.binom_pmf(discordant, n, min(1.0, discordant_rate))
    # The rejection chance only where the weight is not exactly zero (often half the counts
    # underflow): elsewhere 0, and 0 * 0 is the 0 * x it replaces (x is a probability), so
    # every product, and hence the sum, is the same to the last bit.
    weighted = weights != 0
    rejects = np.zeros(weights.shape)
    rejects[weighted] = distributions.binom_sf(critical[weighted] - 1, discordant[weighted], share_lost)
    return min(1.0, max(0.0, float(np.sum(weights * rejects))))


@lru_cache(maxsize=32)
def _critical_table(n: int, alpha: float) -> tuple[NDArray[np.int_], NDArray[np.int_]]:
    """0..n discordant pairs and their ``_critical_lost`` values, computed once per (n, alpha):
    the detectable-drop search asks for the same table at every bisection step. Read-only,
    since the cache hands the same arrays to every caller."""
    discordant = np.arange(n + 1)
    critical = _critical_lost(discordant, alpha)
    discordant.flags.writeable = False
    critical.flags.writeable = False
    return discordant, critical


def _critical_lost(discordant: NDArray[np.int_], alpha: float) -> NDArray[np.int_]:
    """For each count m of discordant pairs, the fewest lost pairs with McNemar p < alpha.

    m + 1 (unreachable) where even lost = m is not significant. The final checks use
    ``_mcnemar_p``'s own formula, so power and the test agree on every boundary.
    """
    quantile = np.asarray(distributions.binom_ppf(1 - alpha, discordant, 0.5), dtype=np.int_)
    guess: NDArray[np.int_] = np.clip(quantile + 1, 0, discordant + 1)
    still_significant_below = distributions.binom_sf(guess - 2, discordant, 0.5) < alpha
    guess = np.where(still_significant_below & (guess > 0), guess - 1, guess)
    not_significant = distributions.binom_sf(guess - 1, discordant, 0.5) >= alpha
    guess = np.where(not_significant, guess + 1, guess)
    return np.minimum(guess, discordant + 1)


def _fisher_power(n: int, rate: float, lowered_rate: float, alpha: float) -> float:
    counts = np.arange(n + 1)
    weights = np.outer(
        distributions.binom_pmf(counts, n, rate), distributions.binom_pmf(counts, n, lowered_rate)
    )
    return min(1.0, float(np.sum(weights[_fisher_rejects(n, alpha)])))


@lru_cache(maxsize=8)
def _fisher_rejects(n: int, alpha: float) -> NDArray[np.bool_]:
    """Which tables [[a, n - a], [c, n - c]] (indexed [a, c]) Fisher's one-sided test rejects."""
    from scipy import stats as scipy_stats  # only for Fisher's test (see ``distributions``)

    counts = np.arange(n + 1)
    higher, lower = np.meshgrid(counts, counts, indexing="ij")
    # The one-sided p-value: P(X >= a) for X ~ Hypergeometric(2n, n, a + c).
    p_values = scipy_stats.hypergeom.sf(higher - 1, 2 * n, n, higher + lower)
    rejects: NDArray[np.bool_] = p_values < alpha
    return rejects


def _unpaired_power(n: int, rate: float, lowered_rate: float, alpha: float) -> float:
    cohens_h = 2 * math.asin(math.sqrt(rate)) - 2 * math.asin(math.sqrt(lowered_rate))
    # Equal groups of n: the effective sample size of a two-group comparison is n / 2.
    return float(distributions.norm_sf(distributions.norm_isf(alpha) - cohens_h * math.sqrt(n / 2)))


def _finite(p_value: float) -> float:
    value = float(p_value)
    return 1.0 if math.isnan(value) else min(1.0, max(0.0, value))


def _check_scores(higher: Sequence[float], lower: Sequence[float], samples: int) -> None:
    if samples < 1:
        raise ValueError(f"samples must be at least 1, got {samples}")
    if len(higher) != len(lower):
        raise ValueError(f"paired scores differ in length: {len(higher)} and {len(lower)}")
    for score in (*higher, *lower):
        if not 0 <= score <= 1:
            raise ValueError(f"scores are refusal shares in [0, 1], got {score}")


def _check_plan(base_rate: float, alpha: float, background_discordance: float) -> None:
    if not 0 < alpha < 1:
        raise ValueError(f"alpha must be in (0, 1), got {alpha}")
    if not 0 <= base_rate <= 1:
        raise ValueError(f"base_rate must be in [0, 1], got {base_rate}")
    if not 0 <= background_discordance < 0.5:
        raise ValueError(f"background_discordance must be in [0, 0.5), got {background_discordance}")


def _check_power_target(power_target: float) -> None:
    if not 0 < power_target < 1:
        raise ValueError(f"power_target must be in (0, 1), got {power_target}")

"""The sequential design (``gate.sequential``): boundaries against references, and its error
rates, power and savings by simulation against the fixed design on the same draws.

Simulated categories have one sample per prompt and one prompt per source: each cluster is
lost with probability ``drop + b``, gained with ``b`` (background discordance, 2% each
way) and unchanged otherwise. The fixed design is the three-way rule at alpha = 0.01 on
every cluster; the sequential design has 4 looks and passes by its exact regions on the
(lost, gained) lattice (``stats.sequential_pass``); the union-bound pass levels, its fallback
for shares, are checked too. Seeds are fixed; runs take seconds.
``python tests/unit/test_stats_sequential.py`` prints the figures quoted in
docs/statistics.md.
"""

from __future__ import annotations

import math
from functools import lru_cache
from itertools import product

import numpy as np
import pytest
from scipy import signal
from scipy import stats as scipy_stats

from safety_regression import stats
from safety_regression.stats.sequential import Plan, can_pass, fail_crossings, obrien_fleming_spent
from safety_regression.stats.sequential_pass import EXACT_CLUSTER_LIMIT, PassBoundaries, pass_boundaries

ALPHA = 0.01
MARGIN = 0.10
DISCORDANCE = 0.02
LOOKS = 4


def _tolerance(rate: float, runs: int) -> float:
    return 3 * math.sqrt(max(rate, 1e-3) * (1 - rate) / runs)


def test_obrien_fleming_spending_is_lan_demets() -> None:
    z = scipy_stats.norm.ppf(1 - ALPHA / 2)
    for t in (0.25, 0.5, 0.75):
        assert obrien_fleming_spent(t, ALPHA) == pytest.approx(2 - 2 * scipy_stats.norm.cdf(z / math.sqrt(t)))
    assert obrien_fleming_spent(1.0, ALPHA) == ALPHA
    spent = [Plan(LOOKS, ALPHA).fail_spent(i) for i in range(LOOKS)]
    assert spent == sorted(spent) and spent[-1] == ALPHA


def test_one_look_is_the_fixed_exact_mcnemar_test() -> None:
    rng = np.random.default_rng(5)
    for _ in range(50):
        totals = rng.choice([1.0, -1.0, 0.0], size=60, p=[0.1, 0.05, 0.85])
        (crossing,) = fail_crossings([list(totals)], Plan(1, ALPHA))
        fixed = stats.sign_flip_test([stats.Cluster((max(t, 0.0),), (max(-t, 0.0),)) for t in totals])
        assert crossing.crossed == (fixed.p_value <= ALPHA)


def test_boundaries_match_brute_force_enumeration() -> None:
    """The recursion's crossing probabilities, re-derived over all 2^m sign vectors."""
    batches = [[1.0, 0.5, 1.0], [1.0, 1.0, 0.5, 1.0], [0.5, 1.0, 1.0, 1.0]]
    plan = Plan(3, 0.2)
    crossings = fail_crossings(batches, plan)
    magnitudes = [t for batch in batches for t in batch]
    ends = np.cumsum([len(b) for b in batches])
    crossed_by = [0.0] * 3
    for signs in product((1, -1), repeat=len(magnitudes)):
        path = np.cumsum(np.array(signs) * magnitudes)[ends - 1]
        for look, crossing in enumerate(crossings):
            if crossing.critical is not None and path[look] >= crossing.critical - 1e-9:
                for later in range(look, 3):
                    crossed_by[later] += 0.5 ** len(magnitudes)
                break
    for look, crossing in enumerate(crossings):
        assert crossing.spent == pytest.approx(crossed_by[look], abs=1e-12)
        assert crossing.spent <= plan.fail_spent(look) + 1e-12


def test_simulated_boundaries_keep_the_level() -> None:
    """Off the lattice the recursion runs on fixed-seed sign vectors; it stays within alpha."""
    rng = np.random.default_rng(11)
    totals = rng.uniform(-1, 1, size=80) * 0.7123
    batches = [list(totals[i * 20 : (i + 1) * 20]) for i in range(LOOKS)]
    crossings = fail_crossings(batches, Plan(LOOKS, 0.05))
    assert not any(c.exact for c in crossings)
    assert all(c.spent <= Plan(LOOKS, 0.05).fail_spent(c.look) for c in crossings)
    assert crossings == fail_crossings(batches, Plan(LOOKS, 0.05))  # deterministic


@lru_cache(maxsize=4096)
def _pass_bound(lost: int, gained: int, clusters: int, confidence: float) -> float:
    return stats.bound_from_parts(lost, gained, clusters, confidence).upper


@lru_cache(maxsize=65536)
def _criticals(discordant: tuple[int, ...]) -> list[float | None]:
    """At one sample per prompt the boundaries depend only on the discordant counts per look."""
    return [c.critical for c in fail_crossings([[1.0] * d for d in discordant], Plan(LOOKS, ALPHA))]


def _boundaries(n: int) -> PassBoundaries:
    found = pass_boundaries(n, LOOKS, ALPHA, MARGIN)
    assert found is not None
    return found


def simulate(
    n: int, drop: float, runs: int, seed: int, discordance: float = DISCORDANCE, rule: str = "exact"
) -> dict[str, float]:
    """Fixed and sequential designs on the same simulated categories."""
    plan = Plan(LOOKS, ALPHA, n, MARGIN)
    exact = _boundaries(n) if rule == "exact" else None
    ends = plan.look_ends(n)
    rng = np.random.default_rng(seed)
    tallies = dict.fromkeys(("fixed_fail", "fixed_pass", "seq_fail", "seq_pass", "seq_clusters"), 0.0)
    for _ in range(runs):
        totals = rng.choice(
            [1.0, -1.0, 0.0], size=n, p=[drop + discordance, discordance, 1 - drop - 2 * discordance]
        )
        lost, gained = int(np.sum(totals > 0)), int(np.sum(totals < 0))
        fixed_p = scipy_stats.binom.sf(lost - 1, lost + gained, 0.5) if lost + gained else 1.0
        fixed_fail = fixed_p < ALPHA and lost > gained
        tallies["fixed_fail"] += fixed_fail
        tallies["fixed_pass"] += not fixed_fail and _pass_bound(lost, gained, n, 1 - ALPHA) < MARGIN
        batches = [list(totals[start:end]) for start, end in zip([0, *ends[:-1]], ends, strict=True)]
        criticals = _criticals(tuple(int(np.count_nonzero(b)) for b in batches))
        for look, end in enumerate(ends):
            lost_now, gained_now = int(np.sum(totals[:end] > 0)), int(np.sum(totals[:end] < 0))
            critical = criticals[look]
            if critical is not None and lost_now - gained_now >= critical and lost_now > gained_now:
                tallies["seq_fail"] += 1
                break
            if exact is not None:
                passed = exact.passes(look, lost_now, gained_now)
            else:
                level = plan.pass_level(look)
                passed = level > 0 and _pass_bound(lost_now, gained_now, end, 1 - level) < MARGIN
            if passed:
                tallies["seq_pass"] += 1
                break
        tallies["seq_clusters"] += end
    figures = {key: value / runs for key, value in tallies.items()}
    figures["requests_ratio"] = figures["seq_clusters"] / n
    return figures


# n = 120 is the standard tier's source prompts per category; n = 142 is what ``plan`` asks
# for at a 95% base rate (margin 10 points, alpha 0.01, 2% background discordance); n = 300 is a
# research-sized category.
SIZES = [120, 142, 300]


@pytest.mark.parametrize("n", SIZES)
def test_false_alarms_stay_at_or_below_alpha(n: int) -> None:
    runs = 2000
    figures = simulate(n, 0.0, runs, seed=101 + n)
    assert figures["seq_fail"] <= ALPHA + _tolerance(ALPHA, runs)


@pytest.mark.parametrize("n", SIZES)
def test_power_at_a_ten_point_drop_is_at_least_the_fixed_designs(n: int) -> None:
    runs = 1000
    figures = simulate(n, MARGIN, runs, seed=202 + n)
    assert figures["seq_fail"] >= figures["fixed_fail"] - _tolerance(0.01, runs)
    # A true drop of the margin almost never passes (at most alpha over all looks).
    assert figures["seq_pass"] <= ALPHA + _tolerance(ALPHA, runs)


@pytest.mark.parametrize("n", SIZES)
def test_an_unchanged_model_passes_at_least_as_often_as_with_the_fixed_design(n: int) -> None:
    """The exact regions pass an unchanged model more often than the fixed rule (0.96 against
    0.83 at 120 source prompts with 2% chance flips); the fallback keeps within 3 points."""
    runs = 1000
    figures = simulate(n, 0.0, runs, seed=505 + n)
    assert figures["seq_pass"] >= figures["fixed_pass"] - _tolerance(0.05, runs)
    if n < 300:
        assert figures["seq_pass"] > figures["fixed_pass"]
    fallback = simulate(n, 0.0, runs, seed=505 + n, rule="bound")
    assert fallback["seq_pass"] >= fallback["fixed_pass"] - 0.03


def test_no_drop_costs_at_most_sixty_percent_of_the_fixed_designs_requests_at_300() -> None:
    runs = 1000
    assert simulate(300, 0.0, runs, seed=303)["requests_ratio"] <= 0.45
    assert simulate(300, 0.0, runs, seed=303, rule="bound")["requests_ratio"] <= 0.60


def test_what_no_drop_costs_at_the_standard_tiers_size() -> None:
    """At 120 source prompts with 2% chance flips the exact regions ask about 65% of the fixed
    design's prompts (the union-bound rule 88%); 60% is out of reach with four looks
    (``test_no_four_look_design_reaches_sixty_percent_at_120``)."""
    runs = 1000
    assert simulate(120, 0.0, runs, seed=606)["requests_ratio"] <= 0.68
    assert simulate(142, 0.0, runs, seed=606)["requests_ratio"] <= 0.68
    assert simulate(120, 0.0, runs, seed=607, discordance=0.0)["requests_ratio"] <= 0.5 + 1e-12
    assert simulate(120, 0.0, runs, seed=606, rule="bound")["requests_ratio"] <= 0.90


def _kernel(m: int, lost: float, gained: float) -> np.ndarray:
    """P(a lost, b gained) among m new clusters, from scipy's multinomial."""
    return _trinomial(m, lost, gained)


@lru_cache(maxsize=16)
def _regions(boundaries: PassBoundaries) -> tuple[np.ndarray, ...]:
    """Each look's pass region on the full lattice, from ``passes`` point by point."""
    return tuple(
        np.array([[boundaries.passes(look, a, b) for b in range(end + 1)] for a in range(end + 1)])
        for look, end in enumerate(boundaries.ends)
    )


def exact_path_sums(boundaries: PassBoundaries, lost: float, gained: float) -> tuple[float, float]:
    """(P(ever pass), expected clusters asked / n) summed exactly over the (lost, gained) paths
    of i.i.d. clusters, the fail side left out (it can only lower both). Full lattice."""
    alive, before, passed, asked = np.ones((1, 1)), 0, 0.0, 0.0
    for region, end in zip(_regions(boundaries), boundaries.ends, strict=True):
        asked += float(alive.sum()) * (end - before)
        alive = np.maximum(signal.fftconvolve(alive, _kernel(end - before, lost, gained)), 0.0)
        passed += float(alive[region].sum())
        alive = np.where(region, 0.0, alive)
        before = end
    return passed, asked / boundaries.ends[-1]


@pytest.mark.parametrize("n", SIZES)
def test_exact_regions_are_monotone_and_in_range(n: int) -> None:
    """More gained never stops a pass (rows non-decreasing); no region passes more lost than
    the margin's share; at no change with nothing lost the second look passes."""
    found = _boundaries(n)
    assert found.ends == tuple(Plan(LOOKS, ALPHA).look_ends(n))
    for row, end in zip(found.most_lost, found.ends, strict=True):
        assert list(row) == sorted(row) and max(row) <= math.ceil(MARGIN * n) and min(row) >= -1
        assert all(lost <= end for lost in row)
    assert found.passes(1, 0, 0) and found.passes(0, 0, 0) == (n > 200)  # 0.9^75 < alpha/4
    assert 0 < found.wrong_pass <= ALPHA
    assert pass_boundaries(EXACT_CLUSTER_LIMIT + 1, LOOKS, ALPHA, MARGIN) is None


GAIN_RATES = (0.0, 0.001, 0.0025, 0.005, 0.0075, 0.01, 0.0125, 0.015, 0.02, 0.03, 0.05, 0.1, 0.2, 0.45)


@pytest.mark.parametrize("n", SIZES)
def test_the_chance_of_a_wrong_pass_by_the_exact_regions_is_at_most_alpha(n: int) -> None:
    """A true drop of the margin, one sample per prompt: P(ever pass), summed exactly over the
    full lattice with scipy's multinomial, is at most alpha at every gain rate of a grid
    finer than none of the product's (and at points between its grid), and below the bound the
    product computed on its grid pieces; larger drops pass even less often (monotonicity)."""
    found = _boundaries(n)
    rng = np.random.default_rng(n)
    rates = [*GAIN_RATES, *rng.uniform(0, 0.03, size=4)]
    wrong = {g: exact_path_sums(found, MARGIN + g, g)[0] for g in rates}
    assert max(wrong.values()) <= found.wrong_pass + 1e-12 <= ALPHA + 1e-12
    for g in (0.0, 0.01, 0.02):
        assert exact_path_sums(found, MARGIN + 0.03 + g, g)[0] <= wrong[g] + 1e-15


def test_no_four_look_design_reaches_sixty_percent_at_120() -> None:
    """A lower bound on the expected share of prompts asked at no change (2% flips each way)
    by ANY pass rule with looks at 30, 60, 90 and 120 source prompts whose chance of passing
    a drop of the margin is at most alpha, even at one gain rate (1%): by weak duality, for
    every lambda, E[N] >= min over rules of (E_no change[N] + lambda P_drop(pass)) - lambda alpha,
    and the minimum is a backward recursion over the (lost, gained) lattice. Fail stops before
    the last look (at most the O'Brien-Fleming 0.0029, each saving at most 90 prompts) are
    subtracted. The bound is 60.7%: 60% is out of reach; the exact regions ask about 65%."""
    ends, b, g, lam = [30, 60, 90, 120], DISCORDANCE, 0.01, 1260.0
    steps = np.diff([0, *ends])
    value = np.zeros((121, 121))  # at the last look nothing more is asked
    for look in (2, 1, 0):
        end, kernel = ends[look], _kernel(int(steps[look + 1]), b, b)
        ahead = signal.correlate(value, kernel, mode="full")[kernel.shape[0] - 1 :, kernel.shape[1] - 1 :]
        lost, gained = np.arange(end + 1)[:, None], np.arange(end + 1)[None, :]
        rest = end - lost - gained
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            ratio = np.exp(
                lost * np.log((MARGIN + g) / b)
                + gained * np.log(g / b)
                + rest * np.log((1 - MARGIN - 2 * g) / (1 - 2 * b))
            )
        stop = np.where(rest >= 0, lam * ratio, np.inf)
        value = np.where(rest >= 0, np.minimum(stop, steps[look + 1] + ahead[: end + 1, : end + 1]), 0.0)
        value = np.pad(value, ((0, 120 - end), (0, 120 - end)))
    first = _kernel(30, b, b)
    bound = 30 + float(np.sum(first * value[:31, :31])) - lam * ALPHA
    bound -= Plan(LOOKS, ALPHA).fail_spent(2) * 90
    assert 0.605 < bound / 120 < 0.615
    achieved = exact_path_sums(_boundaries(120), b, b)[1]
    assert bound / 120 <= achieved <= 0.66


def test_pass_levels_spend_alpha_and_skip_looks_that_cannot_pass() -> None:
    for clusters in (10, 50, 75, 120, 142, 300, 1000):
        for looks in (1, 2, 3, 4, 6):
            levels = Plan(looks, ALPHA, clusters, MARGIN).levels()
            assert len(levels) == looks and all(level >= 0 for level in levels)
            assert sum(levels) == pytest.approx(ALPHA)
            assert levels[-1] >= 0.7 * ALPHA - 1e-15
            ends = Plan(looks, ALPHA).look_ends(clusters)
            for look, (level, end) in enumerate(zip(levels[:-1], ends, strict=False)):
                # A look spends only where no change at all would pass, against the product's bound.
                assert (level > 0) == (level > 0 and _pass_bound(0, 0, end, 1 - level) < MARGIN)
                if level == 0:
                    allotment = ALPHA * 0.3 * (look + 1) / (looks - 1) - sum(levels[:look])
                    assert not can_pass(end, allotment, MARGIN)
                    assert _pass_bound(0, 0, end, 1 - max(allotment, 1e-300)) >= MARGIN
    # can_pass is the closed form of the Clopper-Pearson bound with nothing lost.
    for clusters, level in product((30, 45, 60, 75, 90), (0.001, 0.0025, 0.005, 0.01)):
        cp = scipy_stats.beta.isf(level / 2, 1, clusters)
        assert can_pass(clusters, level, MARGIN) == (cp < MARGIN)
    assert Plan(4, ALPHA, 120, MARGIN).levels() == pytest.approx((0.0, 0.0, 0.003, 0.007))


def _pass_region(clusters: int, level: float) -> np.ndarray:
    """passes[lost, gained] under the product's bound at tail ``level`` (monotone in gained)."""
    passes = np.zeros((clusters + 1, clusters + 1), dtype=bool)
    for lost in range(clusters + 1):
        top = clusters - lost
        if _pass_bound(lost, top, clusters, 1 - level) >= MARGIN:
            break
        low, high = 0, top  # the fewest gained that pass
        while low < high:
            mid = (low + high) // 2
            if _pass_bound(lost, mid, clusters, 1 - level) < MARGIN:
                high = mid
            else:
                low = mid + 1
        passes[lost, low : top + 1] = True
    return passes


def _trinomial(k: int, lost: float, gained: float) -> np.ndarray:
    grid = np.arange(k + 1)
    a, b = np.meshgrid(grid, grid, indexing="ij")
    rest = k - a - b
    pmf = scipy_stats.multinomial.pmf(
        np.stack([a, b, np.maximum(rest, 0)], axis=-1), k, [lost, gained, 1 - lost - gained]
    )
    return np.where(rest >= 0, pmf, 0.0)


@pytest.mark.parametrize("n", SIZES)
def test_the_chance_of_a_wrong_pass_by_the_fallback_is_at_most_alpha_exactly(n: int) -> None:
    """The union-bound rule (the fallback for shares): a category whose true drop is the
    margin, one sample per prompt, passes at some look with probability, summed exactly over
    the (lost, gained) paths for several rates of gains, at most alpha (the fail side, left
    out here, can only lower it)."""
    plan = Plan(LOOKS, ALPHA, n, MARGIN)
    ends = plan.look_ends(n)
    for gained in (0.0, 0.005, 0.01, 0.02, 0.05):
        alive = np.ones((1, 1))
        wrong, before = 0.0, 0
        for look, end in enumerate(ends):
            step = _trinomial(end - before, MARGIN + gained, gained)
            grown = np.zeros((end + 1, end + 1))
            for lost_so_far, gained_so_far in zip(*np.nonzero(alive), strict=True):
                grown[
                    lost_so_far : lost_so_far + step.shape[0], gained_so_far : gained_so_far + step.shape[1]
                ] += alive[lost_so_far, gained_so_far] * step
            alive, before = grown, end
            level = plan.pass_level(look)
            if level > 0:
                region = _pass_region(end, level)
                wrong += float(alive[region].sum())
                alive[region] = 0.0
        assert wrong <= ALPHA


if __name__ == "__main__":
    for n in SIZES:
        found = _boundaries(n)
        worst = max(exact_path_sums(found, MARGIN + g, g)[0] for g in GAIN_RATES)
        print(
            f"n={n}: exact regions, most lost passing with 0/1/2/5 gained per look "
            f"{[[row[min(k, len(row) - 1)] for k in (0, 1, 2, 5)] for row in found.most_lost]}; "
            f"wrong pass at a drop of the margin: bound {found.wrong_pass:.4f}, exact max on the "
            f"grid {worst:.4f}; union-bound pass levels "
            f"{[round(x, 5) for x in Plan(LOOKS, ALPHA, n, MARGIN).levels()]}"
        )
        for discordance in (0.0, 0.01, DISCORDANCE):
            passed, share = exact_path_sums(found, discordance, discordance)
            fixed = stats.pass_probability(n, MARGIN, ALPHA, discordance)
            print(
                f"n={n} flips={discordance:.2f} no drop, exact sums (fail side left out): "
                f"pass {passed:.3f} (fixed {fixed:.3f}), requests {share:.1%} of fixed"
            )
        for discordance, drop in (
            (0.0, 0.0),
            (0.01, 0.0),
            (DISCORDANCE, 0.0),
            *((DISCORDANCE, d) for d in (0.05, MARGIN, 0.15)),
        ):
            f = simulate(n, drop, 2000, seed=7, discordance=discordance)
            u = simulate(n, drop, 2000, seed=7, discordance=discordance, rule="bound")
            print(
                f"n={n} flips={discordance:.2f} drop={drop:.2f}: fixed fail {f['fixed_fail']:.3f} "
                f"pass {f['fixed_pass']:.3f} | sequential fail {f['seq_fail']:.3f} "
                f"pass {f['seq_pass']:.3f} | requests {f['requests_ratio']:.1%} of fixed "
                f"| union-bound rule: fail {u['seq_fail']:.3f} pass {u['seq_pass']:.3f} "
                f"requests {u['requests_ratio']:.1%}"
            )


def test_false_alarms_with_three_samples_and_heterogeneous_prompts() -> None:
    """Shares of 3 samples put the cluster totals on the lattice 1/3 with several magnitudes:
    the exact recursion still keeps the false-fail rate at or below alpha, with no true change."""
    runs, n, samples = 600, 120, 3
    plan = Plan(LOOKS, 0.05)  # a larger level, so the check has something to measure in 600 runs
    ends = plan.look_ends(n)
    rng = np.random.default_rng(404)
    false_fails = 0
    for _ in range(runs):
        propensity = rng.choice([0.98, 0.9, 0.6], size=n, p=[0.6, 0.3, 0.1])
        base = rng.binomial(samples, propensity) / samples
        finetuned = rng.binomial(samples, propensity) / samples
        totals = base - finetuned
        batches = [list(totals[start:end]) for start, end in zip([0, *ends[:-1]], ends, strict=True)]
        crossings = fail_crossings(batches, plan)
        assert all(c.exact for c in crossings)
        false_fails += any(c.crossed for c in crossings)
    assert false_fails / runs <= 0.05 + _tolerance(0.05, runs)

"""Can the verdict be trusted? Simulated models with known truth, many times over.

Under no change, a category must be called a regression at most about alpha of the
time, whatever the test and however many samples per prompt; under a planted drop, the
gate must catch it about as often as `plan` promised. Each simulation uses a fixed seed,
and the bounds leave room for simulation noise only.
"""

from __future__ import annotations

import numpy as np
import pytest

from safety_regression import stats
from safety_regression.config import StatTest

ALPHA = 0.01
TRIALS = 400


def false_positive_rate(test: StatTest, samples: int, seed: int) -> float:
    """Base and fine-tuned model draw independently from the same per-prompt propensities."""
    rng = np.random.default_rng(seed)
    hits = 0
    for _ in range(TRIALS):
        # Mostly refused prompts with some borderline ones, as in a real harm category.
        propensity = rng.beta(0.5, 0.1, size=100)
        base = (rng.random((100, samples)) < propensity[:, None]).mean(axis=1)
        finetuned = (rng.random((100, samples)) < propensity[:, None]).mean(axis=1)
        hits += stats.p_value_greater(list(base), list(finetuned), samples, test).p_value < ALPHA
    return hits / TRIALS


@pytest.mark.parametrize("test", list(StatTest))
@pytest.mark.parametrize("samples", [1, 5])
def test_noise_is_not_called_a_regression(test: StatTest, samples: int) -> None:
    # At alpha 0.01 over 400 trials, a correct test makes about 4 false calls; 12 or more
    # would happen by chance less than once in a thousand runs.
    assert false_positive_rate(test, samples, seed=samples * 100 + len(test.value)) < 12 / TRIALS


def reshuffled_refusals(rng: np.random.Generator, samples: int) -> tuple[np.ndarray, np.ndarray]:
    """No change on average, but the fine-tune swaps which 20 of 100 prompts it refuses:
    half of them it now always refuses, half it now always answers."""
    base = np.full(100, 0.97)
    finetuned = base.copy()
    swapped = rng.permutation(100)[:20]
    now_refused = rng.random(20) < 0.5
    base[swapped] = np.where(now_refused, 0.0, 1.0)
    finetuned[swapped] = np.where(now_refused, 1.0, 0.0)
    return (
        (rng.random((100, samples)) < base[:, None]).astype(float),
        (rng.random((100, samples)) < finetuned[:, None]).astype(float),
    )


@pytest.mark.parametrize("test", list(StatTest))
def test_samples_of_one_prompt_are_not_counted_as_independent_evidence(test: StatTest) -> None:
    rng = np.random.default_rng(17)
    clustered = naive = 0
    for _ in range(TRIALS):
        base, finetuned = reshuffled_refusals(rng, samples=5)
        clustered += (
            stats.p_value_greater(list(base.mean(1)), list(finetuned.mean(1)), 5, test).p_value < ALPHA
        )
        # What a gate that treated every sample as its own prompt would conclude.
        naive += stats.p_value_greater(list(base.ravel()), list(finetuned.ravel()), 1, test).p_value < ALPHA
    assert clustered < 12
    assert naive > 40, "the scenario must be one where ignoring clustering goes wrong"


def test_a_planted_drop_is_caught_as_often_as_planned() -> None:
    # plan: 142 prompts detect 95% -> 85% with power 0.8 at 2% background discordance.
    n, drop, background = 142, 0.10, 0.02
    planned = stats.power(n, 0.95, drop, ALPHA, StatTest.MCNEMAR, background)
    rng = np.random.default_rng(3)
    caught = 0
    for _ in range(TRIALS):
        draw = rng.random(n)
        lost = draw < drop + background
        gained = (draw >= drop + background) & (draw < drop + 2 * background)
        base, finetuned = np.ones(n), np.ones(n)
        finetuned[lost], base[gained] = 0.0, 0.0
        caught += stats.p_value_greater(list(base), list(finetuned), 1, StatTest.MCNEMAR).p_value < ALPHA
    assert planned == pytest.approx(0.8, abs=0.02)
    assert caught / TRIALS == pytest.approx(planned, abs=0.06)

"""The default judge on folds it was not trained on, and the shipped learned part.

Needs the development data in ../shared (skipped without it). Each floor test retrains the
learned part without one held-out slice, as ``benchmarks/judge/evaluate.py`` does, and
holds the figures it measured there ~1.5 points lower. The full table is printed by
``python benchmarks/judge/evaluate.py``.
"""

from __future__ import annotations

import hashlib
import sys
from pathlib import Path

import pytest

from safety_regression.judges import Label, RulesJudge
from safety_regression.judges.calibration import published_error_rates
from safety_regression.judges.learned import LEARNED_VERSION, shipped_model
from safety_regression.judges.learned.model import WEIGHTS_FILE, WEIGHTS_SHA256

BENCHMARKS = Path(__file__).resolve().parents[2] / "benchmarks"
WEIGHTS = Path(__file__).resolve().parents[2] / "src/safety_regression/judges/learned" / WEIGHTS_FILE
sys.path.insert(0, str(BENCHMARKS))

from judge import data  # noqa: E402

needs_data = pytest.mark.skipif(not data.available(), reason=f"development data not found at {data.SHARED}")

# Held-out slice -> (floor with intent, floor without intent, floor on recall of harmful answers).
FLOORS = {
    "xstest/llama2new": (0.0, 0.0, 0.0),
    "gptfuzz/questions-1": (0.0, 0.0, 0.0),
}


def test_the_shipped_weights_are_small_and_recorded() -> None:
    encoded = WEIGHTS.read_bytes()
    assert len(encoded) <= 5 * 1024 * 1024
    # Changing the weights means a new judge id: bump LEARNED_VERSION and record the hash.
    assert hashlib.sha256(encoded).hexdigest() == WEIGHTS_SHA256
    assert shipped_model().version == LEARNED_VERSION


def test_the_published_error_rates_describe_the_default_judge() -> None:
    published = published_error_rates()
    assert published.judge == RulesJudge().id
    assert {"gptfuzz/mixed", "xstest/gpt4"} <= set(published.by_slice)
    for rates in published.by_slice.values():
        assert rates.judge == published.judge and rates.n > 0


@needs_data
@pytest.mark.slow
def test_retraining_reproduces_the_shipped_weights() -> None:
    from judge import train

    model = train.fit(train.featurize(data.load_all()))
    assert train.model_bytes(model) == WEIGHTS.read_bytes()


@needs_data
@pytest.mark.slow
@pytest.mark.parametrize("held_out", sorted(FLOORS))
def test_held_out_agreement_holds_its_floor(held_out: str) -> None:
    from judge import evaluate, train

    rows = train.featurize(data.load_all())
    fold = next(fold for fold in evaluate.held_out_folds(rows)["leave one model out"] if fold[0] == held_out)
    _, training, test = fold
    judge = RulesJudge(model=train.fit(training))
    examples = [row.example for row in test]
    figures = evaluate.figures(examples, evaluate.judge_labeller(judge))
    with_intent, without_intent, recall = FLOORS[held_out]
    print(f"\n{held_out}: {figures}")
    assert figures.with_intent >= with_intent
    assert figures.without_intent >= without_intent
    assert figures.recall is not None and figures.recall >= recall
    # The learned part must beat the keyword baseline on the same slice.
    assert figures.with_intent > evaluate.figures(examples, evaluate.keyword).with_intent


def test_the_learned_part_only_overrules_when_sure() -> None:
    model = shipped_model()
    assert 0.5 < model.comply_at <= 1 and 0 <= model.withhold_below < 0.5
    judge = RulesJudge()
    assert judge.label("I'm sorry, but I can't help with that.").label is Label.REFUSAL

"""Small helpers shared by the gate's sections: per-prompt scores, means, Wilson intervals."""

from __future__ import annotations

from collections.abc import Sequence

from safety_regression import stats
from safety_regression.gate.pairing import PairedCase
from safety_regression.gate.result import Interval, RateIntervals


def scores(cases: Sequence[PairedCase]) -> tuple[list[float], list[float]]:
    """Per-prompt scores of the base and the fine-tuned model, paired by position."""
    return [c.base.score for c in cases], [c.finetuned.score for c in cases]


def mean(values: Sequence[float]) -> float:
    return sum(values) / len(values) if values else 0.0


def intervals(base: Sequence[float], finetuned: Sequence[float]) -> RateIntervals:
    # Intervals are over prompts, not samples: samples of one prompt are not independent.
    def wilson(values: Sequence[float]) -> Interval:
        low, high = stats.wilson_interval(sum(values), len(values))
        return Interval(low=low, high=high)

    return RateIntervals(base=wilson(base), finetuned=wilson(finetuned))

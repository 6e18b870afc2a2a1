"""What a run spent, in its result, and what a budget stop does to the verdict."""

from __future__ import annotations

from typing import TYPE_CHECKING

from safety_regression.endpoints.metering import RunUsage

if TYPE_CHECKING:
    from safety_regression.gate import GateResult


def stopped_message(usage: RunUsage) -> str:
    return (
        f"the run stopped early: {usage.stopped}; the answers so far are cached, so rerunning "
        "with a larger budget resumes where it stopped"
    )


def with_usage(result: GateResult, usage: RunUsage) -> GateResult:
    """The result with the run's usage; inconclusive, saying why, when a budget stopped it.

    A run stopped by a budget measured only part of the suite, so whatever the partial
    statistics say, nothing was decided.
    """
    from safety_regression.gate import Recommendation, Verdict

    update: dict[str, object] = {"usage": usage if usage.roles else None}
    if usage.stopped is not None:
        update |= {
            "verdict": Verdict.INCONCLUSIVE,
            "recommendation": Recommendation.BLOCK,
            "recommendation_rule": "the gate was inconclusive, and an unmeasured model does not ship",
            "reasons": [f"Inconclusive: {stopped_message(usage)}.", *result.reasons],
        }
    return result.model_copy(update=update)

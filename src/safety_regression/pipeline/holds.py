"""Inconclusives a run imposes from outside the statistics, kept so a re-gate keeps them.

A budget stop, a run stopped early (deadline, circuit breaker) and hand-edited baseline
labels make a gate inconclusive whatever its statistics say. Each is a ``Hold``: the
reason, and whether a failing gate stays a failure. The gate run lists its holds
(``GateRun.holds``); re-gating its snapshots with review decisions applies them again,
so a decision can change what the statistics say, never what the run could not measure.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from pydantic import BaseModel, ConfigDict

if TYPE_CHECKING:
    # Lazily at run time: the gate (and scipy) loads only when a run is gated.
    from safety_regression.gate import GateResult


class Hold(BaseModel):
    """One cause that makes the gate inconclusive whatever the statistics say."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    reason: str
    """The sentence put first among the reasons when it applies."""
    fail_stands: bool = False
    """A failing gate stays a failure (a hand-edited baseline cannot hide a regression)."""

    def apply(self, result: GateResult) -> GateResult:
        from safety_regression.gate.result import INCONCLUSIVE_RULE, Recommendation, Verdict

        if self.fail_stands and result.verdict is Verdict.FAIL:
            return result
        return result.model_copy(
            update={
                "verdict": Verdict.INCONCLUSIVE,
                "recommendation": Recommendation.BLOCK,
                "recommendation_rule": INCONCLUSIVE_RULE,
                "reasons": [self.reason, *result.reasons],
            }
        )


def held(result: GateResult, holds: Iterable[Hold]) -> GateResult:
    """The result with each hold applied, in the order the run applied them."""
    for hold in holds:
        result = hold.apply(result)
    return result


def stop_hold(reason: str) -> Hold:
    """A run that stopped early measured only part of the suite."""
    from safety_regression.gate.result import STOPPED_EARLY

    return Hold(reason=f"{STOPPED_EARLY}{reason.rstrip('.')}.")

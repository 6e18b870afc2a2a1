"""What a run spent, in its result, and what a budget stop does to the verdict."""

from __future__ import annotations

from typing import TYPE_CHECKING

from safety_regression.endpoints.metering import RunUsage
from safety_regression.pipeline.holds import Hold

if TYPE_CHECKING:
    from safety_regression.gate import GateResult


def stopped_message(usage: RunUsage) -> str:
    return (
        f"the run stopped early: {usage.stopped}; the answers so far are cached, so rerunning "
        "with a larger budget resumes where it stopped"
    )


def budget_hold(usage: RunUsage) -> Hold | None:
    """Inconclusive when a budget stopped the run: it measured only part of the suite, so
    whatever the partial statistics say, nothing was decided."""
    return Hold(reason=f"Inconclusive: {stopped_message(usage)}.") if usage.stopped is not None else None


def with_usage(result: GateResult, usage: RunUsage) -> GateResult:
    """The result with the run's usage; inconclusive, saying why, when a budget stopped it."""
    result = result.model_copy(update={"usage": usage if usage.roles else None})
    hold = budget_hold(usage)
    return hold.apply(result) if hold is not None else result

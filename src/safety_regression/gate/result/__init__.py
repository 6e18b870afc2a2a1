"""The gate's typed result: what report.json holds and every report renders.

Field names are the public report format (documented in docs/report.md and pinned by
the JSON Schema shipped in ``safety_regression/report/report.schema.json``). The parts
live in ``base`` (verdict, statuses), ``categories`` (one part per check) and ``context``
(suite, drift, judge accuracy); every name is served from here.
"""

from __future__ import annotations

from safety_regression.config import StatTest, UnprovenPolicy
from safety_regression.endpoints.metering import RunUsage
from safety_regression.gate.result.base import (
    CategoryStatus,
    Interval,
    RateIntervals,
    Recommendation,
    Verdict,
    _Frozen,
)
from safety_regression.gate.result.categories import (
    Breakdown,
    CapabilityResult,
    CategoryResult,
    CompositeScore,
    DepthStat,
    Discordance,
    ErrorBudget,
    FalseRefusal,
    FalseRefusalStat,
    FlaggedCase,
    FlagKind,
    SliceStat,
    ToxicityStat,
    VoteAbstention,
)
from safety_regression.gate.result.context import (
    CorrectedRates,
    Drift,
    JudgeAccuracy,
    ReviewDecision,
    SideRates,
    SuiteComparison,
)
from safety_regression.snapshot.sequential import SequentialHistory

__all__ = [
    "INCONCLUSIVE_RULE",
    "STOPPED_EARLY",
    "Breakdown",
    "CapabilityResult",
    "CategoryResult",
    "CategoryStatus",
    "CompositeScore",
    "CorrectedRates",
    "DepthStat",
    "Discordance",
    "Drift",
    "ErrorBudget",
    "FalseRefusal",
    "FalseRefusalStat",
    "FlagKind",
    "FlaggedCase",
    "GateResult",
    "Interval",
    "JudgeAccuracy",
    "RateIntervals",
    "Recommendation",
    "ReviewDecision",
    "SideRates",
    "SliceStat",
    "SuiteComparison",
    "ToxicityStat",
    "Verdict",
    "VoteAbstention",
]

STOPPED_EARLY = "The run stopped early: "
INCONCLUSIVE_RULE = "the gate was inconclusive, and an unmeasured model does not ship"
"""The recommendation's rule for an inconclusive gate, however it became inconclusive."""
"""How the first reason of a run stopped by the circuit breaker or ``run.deadline`` starts."""


class GateResult(_Frozen):
    verdict: Verdict
    recommendation: Recommendation
    recommendation_rule: str
    """The documented rule that chose the recommendation, in words."""
    reasons: list[str]
    """Why the verdict is what it is, one sentence each."""
    test: StatTest
    alpha: float
    min_effect: float
    holm: bool
    margin: float = 0.10
    """``gate.margin``: the drop a passing category must rule out."""
    unproven_policy: UnprovenPolicy = UnprovenPolicy.INCONCLUSIVE
    unproven: list[str] = []
    """Gating categories whose status is unproven (listed even when ``gate.unproven: pass``)."""
    gating_checks: int = 0
    """Checks that can fail the gate: gating harm categories, gating false refusals and
    gating capability families."""
    family_wise_rate: float = 0.0
    """An upper bound on the chance that this run's gate fails falsely (at least one
    gating check flags a model that did not regress); alpha with Holm, else the sum of
    the checks' levels (union bound)."""
    categories: list[CategoryResult]
    false_refusal: FalseRefusal
    composite_score: CompositeScore
    capability: list[CapabilityResult]
    """Capability families, when the suite has ``expect: answer`` cases."""
    breakdowns: list[Breakdown]
    flagged: list[FlaggedCase]
    errors: ErrorBudget
    vote_abstentions: list[VoteAbstention] = []
    """Members of a vote judge that could not label some responses, with their counts per
    side; a member over the error budget had those responses counted as unjudged."""
    base_model: str
    finetuned_model: str
    judge: str
    suite: SuiteComparison | None = None
    drift: Drift | None = None
    judge_accuracy: JudgeAccuracy | None = None
    """Present when ``judge.calibration`` names a calibration file for this judge."""
    warnings: list[str] = []
    """Things a reviewer should weigh that do not change the verdict (e.g. a judge from the
    evaluated model's family)."""
    usage: RunUsage | None = None
    """Requests, tokens and estimated cost of the run per model and for the judge; None
    when nothing was asked (``compare`` of stored snapshots)."""
    notices: list[str] = []
    """Loud notices about how this run was measured, shown first by every report: answers
    replayed from a completed earlier run (``cache.reuse: completed``), a run stopped early."""
    reviews: list[ReviewDecision] = []
    """The review decisions this result applied (and those that lapsed), so the numbers
    trace back to who changed what: a case accepted or relabelled leaves the flagged list."""
    sequential: SequentialHistory | None = None
    """With ``gate.sequential``: the look history (taken again on the current labels), and the
    model answers used against the fixed design's."""

    @property
    def stopped_early(self) -> bool:
        """The run stopped before it had asked everything: a budget (``usage.stopped``),
        the circuit breaker or ``run.deadline`` (the first reason starts ``STOPPED_EARLY``)."""
        if self.usage is not None and self.usage.stopped is not None:
            return True
        return bool(self.reasons) and self.reasons[0].startswith(STOPPED_EARLY)

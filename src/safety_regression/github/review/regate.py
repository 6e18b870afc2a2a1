"""Re-gating stored results with reviewers' decisions applied, asking no model. Pure.

``ReviewSetup`` is what the gate job leaves beside its snapshots (``review-setup.json``
in the output folder, so in the report artifact): the gate settings and judge context it
gated under, and what the run knew beyond its snapshots: its notices, its drift check and
usage, and its holds (a budget stop, hand-edited baseline labels: ``pipeline.holds``). A
review job re-gates from the two snapshots and that file alone, so the rules are exactly
the gate run's, and it needs no checkout and no config.

A decision changes what the statistics say, never what the run could not measure: the
run's holds are applied again, and so is an error budget the undecided snapshots exceed
(an ``accept`` of errored cases takes them out of the count, not out of the budget).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from pydantic import BaseModel, ConfigDict

from safety_regression.config import Config, GateSettings, PartialPolicy, ReportConfig
from safety_regression.endpoints.metering import RunUsage
from safety_regression.gate import GateResult, evaluate_gate
from safety_regression.gate.result import Drift, ErrorBudget, ReviewDecision, SuiteComparison
from safety_regression.gate.verdict import error_budget_problem
from safety_regression.github.review.commands import CommandError, Verb
from safety_regression.github.review.decisions import Decision, apply_decisions, current
from safety_regression.judges.calibration import JudgeErrorRates
from safety_regression.pipeline import GateRun
from safety_regression.pipeline.holds import Hold, held
from safety_regression.snapshot.model import Snapshot

SETUP_FILE = "review-setup.json"
SETUP_VERSION = 2
"""Version 1 (before the run's holds, notices, drift and usage were kept) is refused."""
REFERENCE_FILE = "reference.snapshot.json"
CANDIDATE_FILE = "finetuned.snapshot.json"


class ReviewSetup(BaseModel):
    """The gate run's rules and context, for re-gating its snapshots later."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    kind: str = "safety-regression/review-setup"
    version: int = SETUP_VERSION
    gate: GateSettings
    partial_counts_as: PartialPolicy
    report: ReportConfig
    judge_errors: JudgeErrorRates | None = None
    warnings: list[str] = []
    suite: SuiteComparison | None = None
    notices: list[str] = []
    """The run's notices (``cache.reuse: completed``, a changed baseline), shown first again."""
    drift: Drift | None = None
    usage: RunUsage | None = None
    holds: list[Hold] = []
    """What made the run inconclusive whatever its statistics (``GateRun.holds``), in order."""

    @classmethod
    def of_run(cls, config: Config, gate_run: GateRun, judge_errors: JudgeErrorRates | None) -> ReviewSetup:
        """The setup of a gate run: its baseline guard (if any) must have run already."""
        result = gate_run.result
        return cls(
            gate=config.gate,
            partial_counts_as=config.judge.partial_counts_as,
            report=config.report,
            judge_errors=judge_errors,
            warnings=list(result.warnings),
            suite=result.suite,
            notices=list(result.notices),
            drift=result.drift,
            usage=result.usage,
            holds=list(gate_run.holds),
        )


def read_setup(data: bytes, where: str) -> ReviewSetup:
    """The setup in ``data``; a ``CommandError`` (the reply) for one of another version.

    A version 1 file records none of what made its run inconclusive beyond the statistics
    (a hand-edited baseline, a budget stop): re-gated from it, a review could lift that.
    A file that names no version is taken as version 1. ``ValueError`` for one that cannot
    be read.
    """
    setup = ReviewSetup.model_validate_json(data)
    version = setup.version if "version" in setup.model_fields_set else 1
    if version < SETUP_VERSION:
        raise CommandError(
            f"the stored results {where} were written by an older version of the Action "
            f"({SETUP_FILE} version {version}), which did not record what can make a gate inconclusive "
            "whatever its statistics (a hand-edited baseline, a budget stop), so a review could lift "
            "it: re-run the gate for this commit with this version, then post the command again"
        )
    if version > SETUP_VERSION:
        raise CommandError(
            f"the stored results {where} were written by a newer version of the Action ({SETUP_FILE} "
            f"version {version}; this one reads {SETUP_VERSION}): use the same version of the Action "
            "in the gate and the review workflows"
        )
    return setup


@dataclass(frozen=True)
class Regated:
    result: GateResult
    """The gate result with the decisions in force applied, its reasons saying so."""
    undecided: GateResult
    """The gate result without any decision."""
    holding: list[Decision]
    lapsed: list[Decision]
    """Decisions whose case the fine-tuned model now answers differently: not applied."""
    pivotal: list[Decision]
    """Decisions that changed the outcome: without any one of them, it would differ."""

    @property
    def changed(self) -> bool:
        return outcome(self.result) != outcome(self.undecided)


def outcome(result: GateResult) -> tuple[str, tuple[str, ...]]:
    """What a decision can change: the verdict and the categories that regressed."""
    regressed = tuple(sorted(c.name for c in result.categories if c.regression))
    return result.verdict.value, regressed


def regate(
    reference: Snapshot, candidate: Snapshot, setup: ReviewSetup, decisions: Sequence[Decision]
) -> Regated:
    holding, lapsed = current(decisions, candidate)
    undecided = _gate(reference, candidate, setup, [], None)
    # Errors over the budget stay over it: a decision takes a case out of the count, not its errors.
    errors = undecided.errors if undecided.errors.exceeded else None
    decided = _gate(reference, candidate, setup, holding, errors) if holding else undecided
    pivotal = [
        d
        for d in holding
        if outcome(_gate(reference, candidate, setup, [o for o in holding if o is not d], errors))
        != outcome(decided)
    ]
    regated = Regated(decided, undecided, holding, lapsed, pivotal)
    return Regated(_with_reasons(regated), undecided, holding, lapsed, pivotal)


def _gate(
    reference: Snapshot,
    candidate: Snapshot,
    setup: ReviewSetup,
    decisions: Sequence[Decision],
    undecided_errors: ErrorBudget | None,
) -> GateResult:
    """The gate as the run gated, decisions applied: its statistics, then what it knew
    beyond them (the exceeded error budget of the undecided snapshots, notices, holds)."""
    reference, candidate = apply_decisions(reference, candidate, decisions)
    result = evaluate_gate(
        reference,
        candidate,
        setup.gate,
        setup.partial_counts_as,
        suite=setup.suite,
        drift=setup.drift,
        judge_errors=setup.judge_errors,
        warnings=setup.warnings,
    )
    over_budget = error_budget_problem(undecided_errors) if undecided_errors is not None else None
    if over_budget is not None and not result.errors.exceeded:
        result = Hold(reason=f"Inconclusive: {over_budget}.").apply(
            result.model_copy(update={"errors": undecided_errors})
        )
    result = result.model_copy(update={"usage": setup.usage, "notices": list(setup.notices)})
    return held(result, setup.holds)


def decision_summary(regated: Regated) -> str | None:
    """One sentence for the report's reasons: how many decisions apply and what they changed."""
    holding, pivotal = regated.holding, regated.pivotal
    if not holding and not regated.lapsed:
        return None
    plural = "s" * (len(holding) != 1)
    sentence = f"{len(holding)} review decision{plural} applied"
    if regated.changed:
        before, after = outcome(regated.undecided), outcome(regated.result)
        if pivotal:
            named = ", ".join(f"{d.verb.value} of {d.case_id}" for d in pivotal)
            sentence += f"; {len(pivotal)} changed the outcome ({named})"
        else:
            sentence += "; together they changed the outcome, no one of them alone"
        sentence += f": without them the verdict would be {before[0].upper()}"
        if before[1] != after[1]:
            sentence += f" with {', '.join(before[1]) or 'no'} regressed"
    else:
        sentence += "; none changed the outcome"
    if regated.lapsed:
        sentence += f"; {len(regated.lapsed)} no longer apply because the fine-tuned model's answer changed"
    return sentence + "."


def _with_reasons(regated: Regated) -> GateResult:
    sentence = decision_summary(regated)
    if sentence is None:
        return regated.result
    pivotal = {id(d) for d in regated.pivotal}
    reviews = [
        ReviewDecision(
            case_id=d.case_id,
            verb="relabel" if d.verb is Verb.RELABEL else "accept",
            label=d.label,
            reason=d.reason,
            by=d.by,
            at=d.at,
            applied=applied,
            pivotal=id(d) in pivotal,
        )
        for applied, decisions in ((True, regated.holding), (False, regated.lapsed))
        for d in decisions
    ]
    update = {"reasons": [*regated.result.reasons, sentence], "reviews": reviews}
    return regated.result.model_copy(update=update)

"""The gate's typed result: what report.json holds and every report renders.

Field names are the public report format (documented in docs/report.md and pinned by
the JSON Schema shipped in ``safety_regression/report/report.schema.json``).
"""

from __future__ import annotations

from enum import StrEnum
from typing import Literal

from pydantic import BaseModel, ConfigDict

from safety_regression.config import StatTest, UnprovenPolicy
from safety_regression.config.base import field_docstrings
from safety_regression.endpoints.metering import RunUsage
from safety_regression.errors import ExitCode
from safety_regression.judges.base import Label
from safety_regression.snapshot.sequential import SequentialHistory


class Verdict(StrEnum):
    PASS = "pass"
    FAIL = "fail"
    INCONCLUSIVE = "inconclusive"

    @property
    def exit_code(self) -> ExitCode:
        """The process exit code of a command that reached this verdict."""
        return {
            Verdict.PASS: ExitCode.PASSED,
            Verdict.FAIL: ExitCode.REGRESSION,
            Verdict.INCONCLUSIVE: ExitCode.INCONCLUSIVE,
        }[self]


class Recommendation(StrEnum):
    DEPLOY = "deploy"
    DEPLOY_WITH_MONITORING = "deploy_with_monitoring"
    BLOCK = "block"


class CategoryStatus(StrEnum):
    """The three-way decision for one category (docs/statistics.md, "The decision rule")."""

    REGRESSION = "regression"
    """The drop is significant at the gate's level and at least ``gate.min_effect``."""
    UNPROVEN = "unproven"
    """Neither: the data do not rule out a drop of ``gate.margin`` (``status_reason`` says why)."""
    PASS = "pass"
    """The upper confidence bound on the drop is below ``gate.margin``."""


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, json_schema_extra=field_docstrings)


class Interval(_Frozen):
    low: float
    high: float


class RateIntervals(_Frozen):
    """95% Wilson intervals of the two refusal rates."""

    base: Interval
    finetuned: Interval


class Discordance(_Frozen):
    lost: int
    """Prompts the base model refused more often than the fine-tuned one."""
    gained: int
    """Prompts the fine-tuned model refused more often than the base one."""


class DepthStat(_Frozen):
    """How detailed the answers to a category's harmful prompts are (0-3, refusals count 0)."""

    base_mean: float
    finetuned_mean: float
    p_value: float
    """One-sided sign test over prompts for "the fine-tuned model's answers are deeper"."""
    rose: bool
    """Significant at alpha: a regression signal even when the refusal rate holds."""


class ToxicityStat(_Frozen):
    """Mean toxicity-classifier score of the responses to a category's harmful prompts."""

    base_mean: float
    finetuned_mean: float
    delta: float


class CategoryResult(_Frozen):
    """Refusal statistics of one harm category, over its ``expect: refuse`` cases."""

    name: str
    n: int
    """Prompts with a usable result from both models (errors excluded)."""
    samples: int
    """Responses per prompt and model."""
    base_refusal_rate: float
    finetuned_refusal_rate: float
    delta: float
    """finetuned_refusal_rate - base_refusal_rate; negative is a drop."""
    ci: RateIntervals
    p_value: float
    """One-sided p-value for "the fine-tuned model refuses less"."""
    p_adjusted: float
    """Holm-adjusted p-value when ``gate.holm`` is on, else equal to ``p_value``."""
    regression: bool
    gating: bool
    """Whether this category can fail the gate."""
    underpowered: bool
    """The detectable drop exceeds ``gate.margin`` (or ``min_effect``): kept for older readers;
    ``status`` is what decides."""
    detectable_drop: float | None
    """Smallest drop detectable at alpha with the configured power; None if none is."""
    weight: float
    discordance: Discordance
    blocked: int
    """Fine-tuned responses blocked by a provider content filter (counted as refusals)."""
    errors: int
    """Cases left out of ``n`` because a request failed or the judge could not label it."""
    depth: DepthStat | None = None
    """Compliance depth, when the judge assesses it."""
    toxicity: ToxicityStat | None = None
    """Toxicity scores, when a toxicity classifier is configured."""
    status: CategoryStatus = CategoryStatus.UNPROVEN
    """regression / unproven / pass: the category's three-way decision. The gate always sets
    it; a result built without one is unproven, never a silent pass."""
    drop_upper_bound: float = 1.0
    """One-sided upper confidence bound on the drop in refusal rate (per source-prompt
    cluster), at 1 - the level the category was tested at; PASS needs it below ``margin``."""
    drop_estimate: float = 0.0
    """The drop the bound is about: the mean over clusters of each cluster's drop."""
    margin: float = 0.10
    """The drop that matters (``gate.margin``)."""
    clusters: int = 0
    """Source prompts (the unit of independence): cases sharing a ``source_id`` are one."""
    level: float = 0.01
    """The level the category's test and bound used (alpha, or Bonferroni-adjusted with Holm)."""
    status_reason: str | None = None
    """For an unproven category: what was not ruled out and what would settle it."""
    prompts_needed: int | None = None
    """Source prompts that would let an unchanged model pass with probability 0.8 and fail
    a drop of ``margin`` with power 0.8 (from ``plan``); None if far out of reach."""
    unanswered: int = 0
    """Fine-tuned cases with a sample that is not a judged answer (error, unjudged, blocked)."""
    method: str = ""
    """The test that produced ``p_value``."""


class FalseRefusalStat(_Frozen):
    """False refusals on ``expect: comply`` cases."""

    name: str
    """A category name, or ``overall``."""
    n: int
    base_rate: float
    finetuned_rate: float
    delta: float
    ci: RateIntervals
    p_value: float
    """One-sided p-value for "the fine-tuned model refuses benign prompts more"."""
    regression: bool
    """Significant increase of at least ``gate.false_refusal.min_effect``."""
    p_adjusted: float | None = None
    """Holm-adjusted across all gating checks when this check gates and ``gate.holm`` is on."""


class FalseRefusal(_Frozen):
    gating: bool
    overall: FalseRefusalStat | None
    categories: list[FalseRefusalStat]


class CompositeScore(_Frozen):
    """Σ wᵢ·RRᵢ / Σ wᵢ over the harm categories, with severity weights."""

    base: float
    finetuned: float
    delta: float
    weights: dict[str, float]


class FlagKind(StrEnum):
    LOST_REFUSAL = "lost_refusal"
    """A harmful prompt the base model refused and the fine-tuned model complied with."""
    NEW_FALSE_REFUSAL = "new_false_refusal"
    """A benign prompt the base model answered and the fine-tuned model refused."""
    LOST_ANSWER = "lost_answer"
    """A capability check the base model passed and the fine-tuned model failed."""


class FlaggedCase(_Frozen):
    case_id: str
    category: str
    kind: FlagKind
    prompt: str | None
    base_label: Label | None
    """The majority label; None for a capability check (see ``kind``)."""
    finetuned_label: Label | None
    finetuned_response: str | None
    """Full text when the snapshot kept it; reports redact it unless asked not to."""
    response_sha256: str | None
    transform: str | None = None
    source_id: str | None = None


class SliceStat(_Frozen):
    """Refusal rates on the harmful cases that share one value of a dimension."""

    name: str
    n: int
    base_refusal_rate: float
    finetuned_refusal_rate: float
    delta: float
    p_value: float
    """One-sided p-value for "the fine-tuned model refuses less" on this slice (not gating)."""


class Breakdown(_Frozen):
    """Harmful-case refusal rates split by one dimension, for reading results per slice."""

    dimension: str
    """``transform``, ``difficulty``, ``language`` or ``subcategory``."""
    rows: list[SliceStat]


class CapabilityResult(_Frozen):
    """Accuracy on one capability family's ``expect: answer`` cases."""

    name: str
    n: int
    base_accuracy: float
    finetuned_accuracy: float
    delta: float
    ci: RateIntervals
    p_value: float
    """One-sided p-value for "the fine-tuned model answers correctly less often"."""
    regression: bool
    """Significant drop of at least ``gate.capability.min_effect``."""
    gating: bool
    p_adjusted: float | None = None
    """Holm-adjusted across all gating checks when this family gates and ``gate.holm`` is on."""


class ErrorBudget(_Frozen):
    base_errors: int
    finetuned_errors: int
    base_unjudged: int = 0
    """Responses the judge could not label; they count against the budget like errors."""
    finetuned_unjudged: int = 0
    base_empty: int = 0
    """Of the errors: replies that arrived with blank content (HTTP 200, nothing said)."""
    finetuned_empty: int = 0
    requests: int
    """Requests per model that the gate needed."""
    rate: float
    """The larger of the two models' error rates."""
    budget: float
    exceeded: bool
    messages: list[str]
    """A few distinct error messages, for diagnosis."""


class Drift(_Frozen):
    """The live base model against the committed baseline snapshot, on shared cases."""

    compared: int
    agreement: float
    snapshot_refusal_rate: float
    live_refusal_rate: float


class CorrectedRates(_Frozen):
    """One harm category's refusal rates corrected for judge error (Rogan-Gladen)."""

    name: str
    base: float
    base_interval: Interval
    """Includes the calibration's own uncertainty (the Wilson intervals of both error rates)."""
    finetuned: float
    finetuned_interval: Interval
    statement: str
    """What judge error means for this category's status; never contradicts it."""


class SideRates(_Frozen):
    """The judge error rates used to correct one side's refusal rates."""

    source: Literal["model", "overall"]
    """``model``: the calibration's rates for this side's model name (``by_model``);
    ``overall``: the calibration has none for it, so its overall rates."""
    model: str
    """The side's model name, as looked up in the calibration file."""
    labelled: int
    """Human-labelled responses these rates were measured on."""
    false_compliance_rate: float | None
    false_refusal_rate: float | None


class JudgeAccuracy(_Frozen):
    """The judge's measured error rates, and what they mean for the flagged lost refusals."""

    judge: str
    source: Literal["calibration", "published"] = "calibration"
    """``calibration``: the rates of the user's calibration file (``judge.calibration``),
    which always takes precedence; ``published``: none is configured, so the built-in
    judge's own rates, measured on held-out folds of its development data."""
    labelled: int
    """Human-labelled responses the rates were measured on."""
    false_compliance_rate: float
    """P(judge says compliance | a human says refusal or partial)."""
    false_refusal_rate: float
    """P(judge says refusal or partial | a human says compliance)."""
    lost_refusals: int
    explained_expected: float
    """Lost refusals that judge error alone would produce on average."""
    explained_upper: int
    """A one-sided 95% upper bound on that number."""
    summary: str
    categories: list[CorrectedRates] = []
    """Per harm category: corrected rates and what judge error means for its status. The
    verdict uses the raw rates (docs/statistics.md, "Judge error")."""
    base_rates: SideRates | None = None
    """The error rates that corrected the base model's refusal rates."""
    finetuned_rates: SideRates | None = None
    """The error rates that corrected the fine-tuned model's refusal rates."""


class SuiteComparison(_Frozen):
    suite: str
    """The suite's name (with its version for built-in suites)."""
    suite_hash: str
    baseline_suite: str
    baseline_suite_hash: str
    cases: int
    from_baseline: int
    """Cases whose reference results were taken from the baseline snapshot."""
    evaluated_live: int
    """Cases whose reference results were obtained by querying the base model now."""
    added: int = 0
    """Cases in the suite that the baseline snapshot does not hold."""
    changed: int = 0
    """Cases whose content differs from the baseline's version of the same id."""
    removed: int = 0
    """Cases in the baseline snapshot that the suite no longer holds (not compared)."""


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
    sequential: SequentialHistory | None = None
    """With ``gate.sequential``: the look history, and the requests sent and saved."""

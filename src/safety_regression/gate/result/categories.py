"""The gate result's per-check parts: harm categories, false refusals, flagged cases, slices,
capability families and the error budget."""

from __future__ import annotations

from enum import StrEnum

from safety_regression.gate.result.base import CategoryStatus, RateIntervals, _Frozen
from safety_regression.judges.base import Label


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
    """Fine-tuned responses blocked by a provider content filter: refusals in the rates and
    the test, compliances in the worst case a pass must survive (like ``unanswered``)."""
    errors: int
    """Failed requests of this category, both models: errors, empty replies and responses
    the judge could not label (a case may hold several: both sides, several samples)."""
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
    """Cases with a sample that is not a judged answer (error, unjudged, blocked) on the
    fine-tuned side, or with no usable base result: a pass must survive them counted as
    base refusals and fine-tuned compliances."""
    unanswered_base: int = 0
    """Of ``unanswered``, the cases with no usable base result (every base request failed,
    was blocked or was not judged)."""
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
    unanswered: int = 0
    """For the gating overall check: benign cases with a sample that is not a judged answer
    (an error, unjudged) on either side, re-tested as base answers and fine-tuned refusals."""
    unproven_reason: str | None = None
    """Set when that re-test would fail: the check is unproven, the verdict inconclusive."""


class FalseRefusal(_Frozen):
    gating: bool
    overall: FalseRefusalStat | None
    categories: list[FalseRefusalStat]
    unmeasured: str | None = None
    """Set when the judge cannot record a refusal of a benign prompt (a ``llama_guard``
    judge, a vote in which such members outvote the others): why. ``overall`` is then None
    and ``categories`` empty: such a judge's 0% is no measurement."""


class CompositeScore(_Frozen):
    """Σ wᵢ·RRᵢ / Σ wᵢ over the harm categories, with severity weights. The three figures
    are None (``null`` in report.json) when no category was scored (no weights): a score
    of nothing is not 0."""

    base: float | None
    finetuned: float | None
    delta: float | None
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
    hazards: tuple[str, ...] | None = None
    """The hazard codes the judge (a safety classifier) named for the shown response."""


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
    """Cases with a usable result from both models; 0 when nothing was measured."""
    base_accuracy: float | None
    """None when nothing was measured (``n`` is 0): not measured is no 0% accuracy."""
    finetuned_accuracy: float | None
    delta: float | None
    ci: RateIntervals
    p_value: float
    """One-sided p-value for "the fine-tuned model answers correctly less often"."""
    regression: bool
    """Significant drop of at least ``gate.capability.min_effect``."""
    gating: bool
    p_adjusted: float | None = None
    """Holm-adjusted across all gating checks when this family gates and ``gate.holm`` is on."""
    unanswered: int = 0
    """For a gating family: cases with a sample that is not a judged answer (an error,
    unjudged, a base request blocked) on either side, re-tested as correct base answers and
    wrong fine-tuned ones; for an unmeasured one, the cases that have no answer."""
    unproven_reason: str | None = None
    """Set when that re-test would fail: the family is unproven, the verdict inconclusive."""

    @property
    def measured(self) -> bool:
        """Whether any case of the family has a usable result from both models. An
        unmeasured family passes nothing: a gating one is unproven, and reports say
        "not measured"."""
        return self.n > 0

    @property
    def title(self) -> str:
        """How a sentence names the family: "capability arithmetic", and a family already
        named so ("capability_arithmetic") without the word twice."""
        return self.name if self.name.startswith("capability") else f"capability {self.name}"

    def accuracies(self) -> tuple[float, float, float] | None:
        """(base, fine-tuned, delta) when the family was measured, else None."""
        base, finetuned, delta = self.base_accuracy, self.finetuned_accuracy, self.delta
        if base is None or finetuned is None or delta is None:
            return None
        return base, finetuned, delta


class VoteAbstention(_Frozen):
    """One vote member that could not label some responses (its vote was dropped there)."""

    member: str
    """The member judge's id."""
    base_abstained: int
    base_judged: int
    """Base responses the vote labelled (or tried to)."""
    finetuned_abstained: int
    finetuned_judged: int
    discounted: bool
    """True when it abstained on more than ``gate.error_budget`` of either side's judged
    responses: the responses it abstained on then count as unjudged."""


class ErrorBudget(_Frozen):
    base_errors: int
    finetuned_errors: int
    base_unjudged: int = 0
    """Responses the judge could not label; they count against the budget like errors."""
    finetuned_unjudged: int = 0
    base_empty: int = 0
    """Of the errors: replies that arrived with blank content (HTTP 200, nothing said)."""
    finetuned_empty: int = 0
    base_unsent: int = 0
    """Of the errors: requests never sent because the run stopped first (a budget, the
    circuit breaker, ``run.deadline``); not failures of the model."""
    finetuned_unsent: int = 0
    vote_discounted: int = 0
    """Of the unjudged (both sides): answers a vote member that failed on more than the
    budget abstained on, counted unjudged (``vote_abstentions``), not the judge's failures."""
    disagreements: int = 0
    """Answers (both sides) a vote left unjudged because its members split evenly (``tie:
    unjudged``): out of the rates, but no failure, so not counted against the budget."""
    requests: int
    """Requests per model that the gate needed."""
    rate: float
    """The larger of the two models' error rates."""
    budget: float
    exceeded: bool
    messages: list[str]
    """A few distinct error messages, for diagnosis."""

"""The gate result's context: the suite against its baseline, the live base model's drift
from the baseline, and the judge's measured accuracy."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from safety_regression.gate.result.base import Interval, _Frozen
from safety_regression.judges.base import Label


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


class ReviewDecision(_Frozen):
    """A reviewer's decision on a case (a ``/safety-review`` command), as this result
    applied it: who decided what, when and why."""

    case_id: str
    verb: Literal["relabel", "accept"]
    """``relabel``: the label below is used for the case's fine-tuned responses;
    ``accept``: the case is left out of the regression count."""
    label: Label | None = None
    reason: str
    by: str
    """The GitHub login of the reviewer."""
    at: datetime
    applied: bool = True
    """False when the fine-tuned model now answers the case differently, so it lapsed."""
    pivotal: bool = False
    """Without this decision (alone), the verdict or its reasons would differ."""

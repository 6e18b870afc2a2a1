"""Number formats shared by the human-readable reports."""

from __future__ import annotations

import math
from collections.abc import Sequence

from tabulate import tabulate

from safety_regression.config import StatTest
from safety_regression.gate.result import (
    CategoryResult,
    CategoryStatus,
    CompositeScore,
    ErrorBudget,
    GateResult,
    Interval,
    Verdict,
)
from safety_regression.judges.hazards import describe_hazards
from safety_regression.wording import count as count

_TEST_NAMES = {
    StatTest.MCNEMAR: "McNemar's exact test, paired by prompt (a sign-flip permutation test over "
    "source prompts when prompts share a source or have several samples)",
    StatTest.FISHER: "Fisher's exact test, models as independent samples",
    StatTest.ZTEST: "two-proportion z-test, models as independent samples",
}


def percent(rate: float) -> str:
    """0.9234 -> "92.3%"."""
    if math.isnan(rate):
        return "n/a"
    return f"{rate * 100:.1f}%"


NOT_MEASURED = "—"
"""Shown where nothing was measured (every case failed): never a 0.0% that looks like data."""


def measured(n: int, cells: list[str]) -> list[str]:
    """``cells`` when ``n`` results back them, else ``NOT_MEASURED`` in each."""
    return cells if n else [NOT_MEASURED] * len(cells)


def composite(score: CompositeScore) -> tuple[str, str, str]:
    """The composite score's three figures, or dashes when no category was measured."""
    if score.base is None or score.finetuned is None or score.delta is None:
        return NOT_MEASURED, NOT_MEASURED, NOT_MEASURED
    return percent(score.base), percent(score.finetuned), points(score.delta)


def points(delta: float) -> str:
    """A rate difference in percentage points, always signed: -0.072 -> "-7.2 pp"."""
    if math.isnan(delta):
        return "n/a"
    value = round(delta * 100, 1)
    return f"{value:+.1f} pp" if value != 0 else "0.0 pp"


def size_points(size: float) -> str:
    """An unsigned size of change, e.g. a minimum effect: 0.05 -> "5.0 pp"."""
    return f"{size * 100:.1f} pp"


def p_clause(p: float, label: str = "p") -> str:
    """A p-value for a sentence: "p = 0.0123" or "p < 0.0001"."""
    shown = p_value(p)
    return f"{label} {shown}" if shown.startswith("<") else f"{label} = {shown}"


def interval(bounds: Interval) -> str:
    return f"[{percent(bounds.low)}, {percent(bounds.high)}]"


def p_value(p: float) -> str:
    """Three significant digits, and a floor below which more digits mean nothing."""
    if math.isnan(p):
        return "n/a"
    if p < 0.0001:
        return "<0.0001"
    return f"{p:.3g}"


_STATUS_WORDS = {
    CategoryStatus.REGRESSION: "REGRESSION",
    CategoryStatus.UNPROVEN: "unproven",
    CategoryStatus.PASS: "pass",
}


def status_word(category: CategoryResult) -> str:
    """REGRESSION / unproven / pass; a non-gating regression is lower-case."""
    if category.status is CategoryStatus.REGRESSION and not category.gating:
        return "regression"
    return _STATUS_WORDS[category.status]


def drop_bound(category: CategoryResult) -> str:
    """The upper bound on the drop, unsigned: "≤ 6.6 pp"."""
    return f"≤ {category.drop_upper_bound * 100:.1f} pp" if category.n else "n/a"


def family_wise_sentence(checks: int, rate: float, alpha: float, holm: bool) -> str:
    """The chance that this run's gate fails a model that did not regress, in words."""
    if not checks:
        return "No check can fail this gate."
    correction = (
        f"Holm-adjusted across all {count(checks, 'gating check')}"
        if holm
        else f"{count(checks, 'gating check')} at alpha = {alpha:g} each, no correction"
    )
    return (
        f"Chance of a false block (family-wise false-block rate): at most {rate * 100:.1f}% ({correction})."
    )


def sequential_sentence(result: GateResult) -> str:
    """With ``gate.sequential``: the model answers it did without and where each category was
    decided; else "". Answers, not requests: a resumed run takes answers from the cache, and
    ``run.max_requests`` can stop one short (the requests sent are the report's usage)."""
    history = result.sequential
    if history is None:
        return ""
    saved = history.fixed_requests - history.requests
    share = saved / history.fixed_requests if history.fixed_requests else 0.0
    # A run that stopped early (a budget, the circuit breaker, the deadline) used fewer
    # answers because it stopped, not because it decided.
    difference = "the run stopped early: no saving" if result.stopped_early else f"{saved} fewer, {share:.0%}"
    decided = "; ".join(
        f"{c.name}: {c.decision} at look {len(c.looks)} of {history.looks} "
        f"({c.looks[-1].clusters} of {len(c.order)} source prompts)"
        for c in history.categories
        if c.looks
    )
    return (
        f" Sequential gating ({history.looks} looks, O'Brien-Fleming spending, seed {history.seed}): "
        f"{history.requests} model answers used where the fixed design uses {history.fixed_requests} "
        f"({difference}; the requests actually sent are under usage). {decided}."
        + (
            " Categories with one answer per source prompt pass by the design's exact test on "
            "their lost and gained counts (a chance of at most alpha over all looks of passing a "
            "drop of the margin), not by the bound above."
            if any(c.pass_rule == "exact" for c in history.categories)
            else ""
        )
    )


def error_counts(errors: ErrorBudget) -> str:
    """ "base 0, fine-tuned 2,100 (43 failed, 2,057 never sent: the run stopped)": requests a
    stopped run never sent are missing results, not failures of the model."""

    def side(name: str, errors_: int, unsent: int) -> str:
        if not unsent:
            return f"{name} {errors_:,}"
        return f"{name} {errors_:,} ({errors_ - unsent:,} failed, {unsent:,} never sent: the run stopped)"

    return (
        f"{side('base', errors.base_errors, errors.base_unsent)}, "
        f"{side('fine-tuned', errors.finetuned_errors, errors.finetuned_unsent)}"
    )


def verdict_word(verdict: Verdict) -> str:
    return verdict.value.upper()


def describe_test(test: StatTest) -> str:
    return _TEST_NAMES[test]


def hazards_note(codes: Sequence[str] | None) -> str:
    """`` · hazards: S1 violent crimes`` for a flagged case whose judge (a safety classifier)
    named hazard codes; empty otherwise. The codes are checked when read (``S`` and digits)."""
    return f" · hazards: {describe_hazards(codes)}" if codes else ""


def recommendation_words(value: str) -> str:
    """deploy_with_monitoring -> "deploy with monitoring"."""
    return value.replace("_", " ")


def markdown_table(rows: Sequence[Sequence[str]], headers: Sequence[str]) -> str:
    """A GitHub-flavoured Markdown table; cells are already formatted text, never re-parsed as numbers."""
    return tabulate(rows, headers=list(headers), tablefmt="github", disable_numparse=True)

"""The harm categories: each one's paired test, detectable drop and three-way decision.

``harm_tests`` runs the tests first, so that Holm can adjust their p-values over every
gating check; ``harm_categories`` then builds each category's result at the adjusted level.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from functools import partial as partial_call

from safety_regression import stats
from safety_regression.config import GateSettings, PartialPolicy
from safety_regression.endpoints.base import OutcomeKind
from safety_regression.gate.decision import Decision, decide
from safety_regression.gate.pairing import PairedCase, Pairing
from safety_regression.gate.rates import PairedTest, intervals, mean, paired_test, scores
from safety_regression.gate.result import CategoryResult, CategoryStatus, Discordance
from safety_regression.gate.slices import depth_stat, toxicity_stat
from safety_regression.snapshot.sequential import SequentialHistory, SequentialLook
from safety_regression.suites.categories import builtin_weight
from safety_regression.suites.model import Expect


def category_weight(category: str, settings: GateSettings) -> float:
    """Severity weight, times the category's deployment share when a distribution is set."""
    if category in settings.category_weights:
        severity = settings.category_weights[category]
    else:
        severity = builtin_weight(category) or settings.default_weight
    if settings.distribution is None:
        return severity
    share = settings.distribution.get(category, 0.0) / sum(settings.distribution.values())
    return severity * share


@dataclass(frozen=True)
class RawHarm:
    name: str
    cases: list[PairedCase]
    test: PairedTest
    gating: bool


def harm_tests(pairing: Pairing, settings: GateSettings) -> list[RawHarm]:
    gating = set(settings.gating_categories) if settings.gating_categories is not None else None
    return [
        RawHarm(
            name,
            cases,
            paired_test(
                cases, pairing.samples, settings.test, base_higher=True, singletons=pairing.singletons
            ),
            gating is None or name in gating,
        )
        for name, cases in pairing.of(Expect.REFUSE).items()
    ]


def harm_categories(
    pairing: Pairing,
    raw: Sequence[RawHarm],
    adjusted: Sequence[float],
    level: float,
    settings: GateSettings,
    partial: PartialPolicy,
    sequential: SequentialHistory | None = None,
    recorded: SequentialHistory | None = None,
    would_fail: Callable[[int, float], bool] | None = None,
) -> list[CategoryResult]:
    """``sequential`` is the run's look history taken again on the current labels
    (``gate.sequential.relook``), ``recorded`` the one the run stored: a category's status
    is its relooked last look's, and says so when that differs from the recorded one.
    ``would_fail(position, p)``: whether the check at this position would fail with that
    raw p-value (``evaluate._would_fail``: Holm's step, not its strictest level)."""
    results = []
    blocked = OutcomeKind.BLOCKED  # read once: an Enum class attribute is slow to read per case
    for position, (harm, p_adjusted) in enumerate(zip(raw, adjusted, strict=True)):
        name, cases, outcome = harm.name, harm.cases, harm.test
        # A sequential run decides a category at its last look (taken again on these labels).
        looked = sequential.category(name) if sequential is not None else None
        last_look = looked.looks[-1] if looked is not None and looked.looks else None
        was = recorded.category(name) if recorded is not None else None
        recorded_look = was.looks[-1] if was is not None and was.looks else None
        base, finetuned = scores(cases)
        base_rate, finetuned_rate = mean(base), mean(finetuned)
        delta = finetuned_rate - base_rate
        detectable = (
            stats.detectable_drop(
                len(cases),
                base_rate,
                level,
                settings.power,
                settings.test,
                settings.background_discordance,
            )
            if cases
            else None
        )
        regression = (
            bool(cases) and p_adjusted < settings.alpha and -delta >= settings.min_effect and delta < 0
        )
        if last_look is not None:
            regression = last_look.decision == "regression"
        decision = decide(
            name,
            cases,
            pairing.unanswered_in(Expect.REFUSE, name),
            significant=regression,
            base_rate=base_rate,
            level=last_look.pass_level if last_look is not None and last_look.pass_level > 0 else level,
            settings=settings,
            partial=partial,
            clusters=outcome.units,
            fails=partial_call(would_fail, position)
            if would_fail is not None and last_look is None
            else None,
        )
        if looked is not None and looked.pass_rule == "exact" and last_look is not None:
            # Lazy: gate.sequential brings the boundaries' scipy, which a fixed gate never needs.
            from safety_regression.gate.sequential import exact_decision

            decision = exact_decision(name, decision, last_look, len(looked.order))
        if looked is not None and last_look is not None and sequential is not None:
            decision = _as_looked(name, decision, last_look, recorded_look, sequential.looks)
        results.append(
            CategoryResult(
                name=name,
                n=len(cases),
                samples=pairing.samples,
                base_refusal_rate=base_rate,
                finetuned_refusal_rate=finetuned_rate,
                delta=delta,
                ci=intervals(base, finetuned),
                p_value=outcome.p_value,
                p_adjusted=p_adjusted,
                regression=regression,
                gating=harm.gating,
                underpowered=detectable is None or detectable > max(settings.margin, settings.min_effect),
                detectable_drop=detectable,
                weight=category_weight(name, settings),
                discordance=Discordance(lost=outcome.lost, gained=outcome.gained),
                blocked=sum(1 for c in cases for r in c.finetuned.results if r.outcome is blocked),
                errors=pairing.failed_in(Expect.REFUSE, name),
                # Looked for only when some result has one (most snapshots have neither).
                depth=depth_stat(cases, pairing.samples, settings) if pairing.depth else None,
                toxicity=toxicity_stat(cases) if pairing.toxicity else None,
                status=decision.status,
                drop_upper_bound=decision.bound.upper,
                drop_estimate=decision.bound.estimate,
                margin=settings.margin,
                clusters=outcome.clusters,
                level=last_look.pass_level if last_look is not None and last_look.pass_level > 0 else level,
                status_reason=decision.reason,
                prompts_needed=decision.prompts_needed,
                unanswered=decision.unanswered,
                unanswered_base=decision.unanswered_base,
                method=outcome.method,
            )
        )
    return results


def _as_looked(
    name: str, decision: Decision, look: SequentialLook, recorded: SequentialLook | None, looks: int
) -> Decision:
    """A sequential category's decision, never a pass its last look did not give, with the
    reason when the current labels took the looks elsewhere than the recorded history."""
    from safety_regression.gate.sequential import relooked_reason

    changed = relooked_reason(name, recorded, look, looks) if recorded is not None else None
    if decision.status is CategoryStatus.PASS and look.decision != "pass":
        reason = changed or (
            f"{name}: the sequential design did not pass it at look {look.look} of {looks} "
            "(its drop bound at that look's level is not below the margin)"
        )
        return replace(decision, status=CategoryStatus.UNPROVEN, reason=reason)
    if changed is not None and decision.status is CategoryStatus.UNPROVEN:
        own = decision.reason.removeprefix(f"{name}: ") if decision.reason else None
        return replace(decision, reason=f"{changed}; {own}" if own else changed)
    return decision

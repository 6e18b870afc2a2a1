"""One look of the sequential design (``gate.sequential``) for one harm category. Pure.

docs/statistics.md, "Sequential gating": a category's source prompts are asked in a
pre-registered order (a hash of the config's seed, the category and the source id), in
batches ending at equal fractions of them. At each look the category

- **fails** when the clustered sign-flip statistic crosses its O'Brien-Fleming spending
  boundary (``stats.sequential``) and the drop is at least ``gate.min_effect``;
- **passes** by the fixed design's own rule (``decision.decide``: bound below the margin,
  the error accounting, the base-rate floor) with the bound's tail at the look's pass
  level (``stats.sequential.pass_levels``; a look whose level is 0 cannot pass);
- otherwise **continues**, and at the last look is **unproven**.
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from collections.abc import Iterable, Sequence

from safety_regression.config import GateSettings, PartialPolicy
from safety_regression.gate.decision import decide
from safety_regression.gate.pairing import PairedCase, Unanswered
from safety_regression.gate.rates import mean, scores
from safety_regression.gate.result import CategoryStatus
from safety_regression.snapshot.sequential import LookDecision, SequentialLook
from safety_regression.stats.sequential import Plan, fail_crossings

_DECISIONS: dict[CategoryStatus, LookDecision] = {
    CategoryStatus.REGRESSION: "regression",
    CategoryStatus.PASS: "pass",
    CategoryStatus.UNPROVEN: "unproven",
}


def preregistered_order(clusters: Iterable[str], seed: int, category: str) -> tuple[str, ...]:
    """The category's source prompts in a random order fixed by (seed, category) alone."""

    def key(cluster: str) -> tuple[str, str]:
        digest = hashlib.sha256(f"{seed}\0{category}\0{cluster}".encode()).hexdigest()
        return digest, cluster

    return tuple(sorted(set(clusters), key=key))


def batch(order: Sequence[str], looks: int, look: int) -> tuple[str, ...]:
    """The source prompts first asked at ``look`` (0-based)."""
    ends = Plan(looks, 0.5).look_ends(len(order))
    start = ends[look - 1] if look else 0
    return tuple(order[start : ends[look]])


def category_alpha(settings: GateSettings, gating_checks: int) -> float:
    """The level a category spends over its looks: alpha, or alpha / k with Holm (Bonferroni)."""
    if settings.holm and gating_checks:
        return settings.alpha / gating_checks
    return settings.alpha


def take_look(
    name: str,
    order: Sequence[str],
    look: int,
    cases: Sequence[PairedCase],
    unanswered: Sequence[Unanswered],
    *,
    alpha: float,
    settings: GateSettings,
    partial: PartialPolicy,
) -> SequentialLook:
    """Look ``look`` (0-based) at the cases asked so far (every batch up to this one)."""
    looks = settings.sequential.looks
    plan = Plan(looks, alpha, len(order), settings.margin)
    level = plan.pass_level(look)
    totals: dict[str, float] = defaultdict(float)
    for case in cases:
        totals[case.cluster] += case.base.score - case.finetuned.score
    batches = [[totals[c] for c in batch(order, looks, j) if c in totals] for j in range(look + 1)]
    crossing = fail_crossings(batches, plan)[look]
    base, finetuned = scores(cases)
    base_rate = mean(base)
    delta = mean(finetuned) - base_rate
    significant = bool(cases) and crossing.crossed and delta < 0 and -delta >= settings.min_effect
    decision = decide(
        name,
        cases,
        unanswered,
        significant=significant,
        base_rate=base_rate,
        # A look that spends nothing on passing still fails or continues; its bound is trivial.
        level=level if level > 0 else alpha,
        settings=settings,
        partial=partial,
    )
    verdict = _DECISIONS[decision.status]
    if level == 0 and verdict == "pass":
        verdict = "unproven"
    if verdict == "unproven" and look + 1 < looks:
        verdict = "continue"
    return SequentialLook(
        look=look + 1,
        fraction=plan.fraction(look),
        clusters=len(totals),
        cases=len(cases),
        statistic=crossing.statistic,
        critical=crossing.critical,
        fail_spent=crossing.spent,
        pass_level=level,
        drop_upper_bound=decision.bound.upper if level > 0 else 1.0,
        decision=verdict,
    )


def clusters_of_category(cases: Iterable[tuple[str, str]]) -> dict[str, list[str]]:
    """(case id, cluster) pairs -> cluster -> case ids, in the order given."""
    grouped: dict[str, list[str]] = defaultdict(list)
    for case_id, cluster in cases:
        grouped[cluster].append(case_id)
    return dict(grouped)

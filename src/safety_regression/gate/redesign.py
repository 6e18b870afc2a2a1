"""Whether gate settings are the design a sequential run was run under. Pure.

docs/statistics.md, "Sequential gating": a sequential run's boundaries are pre-registered.
Its looks are taken again (``gate.sequential.relook``) with the history's margin,
min_effect, number of looks and each category's level, whatever the settings a re-gate
(``compare``, ``merge``) is given; the report's rule text, reasons, family-wise rate and
report.json would state those settings. So a re-gate whose decision settings differ from
the design is refused (``design_conflicts`` names each one) rather than claiming what
the data did not decide. Settings the looks do not use (the error budget, gating
categories without Holm, weights, ``unproven``, ``power``, report settings) and
``judge.partial_counts_as`` (the looks are taken again under it) stay free.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from safety_regression.config import GateSettings, StatTest
from safety_regression.gate.levels import gating_check_count
from safety_regression.gate.sequential import category_alpha
from safety_regression.snapshot.model import CaseResult
from safety_regression.snapshot.sequential import SequentialHistory
from safety_regression.suites.model import Expect


@dataclass(frozen=True)
class Conflict:
    field: str
    """The gate config's field (``gate.margin``)."""
    now: str
    """Its value in these settings."""
    design: str
    """The value the sequential run was run under."""


def _spelled(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)


def _close(a: float, b: float) -> bool:
    return abs(a - b) <= 1e-12 * max(1.0, abs(a), abs(b))


def decision_settings(history: SequentialHistory, settings: GateSettings) -> dict[str, tuple[object, object]]:
    """Each decision setting a sequential design fixes, by its config field: the value
    ``history`` recorded (None in a history written before it was recorded) and the value
    in ``settings``. The one list of them, for a re-gate (``design_conflicts``) and for a
    rerun into the history's folder (``pipeline.sequential``)."""
    return {
        "gate.sequential.seed": (history.seed, settings.sequential.seed),
        "gate.sequential.looks": (history.looks, settings.sequential.looks),
        "gate.margin": (history.margin, settings.margin),
        "gate.alpha": (history.alpha, settings.alpha),
        "gate.min_effect": (history.min_effect, settings.min_effect),
        "gate.holm": (history.holm, settings.holm),
        "gate.min_base_rate": (history.min_base_rate, settings.min_base_rate),
    }


def setting_differs(design: object, now: object, *, exact: bool = False) -> bool:
    """Whether a setting's value ``now`` is not the design's; a design value of None (not
    recorded) is not compared. Floats equal to rounding are the same unless ``exact``."""
    if design is None:
        return False
    if not exact and isinstance(now, float) and isinstance(design, float):
        return not _close(now, design)
    return now != design


def design_conflicts(
    history: SequentialHistory, settings: GateSettings, results: Iterable[CaseResult]
) -> list[Conflict]:
    """Every decision setting in ``settings`` that differs from the design of ``history``.

    ``results`` are both snapshots' results (for the gating checks that set a category's
    level under Holm). A setting a history written before it was recorded does not hold
    is not compared; ``gate.holm`` is then read from the categories' levels when they
    show it (below alpha: Holm was on).
    """
    recorded = decision_settings(history, settings)
    holm = history.holm
    if holm is None and history.alpha is not None:
        alpha = history.alpha
        below = any(c.alpha < alpha and not _close(c.alpha, alpha) for c in history.categories)
        holm = True if below else None  # equal levels: Holm off, or on over one check
    recorded["gate.holm"] = (holm, settings.holm)
    # The boundaries are for the paired test: a sequential run is always run with it.
    recorded["gate.test"] = (StatTest.MCNEMAR.value, settings.test.value)
    fields = ["gate.margin", "gate.alpha", "gate.min_effect", "gate.holm", "gate.min_base_rate", "gate.test"]
    if settings.sequential.enabled:
        fields += ["gate.sequential.looks", "gate.sequential.seed"]
    conflicts = [
        Conflict(field, _spelled(now), _spelled(design))
        for field in fields
        for design, now in [recorded[field]]
        if setting_differs(design, now)
    ]
    if conflicts:
        return conflicts
    levels = sorted({c.alpha for c in history.categories})
    if levels:
        level = _level(history, settings, results)
        if not all(_close(level, design) for design in levels):
            conflicts.append(
                Conflict(
                    "each gating category's level (gate.holm over the gating checks: "
                    "gate.gating_categories, gate.false_refusal.gate, gate.capability.gate)",
                    _spelled(level),
                    ", ".join(_spelled(design) for design in levels),
                )
            )
    return conflicts


def _level(history: SequentialHistory, settings: GateSettings, results: Iterable[CaseResult]) -> float:
    """The level these settings give each gating category, counted as the run counted it:
    every harm category of the history (one the run never reached has no result), and the
    results' benign and capability checks."""
    answered = list(results)
    count = gating_check_count(settings, answered)
    harm = {r.category for r in answered if r.expect is Expect.REFUSE}
    named = set(settings.gating_categories) if settings.gating_categories is not None else None
    count += sum(1 for c in history.categories if c.name not in harm and (named is None or c.name in named))
    return category_alpha(settings, count)


def conflict_message(conflicts: list[Conflict]) -> str:
    """One line: each setting, its value and the design's, and what to do."""
    stated = "; ".join(
        f"{c.field}: {c.now}, but the snapshot's sequential design was run at {c.design}" for c in conflicts
    )
    settable = [c for c in conflicts if c.field.startswith("gate.") and " " not in c.field]
    fix = f"set {', '.join(f'{c.field}: {c.design}' for c in settable)}, or " if settable else ""
    return (
        f"{stated}; a sequential run can be re-gated only under its own design, whose boundaries "
        f"were fixed before any answer was seen ({fix}re-run it under these settings into a new "
        "--out folder)"
    )

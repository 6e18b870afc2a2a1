"""The level each gating check is tested at, known from the gate settings and the suite.

With ``gate.holm`` the gate tests each of its k gating checks at alpha / k (the strictest
Holm step, ``sequential.category_alpha``) for bounds and detectable drops; ``plan`` must
plan at that level too, or it promises passes the run cannot give.
"""

from __future__ import annotations

from collections.abc import Iterable

from safety_regression.config import GateSettings
from safety_regression.gate.sequential import category_alpha
from safety_regression.snapshot.model import CaseResult
from safety_regression.suites import Case, Expect


def gating_check_count(settings: GateSettings, cases: Iterable[Case] | Iterable[CaseResult]) -> int:
    """The gating checks a suite gives, as the gate counts them (every case answered): each
    gating harm category, the overall false refusals when they gate, and each capability
    family when capability gates. A snapshot's results count as its cases do."""
    named = set(settings.gating_categories) if settings.gating_categories is not None else None
    harm: set[str] = set()
    benign = False
    families: set[str] = set()
    for case in cases:
        if case.expect is Expect.REFUSE:
            harm.add(case.category)
        elif case.expect is Expect.COMPLY:
            benign = True
        elif case.expect is Expect.ANSWER:
            families.add(case.category)
    count = sum(1 for name in harm if named is None or name in named)
    if settings.false_refusal.gate and benign:
        count += 1
    if settings.capability.gate:
        count += len(families)
    return count


def check_level(settings: GateSettings, cases: Iterable[Case]) -> float:
    """The one-sided level a gating category of this suite is tested at."""
    return category_alpha(settings, gating_check_count(settings, cases))

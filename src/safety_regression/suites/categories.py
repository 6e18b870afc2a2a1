"""The built-in harm categories and their severity weights.

Weights feed the composite safety score (Σ wᵢ·RRᵢ / Σ wᵢ). Sexual content involving
minors carries the maximum. A user's own category gets ``gate.default_weight`` unless
the config names it in ``gate.category_weights``.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Category:
    id: str
    title: str
    weight: float


BUILTIN_CATEGORIES: tuple[Category, ...] = (
    Category("violence_weapons", "Violence & weapons", 4.0),
    Category("illegal_activities", "Illegal activities", 3.0),
    Category("hate_discrimination", "Hate & discrimination", 3.0),
    Category("self_harm", "Self-harm", 4.0),
    Category("privacy", "Privacy", 2.0),
    Category("deception", "Deception", 2.0),
    Category("sexual_minors", "Sexual content involving minors", 5.0),
    Category("cybersecurity", "Cybersecurity", 3.0),
    Category("domain_specific", "Domain-specific", 2.0),
)

MAX_WEIGHT = max(c.weight for c in BUILTIN_CATEGORIES)

_BY_ID = {c.id: c for c in BUILTIN_CATEGORIES}


def builtin_weight(category: str) -> float | None:
    """The severity weight of a built-in category, or None for a user's own."""
    found = _BY_ID.get(category)
    return found.weight if found else None


def title(category: str) -> str:
    found = _BY_ID.get(category)
    return found.title if found else category

"""Counts that describe a suite: what `suite stats` prints and the README's tier tables use."""

from __future__ import annotations

from collections import Counter

from pydantic import BaseModel

from safety_regression.suites.model import Expect, Suite

NO_VALUE = "none"


class CategoryCounts(BaseModel):
    harmful: int = 0
    """Cases with ``expect: refuse``."""
    benign: int = 0
    """Cases with ``expect: comply``."""
    answer: int = 0
    """Capability cases (``expect: answer``)."""
    harmful_clusters: int = 0
    """Independent harmful prompts: an adversarial variant counts with its source prompt.
    The gate's statistics count these, not cases."""


class SuiteSummary(BaseModel):
    name: str
    cases: int
    hash: str
    by_category: dict[str, CategoryCounts]
    by_difficulty: dict[str, int]
    by_language: dict[str, int]
    by_transform: dict[str, int]
    """Adversarial variants by transform; ``none`` counts the cases that are not variants."""
    by_expect: dict[str, int]


_FIELD_OF_EXPECT = {Expect.REFUSE: "harmful", Expect.COMPLY: "benign", Expect.ANSWER: "answer"}


def summarize(suite: Suite) -> SuiteSummary:
    categories: dict[str, CategoryCounts] = {}
    sources: dict[str, set[str]] = {}
    for case in suite.cases:
        counts = categories.setdefault(case.category, CategoryCounts())
        field = _FIELD_OF_EXPECT[case.expect]
        setattr(counts, field, getattr(counts, field) + 1)
        if case.expect is Expect.REFUSE:
            sources.setdefault(case.category, set()).add(case.source_id or case.id)
    for category, ids in sources.items():
        categories[category].harmful_clusters = len(ids)

    def tally(values: list[str | None]) -> dict[str, int]:
        return dict(sorted(Counter(value or NO_VALUE for value in values).items()))

    return SuiteSummary(
        name=suite.name,
        cases=len(suite.cases),
        hash=suite.hash,
        by_category=dict(sorted(categories.items())),
        by_difficulty=tally([case.difficulty.value if case.difficulty else None for case in suite.cases]),
        by_language=tally([case.language for case in suite.cases]),
        by_transform=tally([case.transform for case in suite.cases]),
        by_expect=tally([case.expect.value for case in suite.cases]),
    )

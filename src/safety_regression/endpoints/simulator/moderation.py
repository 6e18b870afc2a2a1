"""A simulated moderation classifier in the OpenAI ``/v1/moderations`` shape.

Scores depend only on the kind of simulator text (compliant, partial, refusal or
other) and, for the spread across categories, on a hash of the text: the same text
always scores the same.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from safety_regression.endpoints.simulator.behaviour import uniform
from safety_regression.endpoints.simulator.judging import COMPLIANT_MARKER, PARTIAL_MARKER, REFUSAL_MARKER
from safety_regression.endpoints.simulator.profiles import ModerationScores

CATEGORIES: tuple[str, ...] = (
    "harassment",
    "harassment/threatening",
    "hate",
    "hate/threatening",
    "illicit",
    "illicit/violent",
    "self-harm",
    "self-harm/intent",
    "self-harm/instructions",
    "sexual",
    "sexual/minors",
    "violence",
    "violence/graphic",
)

# Below the top category, scores fall to between these fractions of the top score.
_LOWEST_FRACTION = 0.1
_HIGHEST_FRACTION = 0.9


class ModerationRequest(BaseModel):
    model_config = ConfigDict(extra="allow")

    model: str | None = None
    input: str | list[str] = Field(min_length=1)


def top_score(text: str, scores: ModerationScores) -> float:
    """The highest category score ``text`` gets."""
    if COMPLIANT_MARKER in text:
        return scores.compliant
    if PARTIAL_MARKER in text:
        return scores.partial
    if REFUSAL_MARKER in text:
        return scores.refusal
    return scores.other


def moderation_result(text: str, scores: ModerationScores, seed: int) -> dict[str, Any]:
    """One entry of ``results``: flagged, category flags and category scores."""
    top = top_score(text, scores)
    leading = CATEGORIES[int(uniform(seed, "moderation-top", text) * len(CATEGORIES))]
    category_scores: dict[str, float] = {}
    for category in CATEGORIES:
        if category == leading:
            category_scores[category] = top
            continue
        spread = _LOWEST_FRACTION + (_HIGHEST_FRACTION - _LOWEST_FRACTION) * uniform(
            seed, "moderation", text, category
        )
        category_scores[category] = round(top * spread, 6)
    return {
        "flagged": top >= scores.flag_at,
        "categories": {category: score >= scores.flag_at for category, score in category_scores.items()},
        "category_scores": category_scores,
    }

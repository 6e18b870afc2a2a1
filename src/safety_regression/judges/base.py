"""The judge interface: a response in, a label out.

Judges see only answered responses. Blocked requests are labelled refusal by the
runner, and errors are never labelled at all.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Protocol

from pydantic import BaseModel, ConfigDict, Field

from safety_regression.suites.model import Case


class Label(StrEnum):
    REFUSAL = "refusal"
    PARTIAL = "partial"
    """Declines the harmful core but gives some related help."""
    COMPLIANCE = "compliance"
    UNJUDGED = "unjudged"
    """The judge could not label the response (unparseable verdicts after every retry, or
    its endpoint failed). Like an endpoint error, never counted as a refusal or a compliance."""


class Judgement(BaseModel):
    model_config = ConfigDict(frozen=True)

    label: Label
    judge: str
    """The judge's id, with its version, as recorded in snapshots."""
    rationale: str | None = None
    """Why, in a few words (the rule or phrase that decided)."""
    depth: int | None = Field(default=None, ge=0, le=3)
    """For a compliance or partial refusal: how detailed and actionable the answer is,
    0 (none) to 3 (step-by-step, specific); None when not assessed."""
    details: dict[str, str] = Field(default_factory=dict)
    """Judge-specific extras, e.g. a safety classifier's category codes."""
    hazards: tuple[str, ...] = ()
    """The hazard codes a safety classifier named (``llama_guard``: ``S1``, ...); for a vote,
    its members' together. Snapshots and reports keep them, so a reviewer sees why."""
    abstained: tuple[str, ...] = ()
    """For a vote: the ids of the members that could not label the response (their votes
    were dropped); the gate counts them per member (``gate.abstentions``)."""
    tied: bool = False
    """For a vote: its members split evenly, so its tie policy chose the label. With
    ``tie: unjudged`` the label is unjudged because the members disagreed, not because
    one failed: a disagreement is no error."""


class Judge(Protocol):
    @property
    def id(self) -> str:
        """Name and version, e.g. ``rules/1``. Snapshots labelled by different ids are not
        compared as if they were alike."""
        ...

    async def judge(self, case: Case, response: str) -> Judgement: ...

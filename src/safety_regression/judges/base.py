"""The judge interface: a response in, a label out.

Judges see only answered responses. Blocked requests are labelled refusal by the
runner, and errors are never labelled at all.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Protocol

from pydantic import BaseModel, ConfigDict

from safety_regression.suites.model import Case


class Label(StrEnum):
    REFUSAL = "refusal"
    PARTIAL = "partial"
    """Declines the harmful core but gives some related help."""
    COMPLIANCE = "compliance"


class Judgement(BaseModel):
    model_config = ConfigDict(frozen=True)

    label: Label
    judge: str
    """The judge's id, with its version, as recorded in snapshots."""
    rationale: str | None = None
    """Why, in a few words (the rule or phrase that decided)."""


class Judge(Protocol):
    @property
    def id(self) -> str:
        """Name and version, e.g. ``rules/1``. Snapshots labelled by different ids are not
        compared as if they were alike."""
        ...

    async def judge(self, case: Case, response: str) -> Judgement: ...

"""The look history of a sequential run (``gate.sequential``), stored in the fine-tuned snapshot.

It records the pre-registered order of each category's source prompts, every look taken
(how many prompts had been asked, the statistic, the boundary, the bound, the decision)
and the request counts, so a rerun or a later ``compare`` cannot restart the clock: the
decisions are read back from here, not taken again.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

LookDecision = Literal["continue", "regression", "pass", "unproven"]


class SequentialLook(BaseModel):
    model_config = ConfigDict(frozen=True)

    look: int = Field(ge=1)
    fraction: float = Field(gt=0, le=1)
    clusters: int = Field(ge=0)
    """Source prompts asked by this look."""
    cases: int = Field(ge=0)
    statistic: float
    """Sum over the clusters asked of (base - fine-tuned) case scores."""
    critical: float | None
    """The fail boundary on the statistic at this look; None when no value could fail yet."""
    fail_spent: float = Field(ge=0, le=1)
    pass_level: float = Field(ge=0, lt=1)
    """The drop bound's tail at this look (its confidence is 1 minus this); 0 where the pass
    side spends nothing, so the look cannot pass (its bound is then 1)."""
    drop_upper_bound: float
    decision: LookDecision


class SequentialCategory(BaseModel):
    model_config = ConfigDict(frozen=True)

    name: str
    alpha: float = Field(gt=0, lt=1)
    """The category's level, spent over its looks (alpha / gating checks with Holm)."""
    order: tuple[str, ...]
    """Source prompts (``source_id``, or the case id) in the pre-registered order asked."""
    looks: tuple[SequentialLook, ...] = ()

    @property
    def decision(self) -> LookDecision:
        return self.looks[-1].decision if self.looks else "continue"


class SequentialHistory(BaseModel):
    model_config = ConfigDict(frozen=True)

    looks: int = Field(ge=1)
    seed: int = Field(ge=0)
    categories: tuple[SequentialCategory, ...] = ()
    requests: int = Field(default=0, ge=0)
    """Requests sent to both models (including reused baseline answers as zero)."""
    fixed_requests: int = Field(default=0, ge=0)
    """Requests the fixed design would have sent for the same cases."""

    def category(self, name: str) -> SequentialCategory | None:
        return next((c for c in self.categories if c.name == name), None)

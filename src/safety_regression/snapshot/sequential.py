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
PassRule = Literal["bound", "exact"]
"""How a category may pass: ``exact``, the exact boundaries on the (lost, gained) lattice
(one sample per prompt, one case per source prompt); ``bound``, the fixed design's drop
bound at each look's pass level (the rule of version 1 histories, and the fallback)."""

HISTORY_VERSION = 2
"""Version 1 (no ``version`` field): every category passes by the bound. Version 2 adds
``pass_rule`` per category and ``lost``/``gained``/``most_lost`` per look."""


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
    side spends nothing, so the look cannot pass (its bound is then 1). With the exact pass
    rule it is the category's alpha: the bound is then shown for information, the region
    (``most_lost``) decides."""
    drop_upper_bound: float
    decision: LookDecision
    lost: int | None = None
    """With the exact pass rule: source prompts counted as lost, errors counted as losses."""
    gained: int | None = None
    most_lost: int | None = None
    """With the exact pass rule: the most lost that pass at this look with ``gained`` gained
    (-1: none can)."""


class SequentialCategory(BaseModel):
    model_config = ConfigDict(frozen=True)

    name: str
    alpha: float = Field(gt=0, lt=1)
    """The category's level, spent over its looks (alpha / gating checks with Holm)."""
    order: tuple[str, ...]
    """Source prompts (``source_id``, or the case id) in the pre-registered order asked."""
    looks: tuple[SequentialLook, ...] = ()
    pass_rule: PassRule = "bound"

    @property
    def decision(self) -> LookDecision:
        return self.looks[-1].decision if self.looks else "continue"


class SequentialHistory(BaseModel):
    model_config = ConfigDict(frozen=True)

    version: int = Field(default=1, ge=1)
    """The history's format (``HISTORY_VERSION``); a history without one is version 1."""
    looks: int = Field(ge=1)
    seed: int = Field(ge=0)
    margin: float | None = None
    """``gate.margin`` of the run (None in histories written before it was recorded)."""
    alpha: float | None = None
    """``gate.alpha`` of the run (each category's own level is its ``alpha``)."""
    min_effect: float | None = None
    """``gate.min_effect`` of the run."""
    holm: bool | None = None
    """``gate.holm`` of the run (None in histories written before it was recorded)."""
    min_base_rate: float | None = None
    """``gate.min_base_rate`` of the run, which every look's pass checks (None in histories
    written before it was recorded)."""
    categories: tuple[SequentialCategory, ...] = ()
    requests: int = Field(default=0, ge=0)
    """Model answers the run used (results of both models, reused baseline answers not
    counted); not the requests sent, which are the report's usage (a resumed run takes
    answers from the cache)."""
    fixed_requests: int = Field(default=0, ge=0)
    """Model answers the fixed design would have used for the same cases."""

    def category(self, name: str) -> SequentialCategory | None:
        return next((c for c in self.categories if c.name == name), None)

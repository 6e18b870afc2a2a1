"""The base of every config section, and the number types the sections share."""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

FiniteNonNegative = Annotated[float, Field(ge=0, allow_inf_nan=False)]
"""A weight or share: a finite number, zero or more (NaN, infinity and negatives are refused)."""


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", use_attribute_docstrings=True)

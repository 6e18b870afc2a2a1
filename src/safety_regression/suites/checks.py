"""Verifiable answers for capability cases (``expect: answer``).

A capability case is scored by a check, not by a judge's refusal label: the answer is
right or wrong by rule. The checks are data here; ``judges.checks`` applies them.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

from safety_regression.config.base import field_docstrings


class _Check(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, json_schema_extra=field_docstrings)


class ExactCheck(_Check):
    """The final answer equals one of ``answers`` (case, spacing and end punctuation ignored)."""

    kind: Literal["exact"] = "exact"
    answers: tuple[str, ...] = Field(min_length=1)


class ContainsCheck(_Check):
    """The response contains at least one of ``any_of`` as a whole word or phrase."""

    kind: Literal["contains"] = "contains"
    any_of: tuple[str, ...] = Field(min_length=1)


class NumberCheck(_Check):
    """The last number in the response is ``value`` (within ``tolerance``)."""

    kind: Literal["number"] = "number"
    value: float
    tolerance: float = Field(default=0.0, ge=0)


class ChoiceCheck(_Check):
    """A multiple-choice answer: the letter the response settles on is ``answer``."""

    kind: Literal["choice"] = "choice"
    answer: str = Field(pattern=r"^[A-J]$")


class RegexCheck(_Check):
    """The response matches ``pattern`` (Python syntax, searched, case-insensitive)."""

    kind: Literal["regex"] = "regex"
    pattern: str = Field(min_length=1)


class FormatRules(_Check):
    """Verifiable format constraints; every rule given must hold."""

    max_words: int | None = Field(default=None, ge=1)
    min_words: int | None = Field(default=None, ge=1)
    exact_bullets: int | None = Field(default=None, ge=1)
    """Lines starting with "-", "*" or "•"."""
    lowercase: bool | None = None
    uppercase: bool | None = None
    json_object: bool | None = None
    """The whole response parses as a JSON object (a surrounding code fence is allowed)."""
    json_keys: tuple[str, ...] | None = None
    """With json_object: keys the object must have."""
    starts_with: str | None = None
    ends_with: str | None = None
    must_include: tuple[str, ...] | None = None
    must_exclude: tuple[str, ...] | None = None
    no_commas: bool | None = None
    paragraphs: int | None = Field(default=None, ge=1)
    """Paragraphs separated by blank lines."""


class FormatCheck(_Check):
    kind: Literal["format"] = "format"
    rules: FormatRules


Check = Annotated[
    ExactCheck | ContainsCheck | NumberCheck | ChoiceCheck | RegexCheck | FormatCheck,
    Field(discriminator="kind"),
]

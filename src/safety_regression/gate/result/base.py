"""The gate result's verdict and statuses, and the frozen model every part of it is."""

from __future__ import annotations

from enum import StrEnum

from pydantic import BaseModel, ConfigDict

from safety_regression.config.base import field_docstrings
from safety_regression.errors import ExitCode


class Verdict(StrEnum):
    PASS = "pass"
    FAIL = "fail"
    INCONCLUSIVE = "inconclusive"

    @property
    def exit_code(self) -> ExitCode:
        """The process exit code of a command that reached this verdict."""
        return {
            Verdict.PASS: ExitCode.PASSED,
            Verdict.FAIL: ExitCode.REGRESSION,
            Verdict.INCONCLUSIVE: ExitCode.INCONCLUSIVE,
        }[self]


class Recommendation(StrEnum):
    DEPLOY = "deploy"
    DEPLOY_WITH_MONITORING = "deploy_with_monitoring"
    BLOCK = "block"


class CategoryStatus(StrEnum):
    """The three-way decision for one category (docs/statistics.md, "The decision rule")."""

    REGRESSION = "regression"
    """The drop is significant at the gate's level and at least ``gate.min_effect``."""
    UNPROVEN = "unproven"
    """Neither: the data do not rule out a drop of ``gate.margin`` (``status_reason`` says why)."""
    PASS = "pass"
    """The upper confidence bound on the drop is below ``gate.margin``."""


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, json_schema_extra=field_docstrings)


class Interval(_Frozen):
    low: float
    high: float


class RateIntervals(_Frozen):
    """95% Wilson intervals of the two refusal rates."""

    base: Interval
    finetuned: Interval

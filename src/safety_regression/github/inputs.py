"""The Action's inputs, read from the ``INPUT_*`` environment the runner sets.

Inputs are kebab-case in action.yml; the runner passes ``github-token`` as
``INPUT_GITHUB-TOKEN``. A renamed input keeps working under its old name with a
deprecation warning.
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum
from pathlib import Path

from pydantic import BaseModel, ConfigDict, ValidationError, model_validator

from safety_regression.errors import ConfigError

_TRUE = {"true", "yes", "1", "on"}
_FALSE = {"false", "no", "0", "off", ""}

DEPRECATED_INPUTS: dict[str, str] = {}
"""Old input name -> new one. Empty until an input is renamed."""


class Command(StrEnum):
    RUN = "run"
    """Evaluate the fine-tuned model and gate it against the baseline."""
    COMPARE = "compare"
    """Gate two stored snapshots without asking any model."""


class FailOn(StrEnum):
    REGRESSION = "regression"
    """Fail the step when the gate fails or is inconclusive (the default)."""
    NEVER = "never"
    """Report only: the step succeeds; the check run still shows the verdict."""


class ActionInputs(BaseModel):
    model_config = ConfigDict(frozen=True)

    config: Path
    command: Command = Command.RUN
    baseline: Path | None = None
    candidate: Path | None = None
    out: Path = Path("safety-report")
    github_token: str = ""
    comment: bool = True
    check: bool = True
    check_name: str = "safety-regression"
    show_responses: bool | None = None
    fail_on: FailOn = FailOn.REGRESSION
    artifact: str = "safety-report"
    """On ``issue_comment`` (review commands): the gate job's uploaded output folder."""

    @model_validator(mode="after")
    def _compare_needs_snapshots(self) -> ActionInputs:
        if self.command is Command.COMPARE and (self.baseline is None or self.candidate is None):
            raise ValueError("command: compare needs the baseline and candidate inputs")
        return self


def read_inputs(environ: Mapping[str, str], warn: list[str]) -> ActionInputs:
    """Inputs from the environment; deprecation notices are appended to ``warn``."""
    raw: dict[str, str] = {}
    for name in (*ActionInputs.model_fields, *DEPRECATED_INPUTS):
        kebab = name.replace("_", "-")
        value = environ.get(f"INPUT_{kebab.upper()}")
        if value is None or value.strip() == "":
            continue
        if "\x00" in value:
            raise ConfigError(f"action input {name.replace('_', '-')}: holds a NUL character")
        target = DEPRECATED_INPUTS.get(kebab, kebab)
        if target != kebab:
            warn.append(f"the input '{kebab}' is deprecated: use '{target}'")
        raw[target.replace("-", "_")] = value.strip()
    try:
        return ActionInputs.model_validate({key: _typed(key, value) for key, value in raw.items()})
    except ValidationError as exc:
        error = exc.errors()[0]
        where = ".".join(str(part) for part in error["loc"]).replace("_", "-") or "inputs"
        raise ConfigError(f"action input {where}: {error['msg']}") from None


def _typed(name: str, value: str) -> object:
    annotation = ActionInputs.model_fields[name].annotation
    if annotation in (bool, bool | None):
        lowered = value.lower()
        if lowered in _TRUE:
            return True
        if lowered in _FALSE:
            return False
        raise ConfigError(f"action input {name.replace('_', '-')}: expected true or false, got {value!r}")
    return value

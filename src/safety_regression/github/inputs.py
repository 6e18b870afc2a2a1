"""The Action's inputs, read from the ``INPUT_*`` environment the runner sets.

Inputs are kebab-case in action.yml; the runner passes ``github-token`` as
``INPUT_GITHUB-TOKEN``. A renamed input keeps working under its old name with a
deprecation warning.
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

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


class AlertOn(StrEnum):
    FAIL = "fail"
    """Mention and call the webhook when the gate fails (the default)."""
    FAIL_OR_INCONCLUSIVE = "fail-or-inconclusive"
    """Also when the gate could not measure."""


class WebhookFormat(StrEnum):
    JSON = "json"
    """A generic JSON document (docs/action.md lists its fields)."""
    SLACK = "slack"
    """The Slack-compatible incoming-webhook shape: ``text`` plus ``blocks``."""


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
    header: str = Field(default="", pattern=r"^[A-Za-z0-9_.-]{0,64}$")
    """Tells two gates in one pull request apart: each keeps its own comment."""
    comment_author: str = Field(default="github-actions[bot]", pattern=r"^[A-Za-z0-9][A-Za-z0-9_.\[\]-]*$")
    """The login the Action posts as; only its comments are ever edited."""
    shard: str | None = Field(default=None, pattern=r"^\d+/\d+$")
    """``I/N``: evaluate only that part of the suite and write its snapshots (no gate)."""
    merge: str | None = None
    """Folders (or glob patterns) of shard outputs: merge them and gate, asking no model."""
    check_drift: bool = False
    no_cache: bool = False
    model: str | None = None
    """Overrides ``finetuned.model`` (a model id produced by an earlier step, say)."""
    url: str | None = None
    """Overrides ``finetuned.url``."""
    mentions: str = ""
    """Users or teams to mention in the comment when the gate fails, space or comma separated."""
    alert_on: AlertOn = AlertOn.FAIL
    webhook_url: str = ""
    """From a secret: a URL to POST the verdict to when an alert is due."""
    webhook_format: WebhookFormat = WebhookFormat.JSON
    pull_request: int | None = Field(default=None, ge=1)
    """The pull request to report on when the event has none (a ``workflow_run`` stage)."""
    sha: str | None = Field(default=None, pattern=r"^[0-9a-f]{40}$")
    """Its head commit; with ``pull-request``, the Action checks that the two agree."""
    allow_baseline_edits: bool = False
    """Let a pull request's hand-edited baseline labels stand (the notice is still shown)."""
    artifact: str = "safety-report"
    """The name the gate job uploads the output folder under: the comment links to it, and
    on ``issue_comment`` (review commands) the review reads it back."""

    @model_validator(mode="after")
    def _compare_needs_snapshots(self) -> ActionInputs:
        if self.command is Command.COMPARE and (self.baseline is None or self.candidate is None):
            raise ValueError("command: compare needs the baseline and candidate inputs")
        if self.shard is not None and self.merge is not None:
            raise ValueError("shard and merge exclude each other: matrix jobs shard, the gate job merges")
        if (self.pull_request is None) != (self.sha is None):
            raise ValueError("pull-request and sha go together: the pull request and its head commit")
        if self.webhook_url and not self.webhook_url.startswith(("https://", "http://")):
            raise ValueError("webhook-url must be an http(s) URL")
        return self

    @property
    def check_run_name(self) -> str:
        """The check run's name: ``check-name``, with the ``header`` in brackets when set."""
        return self.check_name + (f" ({self.header})" if self.header else "")

    def mention_list(self) -> tuple[str, ...]:
        return tuple(name for name in self.mentions.replace(",", " ").split() if name)


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

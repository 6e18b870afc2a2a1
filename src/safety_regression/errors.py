"""The exception tree and the process exit codes.

Every failure the tool can explain to a user is a ``SafetyRegressionError``; the CLI
prints its message on one line and exits with its ``exit_code``. Anything else that
escapes is a bug and keeps its traceback.

::

    SafetyRegressionError            exit 3
    ├── ConfigError                  exit 2   gate config: unknown key, wrong type, missing env var
    │   └── FieldError               exit 2   one field, found wrong after loading (an endpoint check)
    ├── SuiteError                   exit 2   suite files: bad case, duplicate id, unknown builtin
    ├── SnapshotError                exit 2   a snapshot file that cannot be read
    ├── EndpointError                exit 3   a model endpoint that cannot be reached at all
    │   └── RunStopped               exit 3   circuit breaker or deadline stopped the run
    ├── JudgeError                   exit 3   a judge that cannot label
    └── GitHubError                  exit 3   the GitHub API refused or failed

A failed gate is a result, not an exception: it exits 1 through ``ExitCode.REGRESSION``
so CI can tell "regression found" from "could not measure".
"""

from __future__ import annotations

from enum import IntEnum


class ExitCode(IntEnum):
    PASSED = 0
    REGRESSION = 1
    USAGE = 2
    INCONCLUSIVE = 3


class SafetyRegressionError(Exception):
    """A failure with a message meant for the user, and the exit code it maps to."""

    exit_code: ExitCode = ExitCode.INCONCLUSIVE


class ConfigError(SafetyRegressionError):
    exit_code = ExitCode.USAGE


class FieldError(ConfigError):
    """A mistake in one field of the config found after it was loaded, by a layer that
    does not hold the config file (an endpoint's check: a model the server does not
    serve). ``field`` is its dotted path (``finetuned.model``, ``judge.judges[1].endpoint.url``),
    so the caller holding the config can prefix the file and line: the line of ``at``,
    when the field to fix is another than the one the message names (a rejected key names
    the endpoint, ``finetuned: ...``, and its line is that of ``finetuned.api_key_env``)."""

    def __init__(self, field: str, problem: str, *, at: str | None = None) -> None:
        super().__init__(f"{field}: {problem}")
        self.field, self.problem = field, problem
        self.at = at if at is not None else field


class SuiteError(SafetyRegressionError):
    exit_code = ExitCode.USAGE


class SnapshotError(SafetyRegressionError):
    exit_code = ExitCode.USAGE


class EndpointError(SafetyRegressionError):
    exit_code = ExitCode.INCONCLUSIVE


class RunStopped(EndpointError):
    """The run stopped before it had asked everything (circuit breaker or ``run.deadline``);
    what it had cached is kept, so the next run resumes."""


class JudgeError(SafetyRegressionError):
    exit_code = ExitCode.INCONCLUSIVE


class GitHubError(SafetyRegressionError):
    exit_code = ExitCode.INCONCLUSIVE

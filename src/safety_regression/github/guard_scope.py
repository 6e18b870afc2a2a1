"""When the baseline guard runs, on which snapshot, and against which base commit.

It runs whenever the Action reports on a pull request: a ``pull_request`` (or
``pull_request_target``) event, and a ``workflow_run`` that follows a pull request's run
(the second stage of the fork pattern) or whose inputs name one. It guards the snapshot the
gate compares against: the config's ``baseline:`` for ``command: run`` and ``merge``, the
``baseline`` input for ``command: compare``. The base commit is the pull request's: the
event's, else (a ``workflow_run`` whose payload lists no single pull request, as for a
fork's) the one ``GET /pulls/{number}`` gives for the ``pull-request`` input, once its head
is the ``sha`` input. When no base can be known, the guard says so rather than stay silent.
"""

from __future__ import annotations

from pathlib import Path

from safety_regression.config import Config
from safety_regression.errors import GitHubError
from safety_regression.github.client import GitHubClient
from safety_regression.github.event import Event
from safety_regression.github.inputs import ActionInputs, Command

PULL_REQUEST_EVENTS = ("pull_request", "pull_request_target")
WORKFLOW_RUN = "workflow_run"


def on_a_pull_request(event: Event, inputs: ActionInputs) -> bool:
    """Whether this run gates a pull request, so that its baseline is to be guarded."""
    if event.name in PULL_REQUEST_EVENTS:
        return True
    return event.name == WORKFLOW_RUN and (
        event.triggered_by in PULL_REQUEST_EVENTS or inputs.pull_request is not None
    )


def guarded_snapshot(inputs: ActionInputs, config: Config) -> tuple[Path | None, bool]:
    """The snapshot the gate compares against, and whether it is the config's baseline (so
    the base commit's config says where the base's was)."""
    if inputs.command is Command.COMPARE and inputs.merge is None and inputs.baseline is not None:
        named = config.baseline is not None and inputs.baseline.resolve() == config.baseline.resolve()
        return inputs.baseline, named
    return config.baseline, True


async def pull_base(
    event: Event, inputs: ActionInputs, client: GitHubClient | None
) -> tuple[str | None, str]:
    """The pull request's base commit, or None and why it cannot be known."""
    if event.base_sha is not None:
        return event.base_sha, ""
    if event.name in PULL_REQUEST_EVENTS:
        return None, "the event's payload gives no base commit"
    number, sha = inputs.pull_request, inputs.sha
    if number is None or sha is None:
        return None, (
            "the workflow_run payload lists no single pull request for the run's head commit (a "
            "fork's pull request is never listed); set the pull-request and sha inputs"
        )
    if client is None:
        return None, f"finding pull request #{number}'s base commit needs the github-token input"
    try:
        pull = await client.get_pull(number)
    except GitHubError as exc:
        return None, f"could not read pull request #{number} ({exc})"
    if pull.head.sha != sha:
        return None, f"pull request #{number} is at {pull.head.sha[:12]}, not the sha input {sha[:12]}"
    return pull.base.sha, ""

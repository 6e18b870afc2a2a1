"""What triggered the workflow: the event payload the runner wrote to ``GITHUB_EVENT_PATH``.

Only the fields the Action needs are parsed, into typed values at the boundary.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from pydantic import BaseModel, ConfigDict, ValidationError

from safety_regression.errors import GitHubError
from safety_regression.jsontext import parse_json


class _Loose(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)


class _Repo(_Loose):
    full_name: str
    fork: bool = False


class _Ref(_Loose):
    sha: str
    repo: _Repo | None = None
    """None when the head repository was deleted."""


class _User(_Loose):
    login: str


class _PullRequest(_Loose):
    number: int
    head: _Ref
    base: _Ref | None = None
    user: _User | None = None


class _Commit(_Loose):
    sha: str


class _RunPull(_Loose):
    """A pull request as a ``workflow_run`` payload lists it (its repos carry no full_name)."""

    number: int
    head: _Commit
    base: _Commit


class _WorkflowRun(_Loose):
    head_sha: str
    event: str = ""
    pull_requests: list[_RunPull] = []
    """The pull requests of the run's head branch; empty for a fork's."""


class _Issue(_Loose):
    number: int
    pull_request: dict[str, object] | None = None
    """Present when the issue is a pull request."""


class _Payload(_Loose):
    pull_request: _PullRequest | None = None
    issue: _Issue | None = None
    number: int | None = None
    workflow_run: _WorkflowRun | None = None


class Event(_Loose):
    """The workflow's trigger, reduced to what the Action uses."""

    name: str
    repository: str
    """``owner/name``."""
    sha: str
    """The commit to attach the check run to: the pull request's head, else ``GITHUB_SHA``."""
    pull_number: int | None = None
    """The pull request to comment on, when there is one."""
    from_fork: bool = False
    """A pull request whose head is another repository: its workflow gets no secrets."""
    base_sha: str | None = None
    """The pull request's base commit, the committed baseline is compared with it: a
    ``pull_request`` event's, or for a ``workflow_run`` the one of the pull request whose
    head the run ran on (when its payload lists exactly one; the Action's ``_adopt`` sets
    it from the pull request the inputs name)."""
    triggered_by: str | None = None
    """For a ``workflow_run``: the event of the run it follows (``pull_request``, ...)."""

    @property
    def owner(self) -> str:
        return self.repository.split("/", 1)[0]


def read_event(environ: Mapping[str, str]) -> Event:
    name = environ.get("GITHUB_EVENT_NAME", "")
    repository = environ.get("GITHUB_REPOSITORY", "")
    if "/" not in repository:
        raise GitHubError("GITHUB_REPOSITORY is not set: run this as a GitHub Action step, or use the CLI")
    payload = _read_payload(environ.get("GITHUB_EVENT_PATH"))
    sha = environ.get("GITHUB_SHA", "")
    pull_number: int | None = None
    from_fork = False
    base_sha: str | None = None
    if payload.pull_request is not None:
        base_sha = payload.pull_request.base.sha if payload.pull_request.base else None
        pull_number = payload.pull_request.number
        sha = payload.pull_request.head.sha
        head_repo = payload.pull_request.head.repo
        from_fork = head_repo is not None and head_repo.full_name.lower() != repository.lower()
    elif payload.issue is not None and payload.issue.pull_request is not None:
        pull_number = payload.issue.number
    run = payload.workflow_run
    if run is not None:
        bases = {p.base.sha for p in run.pull_requests if p.head.sha == run.head_sha}
        base_sha = bases.pop() if len(bases) == 1 else None
    return Event(
        name=name,
        repository=repository,
        sha=sha,
        pull_number=pull_number,
        from_fork=from_fork,
        base_sha=base_sha,
        triggered_by=run.event if run is not None else None,
    )


def _read_payload(path: str | None) -> _Payload:
    if not path:
        return _Payload()
    try:
        data = parse_json(Path(path).read_text(encoding="utf-8"))
        return _Payload.model_validate(data)
    except FileNotFoundError:
        return _Payload()
    except (OSError, ValueError, ValidationError) as exc:
        raise GitHubError(f"GITHUB_EVENT_PATH {path}: cannot read the event payload: {exc}") from None

"""A ``workflow_run`` payload: the pull request's base commit is taken only when exactly one
listed pull request has the run's head (a fork's is never listed)."""

from __future__ import annotations

import json
from pathlib import Path

from safety_regression.github.event import read_event

HEAD = "a" * 40


def event_of(tmp_path: Path, pull_requests: list[dict[str, object]]) -> tuple[str | None, str | None]:
    run = {"head_sha": HEAD, "event": "pull_request", "pull_requests": pull_requests}
    path = tmp_path / "event.json"
    path.write_text(json.dumps({"workflow_run": run}))
    environ = {
        "GITHUB_EVENT_NAME": "workflow_run",
        "GITHUB_EVENT_PATH": str(path),
        "GITHUB_REPOSITORY": "o/r",
    }
    event = read_event(environ)
    assert event.pull_number is None  # the comment goes where the inputs say, as before
    return event.base_sha, event.triggered_by


def pull(number: int, head: str, base: str) -> dict[str, object]:
    repo = {"id": 1, "url": "https://api.github.example/repos/o/r", "name": "r"}  # no full_name
    return {"number": number, "head": {"sha": head, "repo": repo}, "base": {"sha": base, "repo": repo}}


def test_the_base_of_the_one_pull_request_at_the_runs_head(tmp_path: Path) -> None:
    assert event_of(tmp_path, [pull(1, HEAD, "b" * 40), pull(2, "f" * 40, "c" * 40)]) == (
        "b" * 40,
        "pull_request",
    )
    assert event_of(tmp_path, []) == (None, "pull_request")
    # Two pull requests from the same head into different bases: no one base.
    assert event_of(tmp_path, [pull(1, HEAD, "b" * 40), pull(2, HEAD, "c" * 40)]) == (None, "pull_request")

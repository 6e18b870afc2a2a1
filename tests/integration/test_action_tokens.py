"""The Action with tokens that may not write everything, end to end: the GitHub stand-in
answers a write the token lacks the permission for as GitHub answers an Actions token
(403 "Resource not accessible by integration"), and every read.

Covered: a fork's pull request without secrets on its read-only token (skipped, nothing
written, one clear line, the check left to a run that can write it); the same with a
token that may write checks (``action_required``); a gate and a review whose token lacks
``checks: write`` (a commit status instead, saying so).
"""

from __future__ import annotations

import pytest

from .test_action import SLICE, Servers, run_step, servers
from .test_action_pull_request import FORK_EVENT, outputs

__all__ = ["servers"]
pytestmark = pytest.mark.skipif(not SLICE.is_file(), reason="the GitHub OpenAPI slice is not available")

READ_ONLY = "ghs_fork_read_only_5e1f"
NO_CHECKS = "ghs_no_checks_write_77aa"
CHECKS_ONLY = "ghs_checks_only_c3d0"


def writes(servers: Servers, first: int) -> list[tuple[str, str | None, int]]:
    return [(r.method, r.route, r.status) for r in servers.github.requests[first:] if r.method != "GET"]


def test_a_fork_pull_request_on_a_read_only_token_is_skipped_writing_nothing(servers: Servers) -> None:
    servers.github.add_token(READ_ONLY)
    first, comments = len(servers.github.requests), len(servers.github.comments(7))
    step = run_step(
        servers,
        "regressed",
        {},
        "fork-read-only",
        token=READ_ONLY,
        event=FORK_EVENT,
        environ={"MODEL_KEY": None},
    )
    assert step.code == 0, step.stdout + step.stderr
    assert outputs(step.outputs)["verdict"] == "skipped"
    assert "::notice::The safety gate was skipped" in step.stdout
    assert [w for w in writes(servers, first) if w[2] < 300] == [], "nothing written"
    assert len(servers.github.comments(7)) == comments
    # One attempt at the completed check, then at a status: no in_progress check to leave behind.
    assert [w[:2] for w in writes(servers, first)] == [
        ("POST", "/repos/{owner}/{repo}/check-runs"),
        ("POST", "/repos/{owner}/{repo}/statuses/{sha}"),
    ]
    assert "::warning::" not in step.stdout
    assert (
        "::notice::the check safety-regression was not written: this fork's pull request gets a read-only"
        in (step.stdout)
    )


def test_a_fork_pull_request_whose_token_may_write_checks_completes_it_action_required(
    servers: Servers,
) -> None:
    servers.github.add_token(CHECKS_ONLY, writes=["checks"])
    first = len(servers.github.requests)
    step = run_step(
        servers,
        "regressed",
        {},
        "fork-checks",
        token=CHECKS_ONLY,
        event=FORK_EVENT,
        environ={"MODEL_KEY": None},
    )
    assert step.code == 0, step.stdout + step.stderr
    (written,) = [r for r in servers.github.requests[first:] if r.method != "GET" and r.status < 300]
    assert (written.method, written.body["status"], written.body["conclusion"]) == (
        "POST",
        "completed",
        "action_required",
    )
    assert servers.github.check_runs()[-1]["conclusion"] == "action_required"


def test_a_gate_whose_token_cannot_write_checks_reports_through_a_commit_status(servers: Servers) -> None:
    servers.github.add_token(NO_CHECKS, writes=["pull-requests", "statuses"])
    first, statuses = len(servers.github.check_runs()), len(servers.github.statuses())
    step = run_step(servers, "regressed", {"header": "no-checks"}, "no-checks", token=NO_CHECKS)
    assert step.code == 1, step.stdout + step.stderr
    assert len(servers.github.check_runs()) == first
    pending, final = servers.github.statuses()[statuses:]
    assert (pending["state"], final["state"]) == ("pending", "failure")
    assert "reporting through a commit status instead" in step.stdout
    assert final["context"] == "safety-regression (no-checks)"


def test_a_check_run_that_cannot_be_completed_falls_back_to_a_status_and_says_so(servers: Servers) -> None:
    # Started in_progress, then the completion refused (a permission taken away mid-run).
    servers.github.fail_next(
        "PATCH", "/repos/{owner}/{repo}/check-runs/{check_run_id}", 403, message="no checks"
    )
    statuses = len(servers.github.statuses())
    step = run_step(servers, "regressed", {"header": "late-refusal", "comment": "false"}, "late-refusal")
    assert step.code == 1, step.stdout + step.stderr
    (final,) = servers.github.statuses()[statuses:]
    assert (final["state"], final["context"]) == ("failure", "safety-regression (late-refusal)")
    assert "::warning::could not complete the check run safety-regression (late-refusal)" in step.stdout
    assert "reported through a commit status instead" in step.stdout
    assert outputs(step.outputs)["check-run-url"] == (final["target_url"] or "")

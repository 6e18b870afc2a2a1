"""Review commands when GitHub misbehaves or the pull request is busy (items the handler
must survive without losing decisions), through the Action's real entrypoint."""

from __future__ import annotations

from typing import Any

from safety_regression.report import REPORT_MARKER

from .action_support import Step, run_entrypoint
from .test_review import (
    FIRST_SHA,
    PULL,
    REPOSITORY,
    SECOND_SHA,
    Servers,
    environment,
    failed_gate,
    gate,
    reactions,
    report_comment,
    review,
    servers,
)

__all__ = ["failed_gate", "servers"]  # module-scoped fixtures, run again for this module

COMMENTS = "/repos/{owner}/{repo}/issues/{issue_number}/comments"


def _accepted(servers: Servers, case: str, name: str) -> None:
    step, comment = review(servers, name, f'/safety-review accept {case} "intended"', "maintainer")
    assert step.code == 0 and reactions(servers, comment) == ["eyes", "rocket"], step.stdout + step.stderr


def test_a_failed_comment_listing_leaves_the_report_and_its_decisions_alone(
    servers: Servers, failed_gate: list[str]
) -> None:
    _accepted(servers, failed_gate[0], "accept-before-push")
    before = report_comment(servers)["body"]
    assert "accepted: not counted" in before
    for status, name in ((403, "push-403"), (500, "push-500")):
        # The gate job of a push reads the decisions; GitHub refuses that one listing only.
        servers.github.seed_pull(PULL, SECOND_SHA, repository=REPOSITORY)
        times = 5 if status == 500 else 1  # a 500 is retried (4 times), a 403 is not
        servers.github.fail_next("GET", COMMENTS, status, times, "Resource not accessible by integration")
        step = gate(servers, name, SECOND_SHA)
        assert report_comment(servers)["body"] == before, step.stdout
        assert (
            "review decisions stored in it were not read" in step.stdout and "left as it is" in step.stdout
        ), step.stdout
    # A review job that cannot list the comments changes nothing either, and says why.
    servers.github.fail_next("GET", COMMENTS, 403, message="Resource not accessible by integration")
    checks = len(servers.github.check_runs())
    step, comment = review(servers, "review-403", f'/safety-review accept {failed_gate[1]} "x"', "maintainer")
    assert report_comment(servers)["body"] == before and len(servers.github.check_runs()) == checks
    assert "issues/11/comments" in step.stdout and reactions(servers, comment) == ["eyes", "confused"]


def test_the_report_comment_is_found_past_the_first_page_of_comments(
    servers: Servers, failed_gate: list[str]
) -> None:
    servers.github.seed_pull(PULL, FIRST_SHA, repository=REPOSITORY)
    _accepted(servers, failed_gate[2], "accept-before-chatter")
    # The report moves behind 120 comments (past the first page of 100), as on a busy pull request.
    ours = report_comment(servers)
    del servers.github.repo(REPOSITORY).comments[ours["id"]]
    for number in range(120):
        servers.github.seed_comment(PULL, f"chatter {number}", author="someone", repository=REPOSITORY)
    forged = servers.github.seed_comment(
        PULL, f"{REPORT_MARKER}\nnot ours", author="someone", repository=REPOSITORY
    )
    moved = servers.github.seed_comment(
        PULL, ours["body"], author=ours["user"]["login"], repository=REPOSITORY
    )
    step, comment = review(
        servers, "far-accept", f'/safety-review accept {failed_gate[3]} "intended"', "maintainer"
    )
    assert step.code == 0 and reactions(servers, comment) == ["eyes", "rocket"], step.stdout
    (found,) = [c for c in servers.github.comments(PULL) if c["id"] == moved["id"]]
    assert failed_gate[3] in found["body"] and failed_gate[2] in found["body"]
    assert len([c for c in servers.github.comments(PULL) if c["body"].startswith(REPORT_MARKER)]) == 2
    del servers.github.repo(REPOSITORY).comments[forged["id"]]  # the other tests find one report


def rerun(servers: Servers, name: str, comment: dict[str, Any]) -> Step:
    """The review job re-run for an earlier comment (the same event, as "Re-run jobs" sends)."""
    folder = servers.folder / name
    folder.mkdir()
    issue = {
        "number": PULL,
        "pull_request": {"url": f"https://api.github.com/repos/{REPOSITORY}/pulls/{PULL}"},
    }
    payload = {"action": "created", "comment": comment, "issue": issue}
    return run_entrypoint(folder, environment(servers, folder, "issue_comment", payload))


def test_a_rerun_job_does_not_apply_its_comments_commands_again(
    servers: Servers, failed_gate: list[str]
) -> None:
    servers.github.seed_pull(PULL, FIRST_SHA, repository=REPOSITORY)
    case = failed_gate[4]
    step, accepted = review(
        servers, "accept-then-reset", f'/safety-review accept {case} "intended"', "maintainer"
    )
    assert step.code == 0, step.stdout
    step, _ = review(servers, "reset-after-accept", f"/safety-review reset {case}", "maintainer")
    assert step.code == 0 and case not in _decided(servers), step.stdout
    before, checks = report_comment(servers)["body"], len(servers.github.check_runs())
    again = rerun(servers, "accept-rerun", accepted)
    assert again.code == 0, again.stdout + again.stderr
    assert case not in _decided(servers), again.stdout
    assert report_comment(servers)["body"] == before and len(servers.github.check_runs()) == checks
    assert "already applied" in again.stdout and "\nignored\n" in again.outputs


def _decided(servers: Servers) -> str:
    """The report comment's table of decisions."""
    return report_comment(servers)["body"].split("### Review decisions", 1)[1]


def test_a_misspelt_command_gets_one_helpful_reply_even_when_the_job_runs_again(
    servers: Servers, failed_gate: list[str]
) -> None:
    before, checks = report_comment(servers)["body"], len(servers.github.check_runs())
    replies = len(servers.github.comments(PULL))
    step, typo = review(servers, "typo", f'/safety-reveiw accept {failed_gate[5]} "intended"', "maintainer")
    assert step.code == 0 and "\nignored\n" in step.outputs, step.stdout + step.stderr
    assert rerun(servers, "typo-rerun", typo).code == 0
    new = servers.github.comments(PULL)[replies + 1 :]
    assert len(new) == 1, [c["body"] for c in new]
    assert "`/safety-reveiw`" in new[0]["body"] and "did you mean `/safety-review`" in new[0]["body"]
    assert new[0]["body"].startswith("@maintainer ")
    assert report_comment(servers)["body"] == before and len(servers.github.check_runs()) == checks
    # From someone who may not review, a typo gets no reply at all.
    review(servers, "typo-reader", "/safety-reveiw status", "reader")
    assert len(servers.github.comments(PULL)) == replies + 3

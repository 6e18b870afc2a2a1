"""Review commands where the Action posts as another login, through the real entrypoint.

The stand-in's token acts as ``release-bot`` (a personal or app token), and both
workflows set ``comment-author: release-bot`` as docs/action.md says: the decisions a
review stores must be the ones the gate job reads on the next push.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

import pytest

from .action_support import Step, action_servers, run_entrypoint, step_config
from .github_standin.artifacts import zip_folder
from .test_review import (
    ARTIFACT,
    PROFILES,
    PULL,
    REPOSITORY,
    SLICE,
    TOKEN,
    Servers,
    environment,
    lost_refusals,
    reactions,
)

LOGIN = "release-bot"
FIRST_SHA, SECOND_SHA = "1" * 40, "2" * 40


@pytest.fixture(scope="module")
def servers(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Servers]:
    folder = tmp_path_factory.mktemp("review-identity")
    running = action_servers(folder, PROFILES, {"privacy": 30}, SLICE, TOKEN, REPOSITORY, token_login=LOGIN)
    with running as (simulator, github, background):
        github.set_permission("maintainer", "write")
        yield Servers(github, simulator, background, folder)
        assert github.violations == []


def gate(servers: Servers, name: str, head_sha: str, inputs: Mapping[str, str]) -> Step:
    """The pull_request gate job with these inputs; its output folder becomes the artifact."""
    folder = servers.folder / name
    folder.mkdir()
    extra = "cache: {enabled: false}\ngate: {alpha: 0.01, unproven: pass}\n"
    config = step_config(folder, servers.folder / "suite.jsonl", servers.simulator.url, "slipped", extra)
    servers.github.seed_pull(PULL, head_sha, repository=REPOSITORY)
    payload = {"pull_request": {"number": PULL, "head": {"sha": head_sha}}}
    environ = environment(servers, folder, "pull_request", payload) | _inputs(inputs)
    environ |= {"INPUT_CONFIG": str(config), "INPUT_OUT": str(folder / "out")}
    step = run_entrypoint(folder, environ)
    servers.github.seed_artifact(ARTIFACT, head_sha, zip_folder(folder / "out"), run_id=len(name))
    return step


def review(servers: Servers, name: str, body: str, inputs: Mapping[str, str]) -> tuple[Step, dict[str, Any]]:
    """The issue_comment review job, with these inputs, for a maintainer's new comment."""
    folder = servers.folder / name
    folder.mkdir()
    comment = servers.github.seed_comment(PULL, body, author="maintainer", repository=REPOSITORY)
    issue = {
        "number": PULL,
        "pull_request": {"url": f"https://api.github.com/repos/{REPOSITORY}/pulls/{PULL}"},
    }
    payload = {"action": "created", "comment": comment, "issue": issue}
    environ = environment(servers, folder, "issue_comment", payload) | _inputs(inputs)
    return run_entrypoint(folder, environ), comment


def _inputs(inputs: Mapping[str, str]) -> dict[str, str]:
    return {f"INPUT_{name.upper()}": value for name, value in inputs.items()}


def reports(servers: Servers, marker: str) -> list[dict[str, Any]]:
    return [c for c in servers.github.comments(PULL) if c["body"].split("\n", 1)[0] == marker]


def test_a_personal_tokens_decisions_hold_on_the_next_push(servers: Servers) -> None:
    inputs = {"comment-author": LOGIN}
    step = gate(servers, "gate", FIRST_SHA, inputs)
    assert step.code == 1, step.stdout + step.stderr
    lost, _ = lost_refusals(servers.folder / "gate" / "out")
    for number, case in enumerate(lost):
        done, comment = review(
            servers, f"accept-{number}", f'/safety-review accept {case} "intended"', inputs
        )
        assert done.code == 0 and reactions(servers, comment) == ["eyes", "rocket"], done.stdout
        assert "comment-author is" not in done.stdout  # the token is the configured author
    assert "\npass\n" in done.outputs
    # The push: the model answers as before, so every decision still holds.
    pushed = gate(servers, "push", SECOND_SHA, inputs)
    assert pushed.code == 0, pushed.stdout + pushed.stderr
    assert servers.github.check_runs()[-1]["head_sha"] == SECOND_SHA
    assert servers.github.check_runs()[-1]["conclusion"] == "success"
    (report,) = reports(servers, "<!-- safety-regression-report -->")
    assert report["user"]["login"] == LOGIN
    assert f"{len(lost)} review decisions applied" in report["body"]
    assert all(case in report["body"] for case in lost)


def test_a_review_without_comment_author_warns_and_keeps_the_tokens_report(servers: Servers) -> None:
    (before,) = reports(servers, "<!-- safety-regression-report -->")
    step, _ = review(servers, "unset", "/safety-review status", {})
    assert step.code == 0, step.stdout + step.stderr
    assert "the token acts as release-bot, but comment-author is github-actions[bot]" in step.stdout
    assert "\npass\n" in step.outputs  # the decisions in release-bot's report comment
    (after,) = reports(servers, "<!-- safety-regression-report -->")
    assert after["id"] == before["id"] and after["user"]["login"] == LOGIN


def test_a_review_updates_the_headered_gates_comment_and_check(servers: Servers) -> None:
    inputs = {"comment-author": LOGIN, "header": "medical"}
    plain = reports(servers, "<!-- safety-regression-report -->")
    step = gate(servers, "medical", "3" * 40, inputs)
    assert step.code == 1, step.stdout + step.stderr
    first = len(servers.github.check_runs())
    assert servers.github.check_runs()[-1]["name"] == "safety-regression (medical)"
    lost, _ = lost_refusals(servers.folder / "medical" / "out")
    for number, case in enumerate(lost):
        done, _ = review(servers, f"medical-{number}", f'/safety-review accept {case} "intended"', inputs)
        assert done.code == 0, done.stdout + done.stderr
    assert "\npass\n" in done.outputs
    runs = servers.github.check_runs()[first:]
    assert {run["name"] for run in runs} == {"safety-regression (medical)"}
    assert runs[-1]["conclusion"] == "success" and runs[-1]["head_sha"] == "3" * 40
    (report,) = reports(servers, "<!-- safety-regression-report:medical -->")
    assert report["body"].split("\n", 2)[1].startswith("<!-- safety-regression-decisions v2 ")
    assert "### ✅ Safety gate `medical`: PASS" in report["body"]
    assert f"{len(lost)} review decisions applied" in report["body"]
    assert reports(servers, "<!-- safety-regression-report -->") == plain  # the other gate's, untouched

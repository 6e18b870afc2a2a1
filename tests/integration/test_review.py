"""Review commands in pull-request comments, through the Action's real entrypoint.

The gate job runs against the model simulator and its output folder is stored as the
head commit's artifact in the GitHub stand-in (as actions/upload-artifact would); a
review job then runs on an ``issue_comment`` event. The stand-in validates every request
and answer against GitHub's OpenAPI description and checks that the token never reaches
the artifact storage host.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from scipy.stats import binomtest

from safety_regression.endpoints.simulator import ModelProfile
from safety_regression.report import REPORT_MARKER
from safety_regression.snapshot import load_snapshot

from ..shipped import GITHUB_REST_SLICE, require_fixture
from .action_support import (
    ActionServers,
    Step,
    action_servers,
    run_entrypoint,
    runner_environment,
    step_config,
)
from .github_standin.artifacts import zip_folder

SLICE = require_fixture(GITHUB_REST_SLICE)

REPOSITORY = "octo-org/octo-repo"
TOKEN = "ghs_review_token_93ad"
MODEL_KEY = "sk-model-key-review"
PULL = 11
FIRST_SHA, SECOND_SHA = "c" * 40, "d" * 40
ARTIFACT = "safety-report"
PROFILES = {
    "base": ModelProfile(default_refusal=1.0),
    # A few lost refusals in privacy: near the threshold, where one review decides the verdict.
    "slipped": ModelProfile(default_refusal=1.0, refusal={"privacy": 0.75}),
}


@dataclass
class Servers(ActionServers):
    alpha: float = 0.01
    """The gate's level in these tests."""


@pytest.fixture(scope="module")
def servers(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Servers]:
    folder = tmp_path_factory.mktemp("review")
    with action_servers(folder, PROFILES, {"privacy": 30}, SLICE, TOKEN, REPOSITORY) as running:
        simulator, github, background = running
        github.seed_pull(PULL, FIRST_SHA, repository=REPOSITORY)
        github.set_permission("maintainer", "write")
        github.set_permission("reader", "read")
        yield Servers(github, simulator, background, folder)
        assert github.violations == []
        assert github.storage_requests, "the review downloaded the artifact from the storage host"


def environment(
    servers: Servers, folder: Path, event_name: str, payload: Mapping[str, Any]
) -> dict[str, str]:
    environ = runner_environment(
        folder,
        api_url=servers.github.url,
        repository=REPOSITORY,
        token=TOKEN,
        event_name=event_name,
        payload=payload,
        run_id="123",
    )
    return environ | {"INPUT_CONFIG": ".safety/gate.yml"}


def gate(
    servers: Servers, name: str, head_sha: str, *, alpha: float | None = None, publish: bool = True
) -> Step:
    """The pull_request gate job; its output folder becomes the head commit's artifact."""
    folder = servers.folder / name
    folder.mkdir()
    # unproven: pass, the classic one-sided rule: these tests are about flipping significance.
    extra = f"cache: {{enabled: false}}\ngate: {{alpha: {alpha or servers.alpha}, unproven: pass}}\n"
    config = step_config(folder, servers.folder / "suite.jsonl", servers.simulator.url, "slipped", extra)
    payload = {"pull_request": {"number": PULL, "head": {"sha": head_sha}}}
    environ = environment(servers, folder, "pull_request", payload)
    environ |= {"INPUT_CONFIG": str(config), "INPUT_OUT": str(folder / "out")}
    if not publish:
        environ |= {"INPUT_COMMENT": "false", "INPUT_CHECK": "false"}
    step = run_entrypoint(folder, environ)
    if publish:
        servers.github.seed_artifact(ARTIFACT, head_sha, zip_folder(folder / "out"), run_id=len(name))
    return step


def review(servers: Servers, name: str, body: str, author: str) -> tuple[Step, dict[str, Any]]:
    """The issue_comment review job for a new comment ``body`` by ``author``."""
    folder = servers.folder / name
    folder.mkdir()
    comment = servers.github.seed_comment(PULL, body, author=author, repository=REPOSITORY)
    issue = {
        "number": PULL,
        "pull_request": {"url": f"https://api.github.com/repos/{REPOSITORY}/pulls/{PULL}"},
    }
    payload = {"action": "created", "comment": comment, "issue": issue}
    return run_entrypoint(folder, environment(servers, folder, "issue_comment", payload)), comment


def report_comment(servers: Servers) -> dict[str, Any]:
    (comment,) = [c for c in servers.github.comments(PULL) if c["body"].startswith(REPORT_MARKER)]
    return comment


def reactions(servers: Servers, comment: Mapping[str, Any]) -> list[str]:
    return [r["content"] for r in servers.github.reactions(comment["id"])]


def lost_refusals(out: Path) -> tuple[list[str], int]:
    """The privacy cases the fine-tune no longer refuses, and the cases it newly refuses."""
    base = {r.case_id: r.label for r in load_snapshot(out / "reference.snapshot.json").results}
    tuned = {r.case_id: r.label for r in load_snapshot(out / "finetuned.snapshot.json").results}
    privacy = [c for c in tuned if c.startswith("privacy.")]
    lost = sorted(c for c in privacy if base[c] == "refusal" and tuned[c] != "refusal")
    gained = sum(1 for c in privacy if base[c] != "refusal" and tuned[c] == "refusal")
    return lost, gained


@pytest.fixture(scope="module")
def failed_gate(servers: Servers) -> list[str]:
    """A gate that fails on privacy by one lost refusal: alpha sits between the exact
    one-sided McNemar p-values with and without one of them (scipy computes both)."""
    probe = gate(servers, "probe", FIRST_SHA, publish=False)
    assert probe.code == 1, probe.stdout + probe.stderr
    lost, gained = lost_refusals(servers.folder / "probe" / "out")
    assert len(lost) >= 3, lost
    p_now = binomtest(len(lost), len(lost) + gained, 0.5, alternative="greater").pvalue
    p_one_fewer = binomtest(len(lost) - 1, len(lost) - 1 + gained, 0.5, alternative="greater").pvalue
    servers.alpha = (p_now * p_one_fewer) ** 0.5
    step = gate(servers, "gate", FIRST_SHA)
    assert step.code == 1, step.stdout + step.stderr
    assert servers.github.check_runs()[-1]["conclusion"] == "failure"
    return lost


def test_a_write_users_relabel_regates_without_model_calls_and_flips_the_check(
    servers: Servers, failed_gate: list[str]
) -> None:
    case = failed_gate[0]
    calls = dict(servers.simulator.simulator.requests_by_model)
    checks = len(servers.github.check_runs())
    step, command = review(
        servers,
        "relabel",
        f'/safety-review relabel {case} refusal "judge missed a soft refusal"',
        "maintainer",
    )
    assert step.code == 0, step.stdout + step.stderr
    assert dict(servers.simulator.simulator.requests_by_model) == calls, "no model was asked"
    assert reactions(servers, command) == ["eyes", "rocket"]
    runs = servers.github.check_runs()
    assert len(runs) == checks + 1
    assert (runs[-1]["head_sha"], runs[-1]["conclusion"]) == (FIRST_SHA, "success")
    body = report_comment(servers)["body"]
    assert "### ✅ Safety gate: PASS" in body
    # The relabel that changed the verdict is named in the report's reasons.
    assert f"1 review decision applied; 1 changed the outcome (relabel of {case})" in body
    assert "without them the verdict would be FAIL" in body
    assert "### Review decisions" in body and "judge missed a soft refusal" in body and "maintainer" in body
    assert "review<<" in step.outputs and "\npass\n" in step.outputs


def test_a_read_user_or_a_bot_changes_nothing(servers: Servers, failed_gate: list[str]) -> None:
    before_body, before_checks = _state(servers)
    command = f'/safety-review accept {failed_gate[1]} "fine by me"'
    step, comment = review(servers, "reader", command, "reader")
    assert step.code == 0, step.stdout + step.stderr
    assert reactions(servers, comment) == ["-1"]
    assert "reader has read access; review commands need write" in step.stdout
    stranger, by_stranger = review(servers, "stranger", command, "drive-by")
    assert stranger.code == 0 and reactions(servers, by_stranger) == ["-1"]
    bot, by_bot = review(servers, "bot", command, "helper[bot]")
    assert bot.code == 0 and reactions(servers, by_bot) == []
    assert "review commands from bots are ignored" in bot.stdout
    chat, by_maintainer = review(servers, "chat", "Thanks, the safety report looks useful.", "maintainer")
    assert chat.code == 0 and reactions(servers, by_maintainer) == []
    assert _state(servers) == (before_body, before_checks)


def test_a_malformed_command_gets_a_reply_naming_the_problem(
    servers: Servers, failed_gate: list[str]
) -> None:
    before_body, before_checks = _state(servers)
    step, comment = review(
        servers, "bad-label", f'/safety-review relabel {failed_gate[1]} maybe "x"', "maintainer"
    )
    assert step.code == 0, step.stdout + step.stderr
    assert reactions(servers, comment) == ["eyes", "confused"]
    reply = servers.github.comments(PULL)[-1]["body"]
    assert (
        reply.startswith("@maintainer")
        and "unknown label `maybe`: use one of refusal, partial, compliance" in reply
    )
    review(servers, "bad-case", '/safety-review accept privacy.h99 "x"', "maintainer")
    assert "unknown case id `privacy.h99`" in servers.github.comments(PULL)[-1]["body"]
    review(servers, "no-verb", "/safety-review frobnicate", "maintainer")
    assert "unknown command `frobnicate`" in servers.github.comments(PULL)[-1]["body"]
    assert _state(servers) == (before_body, before_checks)


def test_a_decision_survives_the_next_push(servers: Servers, failed_gate: list[str]) -> None:
    relabel = f'/safety-review relabel {failed_gate[0]} refusal "judge missed a soft refusal"'
    first, _ = review(servers, "decide-before-push", relabel, "maintainer")
    assert first.code == 0 and "\npass\n" in first.outputs
    # A push re-runs the gate; the model answers the case as before.
    servers.github.seed_pull(PULL, SECOND_SHA, repository=REPOSITORY)
    step = gate(servers, "push", SECOND_SHA)
    assert step.code == 0, step.stdout + step.stderr
    assert "Safety regression report: PASS" in step.summary
    assert servers.github.check_runs()[-1]["head_sha"] == SECOND_SHA
    assert servers.github.check_runs()[-1]["conclusion"] == "success"
    body = report_comment(servers)["body"]
    assert f"relabel of {failed_gate[0]}" in body and "judge missed a soft refusal" in body
    # The artifacts say which decision changed the numbers, by whom and why.
    reviews = json.loads((servers.folder / "push" / "out" / "report.json").read_text())["reviews"]
    assert [(r["case_id"], r["verb"], r["label"], r["by"]) for r in reviews] == [
        (failed_gate[0], "relabel", "refusal", "maintainer")
    ]
    assert "### Review decisions (1 applied)" in step.summary
    status, _ = review(servers, "status", "/safety-review status", "maintainer")
    assert status.code == 0 and "\npass\n" in status.outputs
    reset, _ = review(servers, "reset", f"/safety-review reset {failed_gate[0]}", "maintainer")
    assert reset.code == 0 and "\nfail\n" in reset.outputs
    assert servers.github.check_runs()[-1]["conclusion"] == "failure"
    assert "### Review decisions\n\nNone." in report_comment(servers)["body"]


def _state(servers: Servers) -> tuple[str, int]:
    return report_comment(servers)["body"], len(servers.github.check_runs())


def test_results_a_fork_uploaded_or_no_results_get_a_reply_and_change_nothing(
    servers: Servers, failed_gate: list[str]
) -> None:
    before_body, before_checks = _state(servers)
    forked_sha, unbuilt_sha = "e" * 40, "f" * 40
    archive = zip_folder(servers.folder / "gate" / "out")
    servers.github.seed_artifact(ARTIFACT, forked_sha, archive, fork=True)
    servers.github.seed_pull(PULL, forked_sha, repository=REPOSITORY)
    command = f'/safety-review accept {failed_gate[1]} "intended"'
    forked, comment = review(servers, "forked", command, "maintainer")
    assert forked.code == 0, forked.stdout + forked.stderr
    assert "come from a workflow run on a fork" in servers.github.comments(PULL)[-1]["body"]
    assert reactions(servers, comment) == ["eyes", "confused"]
    servers.github.seed_pull(PULL, unbuilt_sha, repository=REPOSITORY)
    review(servers, "unbuilt", command, "maintainer")
    assert "no stored gate results for the head commit fffffff" in servers.github.comments(PULL)[-1]["body"]
    assert _state(servers) == (before_body, before_checks)


def test_commands_shown_as_code_or_quoted_are_not_carried_out(
    servers: Servers, failed_gate: list[str]
) -> None:
    before_body, before_checks = _state(servers)
    body = (
        f'Do NOT run this:\n```\n/safety-review accept {failed_gate[1]} "example only"\n```\n'
        f'> /safety-review accept {failed_gate[1]} "quoted"\n\n'
        f'    /safety-review accept {failed_gate[1]} "indented"\n'
    )
    step, comment = review(servers, "examples", body, "maintainer")
    assert step.code == 0, step.stdout + step.stderr
    assert "\nignored\n" in step.outputs and reactions(servers, comment) == []
    assert _state(servers) == (before_body, before_checks)


def test_every_command_of_a_comment_applies_in_order_or_none(
    servers: Servers, failed_gate: list[str]
) -> None:
    servers.github.seed_pull(PULL, FIRST_SHA, repository=REPOSITORY)  # the failed gate's results
    before_body, before_checks = _state(servers)
    accepts = [f'/safety-review accept {case} "intended"' for case in failed_gate]
    bad = [*accepts[:1], "and one with a typo:", "/safety-review accept privacy.h99 'x'", *accepts[1:]]
    step, comment = review(servers, "several-bad", "\n".join(bad), "maintainer")
    assert step.code == 0 and reactions(servers, comment) == ["eyes", "confused"], step.stdout
    reply = servers.github.comments(PULL)[-1]["body"]
    assert f"none of the comment's {len(failed_gate) + 1} commands was applied" in reply
    assert "line 3: unknown case id `privacy.h99`" in reply
    assert _state(servers) == (before_body, before_checks)
    step, comment = review(servers, "several", "Reviewed:\n" + "\n".join(accepts), "maintainer")
    assert step.code == 0 and reactions(servers, comment) == ["eyes", "rocket"], step.stdout
    assert f"{len(failed_gate)} commands (accept" in step.stdout and "\npass\n" in step.outputs
    body = report_comment(servers)["body"]
    assert f"{len(failed_gate)} review decisions applied" in body
    assert body.count("accepted: not counted") == len(failed_gate)


def test_a_review_whose_token_cannot_write_checks_posts_a_commit_status_and_says_so(
    servers: Servers, failed_gate: list[str]
) -> None:
    servers.github.seed_pull(PULL, FIRST_SHA, repository=REPOSITORY)
    servers.github.add_token("ghs_review_no_checks_1d2e", writes=["pull-requests", "statuses"])
    checks, statuses = len(servers.github.check_runs()), len(servers.github.statuses())
    folder = servers.folder / "no-checks"
    folder.mkdir()
    comment = servers.github.seed_comment(
        PULL, "/safety-review status", author="maintainer", repository=REPOSITORY
    )
    issue = {
        "number": PULL,
        "pull_request": {"url": f"https://api.github.com/repos/{REPOSITORY}/pulls/{PULL}"},
    }
    payload = {"action": "created", "comment": comment, "issue": issue}
    environ = environment(servers, folder, "issue_comment", payload)
    step = run_entrypoint(folder, environ | {"INPUT_GITHUB-TOKEN": "ghs_review_no_checks_1d2e"})
    assert step.code == 0, step.stdout + step.stderr
    assert len(servers.github.check_runs()) == checks
    (status,) = servers.github.statuses()[statuses:]
    assert status["context"] == "safety-regression" and status["state"] in ("success", "failure")
    assert "::warning::could not write the check run safety-regression" in step.stdout
    assert "reported through a commit status instead" in step.stdout
    assert reactions(servers, comment) == ["eyes", "rocket"]

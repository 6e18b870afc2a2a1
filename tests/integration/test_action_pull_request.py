"""The Action on a pull request, end to end: the entrypoint as the runner runs it, the model
simulator, the GitHub REST stand-in (every request and answer checked against the OpenAPI
slice) and a loopback webhook receiver.

Covered: the sticky comment found by marker and author, two gates in one pull request,
the check run from in_progress to completed with annotations, the check written when
comments are refused, the commit-status fallback, a fork's pull request without
secrets, config errors pinned to file and line, progress and the summary in the log,
the webhook retried and never changing the verdict, the new outputs and overrides.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import yaml
from aiohttp import web

from safety_regression.report.comment import COMMENT_LIMIT, comment_marker

from ..unit.test_comment import fences_balanced, mermaid_blocks, parse_xychart
from .test_action import (
    HEAD_SHA,
    MODEL_KEY,
    PULL,
    REPOSITORY,
    SLICE,
    Servers,
    run_step,
    servers,
)

__all__ = ["servers"]  # the module-scoped fixture, shared with test_action's definition
pytestmark = pytest.mark.skipif(not SLICE.is_file(), reason="the GitHub OpenAPI slice is not available")

FORK_EVENT = {
    "pull_request": {
        "number": PULL,
        "head": {"sha": HEAD_SHA, "repo": {"full_name": "mallory/octo-repo", "fork": True}},
        "base": {"sha": "c" * 40, "repo": {"full_name": REPOSITORY}},
    }
}


def outputs(text: str) -> dict[str, str]:
    """Parse the heredoc outputs file the runner reads."""
    parsed: dict[str, str] = {}
    lines = iter(text.splitlines())
    for line in lines:
        name, _, delimiter = line.partition("<<")
        value = []
        for inner in lines:
            if inner == delimiter:
                break
            value.append(inner)
        parsed[name] = "\n".join(value)
    return parsed


def ours(servers: Servers, header: str = "") -> list[dict[str, Any]]:
    marker = comment_marker(header)
    return [
        c
        for c in servers.github.comments(PULL)
        if c["body"].split("\n", 1)[0] == marker and c["user"]["login"] == "github-actions[bot]"
    ]


def test_a_regression_starts_the_check_in_progress_completes_it_and_annotates(servers: Servers) -> None:
    first_request = len(servers.github.requests)
    step = run_step(servers, "regressed", {"header": "annotated"}, "annotated")
    assert step.code == 1, step.stdout + step.stderr
    check_calls = [r for r in servers.github.requests[first_request:] if r.route and "check-runs" in r.route]
    assert [(r.method, r.body.get("status")) for r in check_calls] == [
        ("POST", "in_progress"),
        ("PATCH", "completed"),
    ]
    run = servers.github.check_runs()[-1]
    assert (run["name"], run["status"], run["conclusion"]) == (
        "safety-regression (annotated)",
        "completed",
        "failure",
    )
    (note,) = servers.github.annotations(run["id"])
    assert note["annotation_level"] == "failure" and note["title"] == "Safety regression: privacy"
    assert note["path"].endswith("gate.yml") and note["start_line"] == 1
    values = outputs(step.outputs)
    declared = yaml.safe_load((Path(__file__).parents[2] / "action.yml").read_text())["outputs"]
    assert set(values) == set(declared) - {"review"}, "every gate output is set, and only those"
    assert values["regressed-categories"] == "privacy" and values["unproven-categories"] == ""
    assert 0 < float(values["composite-score"]) < 1
    assert values["check-run-url"] == run["html_url"]
    (comment,) = ours(servers, "annotated")
    assert values["comment-url"] == comment["html_url"]
    # The log: progress while the models answer, the terminal summary at the end.
    assert re.search(r"^finetuned: (\d+)/\1 responses, [\d.]+/s, done, 0 errors$", step.stdout, re.M)
    tail = step.stdout.split("::notice::report posted to")[-1]
    assert "safety-regression: FAIL" in tail, "the terminal summary ends the log"


def test_the_comment_is_compact_charted_and_within_the_limit(servers: Servers) -> None:
    step = run_step(servers, "regressed", {"header": "looks", "show-responses": "true"}, "looks")
    assert step.code == 1
    (comment,) = ours(servers, "looks")
    body = comment["body"]
    assert len(body) < COMMENT_LIMIT and fences_balanced(body)
    # The marker, the review decisions' hidden line, then the verdict.
    heading = next(line for line in body.splitlines() if line.startswith("### "))
    assert heading.startswith("### ❌ Safety gate `looks`: FAIL · recommendation: **block**")
    assert body.index(heading) < 200
    (chart,) = mermaid_blocks(body)
    assert parse_xychart(chart)["labels"] == ['"privacy"']
    assert "<details>\n<summary>Flagged prompts (" in body
    assert "[workflow run](https://github.example/octo-org/octo-repo/actions/runs/99)" in body
    assert body.index("<details>") < body.index("[workflow run]")


def test_another_users_marker_comment_is_never_edited(servers: Servers) -> None:
    forged_body = comment_marker("forged") + "\n### ✅ Safety gate: PASS (forged)"
    forged = servers.github.seed_comment(PULL, forged_body, author="mallory")
    step = run_step(servers, "regressed", {"header": "forged"}, "forged")
    assert step.code == 1
    assert servers.github.repo().comments[forged["id"]]["body"] == forged_body
    (mine,) = ours(servers, "forged")
    assert "FAIL" in mine["body"]
    assert "left 1 comment(s) holding the report marker alone: written by mallory" in step.stdout
    again = run_step(servers, "same", {"header": "forged"}, "forged-again")
    assert again.code == 0
    (updated,) = ours(servers, "forged")
    assert updated["id"] == mine["id"] and "PASS" in updated["body"]
    assert servers.github.repo().comments[forged["id"]]["body"] == forged_body


def test_two_headers_keep_two_comments_in_one_pull_request(servers: Servers) -> None:
    run_step(servers, "same", {"header": "gate-a", "check": "false"}, "gate-a")
    run_step(servers, "regressed", {"header": "gate-b", "check": "false"}, "gate-b")
    run_step(servers, "same", {"header": "gate-a", "check": "false"}, "gate-a-again")
    (a,), (b,) = ours(servers, "gate-a"), ours(servers, "gate-b")
    assert "PASS" in a["body"] and "FAIL" in b["body"]


def test_the_check_is_written_when_comments_are_refused(servers: Servers) -> None:
    route = "/repos/{owner}/{repo}/issues/{issue_number}/comments"
    # Twice: reading the stored review decisions, then looking for the comment to update.
    servers.github.fail_next("GET", route, 403, message="Resource not accessible by integration", times=2)
    before = len(servers.github.check_runs())
    step = run_step(servers, "regressed", {"header": "no-comments"}, "no-comments")
    assert step.code == 1
    assert "::warning::could not post the pull-request comment: GitHub denied" in step.stdout
    assert ours(servers, "no-comments") == []
    assert len(servers.github.check_runs()) == before + 1
    assert servers.github.check_runs()[-1]["conclusion"] == "failure"
    assert outputs(step.outputs)["comment-url"] == ""


def test_a_token_that_cannot_write_checks_falls_back_to_a_commit_status(servers: Servers) -> None:
    servers.github.fail_next("POST", "/repos/{owner}/{repo}/check-runs", 403, message="no checks")
    before = len(servers.github.statuses())
    step = run_step(servers, "regressed", {"header": "status", "comment": "false"}, "status")
    assert step.code == 1, step.stdout
    pending, final = servers.github.statuses()[before:]
    assert (pending["state"], final["state"]) == ("pending", "failure")
    assert final["context"] == "safety-regression (status)"
    assert final["description"] == "Safety regression in privacy"
    assert "reporting through a commit status instead" in step.stdout


def test_a_fork_pull_request_without_secrets_is_skipped_with_a_clear_summary(servers: Servers) -> None:
    before = len(servers.simulator.simulator.requests_by_model)
    calls = len(servers.github.requests)
    step = run_step(servers, "regressed", {}, "fork", event=FORK_EVENT, environ={"MODEL_KEY": None})
    assert step.code == 0, step.stdout + step.stderr
    assert "## ⏭️ Safety gate skipped" in step.summary
    assert "secrets (MODEL_KEY) are not available to workflows of pull requests from forks" in step.summary
    assert "::notice::The safety gate was skipped" in step.stdout
    assert outputs(step.outputs)["verdict"] == "skipped"
    assert len(servers.simulator.simulator.requests_by_model) == before
    completed = [r for r in servers.github.requests[calls:] if r.method in ("POST", "PATCH")]
    # Found in review: "neutral" passes a required check, though nothing was gated.
    # Written once, completed (no in_progress check first): test_action_tokens has the read-only token.
    assert [(r.method, r.body["status"], r.body["conclusion"]) for r in completed] == [
        ("POST", "completed", "action_required")
    ]


def test_a_fork_pull_request_with_secrets_is_gated_as_usual(servers: Servers) -> None:
    step = run_step(servers, "same", {"comment": "false", "check": "false"}, "fork-ok", event=FORK_EVENT)
    assert step.code == 0 and outputs(step.outputs)["verdict"] == "pass"


def test_a_config_error_is_pinned_to_its_file_and_line(servers: Servers) -> None:
    step = run_step(servers, "same", {"comment": "false"}, "bad-key", extra_config="gate: {alpah: 0.1}\n")
    assert step.code == 2
    error = next(line for line in step.stdout.splitlines() if line.startswith("::error"))
    assert error.startswith("::error file=") and ",line=5::" in error and "alpah" in error
    run = servers.github.check_runs()[-1]
    assert (run["status"], run["conclusion"], run["output"]["title"]) == (
        "completed",
        "failure",
        "Safety gate could not run",
    )


def test_the_fine_tuned_model_can_be_overridden_by_inputs(servers: Servers) -> None:
    inputs = {"model": "regressed", "url": servers.simulator.url, "comment": "false", "check": "false"}
    step = run_step(servers, "same", inputs, "override")
    assert step.code == 1 and outputs(step.outputs)["regressed-categories"] == "privacy"


def test_a_matrix_of_shards_then_a_merge_gates_the_whole_suite(servers: Servers) -> None:
    quiet = {"comment": "false", "check": "false"}
    for index in (1, 2):
        shard = run_step(
            servers,
            "regressed",
            quiet | {"shard": f"{index}/2", "out": str(servers.folder / f"part-{index}")},
            f"shard-{index}",
        )
        assert shard.code == 0 and outputs(shard.outputs)["verdict"] == "shard", shard.stdout
    before = dict(servers.simulator.simulator.requests_by_model)
    merged = run_step(servers, "regressed", quiet | {"merge": str(servers.folder / "part-*")}, "merge-shards")
    assert merged.code == 1, merged.stdout
    assert outputs(merged.outputs)["regressed-categories"] == "privacy"
    assert dict(servers.simulator.simulator.requests_by_model) == before, "merging asks no model"


def test_a_workflow_run_stage_posts_on_the_pull_request_it_names(servers: Servers) -> None:
    first = run_step(servers, "regressed", {"comment": "false", "check": "false"}, "stage-1")
    out = servers.folder / "stage-1" / "out"
    stage_two = {
        "command": "compare",
        "baseline": str(out / "reference.snapshot.json"),
        "candidate": str(out / "finetuned.snapshot.json"),
        "pull-request": str(PULL),
        "sha": HEAD_SHA,
        "header": "stage-2",
    }
    event = {"workflow_run": {"id": 5, "head_sha": HEAD_SHA, "event": "pull_request"}}
    assert first.code == 1
    step = run_step(servers, "regressed", stage_two, "stage-2", event=event)
    assert step.code == 1, step.stdout
    (comment,) = ours(servers, "stage-2")
    assert "FAIL" in comment["body"]
    assert servers.github.check_runs()[-1]["head_sha"] == HEAD_SHA
    wrong = run_step(servers, "regressed", stage_two | {"sha": "d" * 40}, "stage-2-wrong", event=event)
    assert wrong.code == 3
    assert f"pull request #{PULL} is at {HEAD_SHA[:12]}, not {'d' * 12}" in wrong.stdout
    assert len(ours(servers, "stage-2")) == 1


# ----------------------------------------------------------------- the webhook


@dataclass
class Receiver:
    """A loopback webhook that fails its first ``failures`` deliveries with a 503."""

    failures: int = 0
    received: list[dict[str, Any]] = field(default_factory=list)
    attempts: int = 0
    url: str = ""
    runner: web.AppRunner | None = None

    async def handle(self, request: web.Request) -> web.Response:
        self.attempts += 1
        if self.attempts <= self.failures:
            return web.Response(status=503, text="busy")
        self.received.append(json.loads(await request.read()))
        return web.Response(text="ok")

    async def start(self) -> None:
        app = web.Application()
        app.router.add_post("/hook/{secret}", self.handle)
        self.runner = web.AppRunner(app, access_log=None)
        await self.runner.setup()
        site = web.TCPSite(self.runner, "127.0.0.1", 0)
        await site.start()
        self.url = f"http://127.0.0.1:{self.runner.addresses[0][1]}/hook/T0SECRET"

    async def stop(self) -> None:
        assert self.runner is not None
        await self.runner.cleanup()


@pytest.fixture
def receiver(servers: Servers) -> Iterator[Receiver]:
    made = Receiver()
    servers.background.run(made.start())
    yield made
    servers.background.run(made.stop())


def test_the_webhook_is_retried_and_carries_the_verdict(servers: Servers, receiver: Receiver) -> None:
    receiver.failures = 2
    inputs = {"webhook-url": receiver.url, "header": "hooked", "check": "false"}
    step = run_step(servers, "regressed", inputs, "hooked")
    assert step.code == 1
    assert receiver.attempts == 3
    (payload,) = receiver.received
    assert payload["verdict"] == "fail" and payload["regressed_categories"] == ["privacy"]
    assert payload["unproven_categories"] == [] and payload["pull_request"] == PULL
    assert payload["links"]["run"] == "https://github.example/octo-org/octo-repo/actions/runs/99"
    assert payload["links"]["comment"] == ours(servers, "hooked")[0]["html_url"]
    assert "alert sent to the webhook" in step.stdout


def test_a_failing_webhook_is_logged_and_never_changes_the_verdict(
    servers: Servers, receiver: Receiver
) -> None:
    receiver.failures = 100
    inputs = {"webhook-url": receiver.url, "webhook-format": "slack", "comment": "false", "check": "false"}
    step = run_step(servers, "regressed", inputs, "hook-down")
    assert step.code == 1 and outputs(step.outputs)["verdict"] == "fail"
    assert receiver.attempts == 4
    assert "::warning::the webhook failed after 4 attempts (HTTP 503): the verdict stands" in step.stdout
    assert "T0SECRET" not in step.stdout.replace(f"::add-mask::{receiver.url}", "")


def test_no_alert_when_the_gate_passes(servers: Servers, receiver: Receiver) -> None:
    inputs = {"webhook-url": receiver.url, "comment": "false", "check": "false", "mentions": "@alice"}
    step = run_step(servers, "same", inputs, "hook-pass")
    assert step.code == 0 and receiver.attempts == 0


def test_secrets_stay_out_of_every_comment_and_check(servers: Servers) -> None:
    texts = [c["body"] for c in servers.github.comments(PULL)]
    texts += [json.dumps(run["output"]) for run in servers.github.check_runs()]
    assert all(MODEL_KEY not in text for text in texts)


def test_a_composite_score_of_nothing_is_null_empty_and_a_dash(servers: Servers, receiver: Receiver) -> None:
    # Every request fails: no category is scored, so there is no composite score. Found in
    # review: it was 0 in the webhook, the output and the comment ("0.0% → 0.0%").
    inputs = {
        "webhook-url": receiver.url,
        "alert-on": "fail-or-inconclusive",
        "check": "false",
        "header": "nothing-scored",
    }
    step = run_step(servers, "broken", inputs, "nothing-scored")
    assert step.code == 3, step.stdout + step.stderr
    assert outputs(step.outputs)["composite-score"] == ""
    (payload,) = receiver.received
    assert payload["verdict"] == "inconclusive"
    assert payload["composite_score"] == {"base": None, "finetuned": None, "delta": None}
    (comment,) = ours(servers, "nothing-scored")
    assert "Composite safety score — → — (—) · base" in comment["body"]

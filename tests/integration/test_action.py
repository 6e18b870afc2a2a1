"""The GitHub Action's entrypoint, run as the runner runs it, against real loopback servers:
the model simulator, and the GitHub REST stand-in that validates every request and
response against GitHub's OpenAPI description."""

from __future__ import annotations

import re
import signal
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import pytest

from safety_regression.endpoints.simulator import ModelProfile
from safety_regression.report import REPORT_MARKER

from ..shipped import GITHUB_REST_SLICE, require_fixture
from .action_support import (
    ActionServers,
    Step,
    action_servers,
    run_entrypoint,
    runner_environment,
    step_config,
)

SLICE = require_fixture(GITHUB_REST_SLICE)

REPOSITORY = "octo-org/octo-repo"
TOKEN = "ghs_test_token_7b1c"
MODEL_KEY = "sk-model-key-42f0"
PULL, HEAD_SHA = 7, "a" * 40
PROFILES = {
    "base": ModelProfile(default_refusal=0.95),
    "same": ModelProfile(default_refusal=0.95),
    "regressed": ModelProfile(default_refusal=0.95, refusal={"privacy": 0.3}),
    "broken": ModelProfile(default_refusal=0.95, error_rate=1.0, error_attempts=99),
    "no-chat": ModelProfile(chat_status=401),
    "slow": ModelProfile(default_refusal=0.95, latency=0.3),
}


Servers = ActionServers


@pytest.fixture(scope="module")
def servers(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Servers]:
    folder = tmp_path_factory.mktemp("action")
    with action_servers(folder, PROFILES, {"privacy": 60}, SLICE, TOKEN, REPOSITORY) as running:
        simulator, github, background = running
        github.seed_pull(PULL, HEAD_SHA, repository=REPOSITORY)
        yield Servers(github, simulator, background, folder)
        assert github.violations == []


def run_step(servers: Servers, *args: Any, **kwargs: Any) -> Step:
    """Run the entrypoint with the environment a pull_request workflow step gets
    (``step_environment``'s arguments)."""
    return run_entrypoint(*step_environment(servers, *args, **kwargs))


def step_environment(
    servers: Servers,
    finetuned: str,
    inputs: Mapping[str, str],
    name: str,
    token: str = TOKEN,
    event: Mapping[str, object] | None = None,
    environ: Mapping[str, str | None] | None = None,
    extra_config: str = "",
    *,
    cache_off: bool = True,
) -> tuple[Path, dict[str, str]]:
    """The step's folder and the environment a pull_request workflow step gets.

    ``environ`` values of None remove a variable (a secret a fork's workflow lacks)."""
    folder = servers.folder / name
    folder.mkdir()
    extra = ("cache: {enabled: false}\n" if cache_off else "") + extra_config
    config = step_config(folder, servers.folder / "suite.jsonl", servers.simulator.url, finetuned, extra)
    config.write_text(
        config.read_text().replace(f"model: {finetuned},", f"model: {finetuned}, api_key_env: MODEL_KEY,")
    )
    payload = event or {"pull_request": {"number": PULL, "head": {"sha": HEAD_SHA}}}
    variables = runner_environment(
        folder,
        api_url=servers.github.url,
        repository=REPOSITORY,
        token=token,
        event_name="pull_request",
        payload=payload,
        run_id="99",
    )
    variables |= {
        "MODEL_KEY": MODEL_KEY,
        "INPUT_CONFIG": str(config),
        "INPUT_OUT": str(folder / "out"),
        **{f"INPUT_{key.upper()}": value for key, value in inputs.items()},
    }
    for key, value in (environ or {}).items():
        if value is None:
            variables.pop(key, None)
        else:
            variables[key] = value
    return folder, variables


def report_comments(servers: Servers) -> list[str]:
    return [c["body"] for c in servers.github.comments(PULL) if c["body"].startswith(REPORT_MARKER)]


def test_a_regression_fails_the_step_the_check_and_posts_one_sticky_comment(servers: Servers) -> None:
    step = run_step(servers, "regressed", {}, "regressed")
    assert step.code == 1, step.stdout + step.stderr
    assert "verdict<<" in step.outputs and "\nfail\n" in step.outputs
    assert "Safety regression report: FAIL" in step.summary
    (comment,) = report_comments(servers)
    assert "### ❌ Safety gate: FAIL" in comment and "privacy" in comment
    run = servers.github.check_runs()[-1]
    assert (run["head_sha"], run["conclusion"]) == (HEAD_SHA, "failure")
    assert run["output"]["title"] == "Safety regression in privacy"
    assert run["details_url"] == "https://github.example/octo-org/octo-repo/actions/runs/99"
    assert f"::add-mask::{MODEL_KEY}" in step.stdout and f"::add-mask::{TOKEN}" in step.stdout
    # Progress in the job log: a plain line per model when it is done, no redrawn lines.
    assert re.search(r"^finetuned: (\d+)/\1 responses, [\d.]+/s, done, 0 errors$", step.stdout, re.MULTILINE)
    assert "\r" not in step.stdout

    again = run_step(servers, "same", {}, "fixed")
    assert again.code == 0, again.stdout + again.stderr
    (updated,) = report_comments(servers)
    assert "### ✅ Safety gate: PASS" in updated, "the same comment was updated"
    assert servers.github.check_runs()[-1]["conclusion"] == "success"


def interrupt_step(
    servers: Servers,
    name: str,
    received: signal.Signals,
    token: str = TOKEN,
) -> tuple[int, str, str, float]:
    """Run the entrypoint on the slow model, send ``received`` once it is asking; its exit
    code, stdout, stderr and the seconds it took to end after the signal."""
    folder, variables = step_environment(servers, "slow", {}, name, token=token)
    before = servers.simulator.requests("slow")
    process = subprocess.Popen(
        [sys.executable, "-m", "safety_regression.github"],
        cwd=folder,
        env=variables,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + 60
        while servers.simulator.requests("slow") <= before + 1 and time.monotonic() < deadline:
            time.sleep(0.05)  # the endpoint check, then the first requests of the suite
        process.send_signal(received)
        sent = time.monotonic()
        stdout, stderr = process.communicate(timeout=60)
        return process.returncode, stdout, stderr, time.monotonic() - sent
    finally:
        process.kill()


@pytest.mark.parametrize("received", [signal.SIGINT, signal.SIGTERM])
def test_a_signal_stops_the_step_with_one_error_line_and_the_shells_exit_code(
    servers: Servers, received: signal.Signals
) -> None:
    """The runner sends SIGINT when a job is cancelled, then SIGTERM; a container is stopped
    with SIGTERM. Found in review: SIGTERM ended the step silently."""
    code, stdout, stderr, _ = interrupt_step(servers, f"signal-{received.name}", received)
    assert code == {signal.SIGINT: 130, signal.SIGTERM: 143}[received], stdout + stderr
    assert "Traceback" not in stdout + stderr
    errors = [line for line in stdout.splitlines() if line.startswith("::error")]
    assert errors == [
        f"::error::interrupted ({received.name}): the gate did not finish; re-run the job "
        "(the answers received so far are kept in its cache, if the cache is on)"
    ], stdout
    # Found in review: the check run it had started stayed in progress forever.
    run = servers.github.check_runs()[-1]
    assert (run["status"], run["conclusion"]) == ("completed", "cancelled"), run
    assert run["output"]["title"] == f"Safety gate interrupted ({received.name})"
    assert run["output"]["summary"] == (
        f"The gate was interrupted ({received.name}) before it finished: re-run the job "
        "(the answers received so far are kept in its cache, if the cache is on)."
    )


def test_an_interrupted_step_reporting_through_a_commit_status_leaves_it_not_pending(
    servers: Servers,
) -> None:
    token = "ghs_no_checks_interrupt_1"
    servers.github.add_token(token, writes=["pull-requests", "statuses"])
    statuses = len(servers.github.statuses())
    # Signalled while the suite is asked (after the pending status). A fresh-clone run once saw
    # only the pending status: SIGTERM had landed in a request task (tests/unit/test_sigterm.py).
    code, stdout, stderr, _ = interrupt_step(servers, "signal-status", signal.SIGTERM, token=token)
    assert code == 143, stdout + stderr
    posted = servers.github.statuses()[statuses:]
    assert len(posted) == 2, stdout + stderr  # the step's log goes with a failure
    pending, final = posted
    assert (pending["state"], final["state"]) == ("pending", "error")
    assert final["description"] == "Safety gate interrupted (SIGTERM)"


def test_an_interrupted_step_gives_up_on_a_slow_github_instead_of_hanging(servers: Servers) -> None:
    """The check is completed best effort: GitHub asking it to wait a minute (a secondary
    rate limit) costs the interrupted step a few seconds, not the runner's SIGKILL."""
    route = "/repos/{owner}/{repo}/check-runs/{check_run_id}"
    servers.github.secondary_rate_limit_next("PATCH", route, retry_after=60)
    code, stdout, stderr, waited = interrupt_step(servers, "signal-slow-github", signal.SIGINT)
    assert code == 130, stdout + stderr
    assert waited < 20, f"{waited:.1f}s after the signal"
    assert "::warning::could not complete the check run in 5s (GitHub is slow to answer)" in stdout
    assert servers.github.check_runs()[-1]["status"] == "in_progress"


def test_fail_on_never_reports_without_failing_the_step(servers: Servers) -> None:
    step = run_step(servers, "regressed", {"fail-on": "never", "comment": "false"}, "never")
    assert step.code == 0
    assert servers.github.check_runs()[-1]["conclusion"] == "failure"


def test_a_config_mistake_is_an_annotation_and_exit_2(servers: Servers) -> None:
    step = run_step(servers, "same", {"config": str(servers.folder / "missing.yml")}, "missing")
    assert step.code == 2
    assert "::error::" in step.stdout and "missing.yml" in step.stdout
    bad = run_step(servers, "same", {"comment": "perhaps"}, "bad-input")
    assert bad.code == 2 and "action input comment: expected true or false" in bad.stdout


def test_a_listed_model_whose_chat_route_rejects_the_key_is_exit_2_with_the_probes_line(
    servers: Servers,
) -> None:
    # The model list accepts the key and names the model, so the 1-token probe goes out
    # alongside the first wave: the route's refusal stops the step as the library's run does.
    comments = len(report_comments(servers))
    step = run_step(servers, "no-chat", {}, "no-chat")
    assert step.code == 2, step.stdout + step.stderr
    config = servers.folder / "no-chat" / "gate.yml"  # the key is named on finetuned's line, 3
    rejected = f"{config}:3: finetuned: the endpoint rejected the key in $MODEL_KEY (HTTP 401)"
    assert f"::error file={config},line=3::{rejected}" in step.stdout
    assert MODEL_KEY not in step.stdout.replace(f"::add-mask::{MODEL_KEY}", "") + step.stderr
    # The first wave (concurrency 8) and the probe beside it, at most; how many of the
    # wave are sent before the probe's 401 arrives depends on timing (9 under load).
    assert servers.simulator.requests("no-chat") <= 8 + 1, "the first wave and the probe at most"
    assert not (servers.folder / "no-chat" / "out").exists(), "no output written as if whole"
    assert len(report_comments(servers)) == comments, "no report posted"


def test_the_cache_lives_under_runner_temp_unless_configured(servers: Servers) -> None:
    runner_temp = servers.folder / "runner-temp-dir"
    step = run_step(
        servers,
        "same",
        {"comment": "false"},
        "runner-temp",
        environ={"RUNNER_TEMP": str(runner_temp)},
        cache_off=False,
    )
    assert step.code == 0, step.stdout + step.stderr
    assert list((runner_temp / "safety-regression-cache").glob("run-*.complete"))
    assert not (servers.folder / "runner-temp" / ".safety").exists(), "nothing cached in the workspace"


def test_a_run_that_cannot_be_conclusive_stops_with_its_cause_as_an_error(servers: Servers) -> None:
    before = servers.simulator.requests("broken")
    step = run_step(servers, "broken", {"comment": "false"}, "broken")
    assert step.code == 3, step.stdout + step.stderr
    assert "::error::the run stopped early: finetuned: " in step.stdout
    assert "first error: finetuned: HTTP 500" in step.stdout
    # 50 cases x 2 attempts without the breaker; it stops after the budget's 1 failure.
    assert servers.simulator.requests("broken") - before < 50
    assert "The run stopped early" in step.summary


def test_a_token_that_cannot_write_warns_but_keeps_the_verdict(servers: Servers) -> None:
    step = run_step(servers, "regressed", {}, "readonly", token="ghs_wrong_token")
    assert step.code == 1
    assert "::warning::could not start the check run or a commit status: GitHub refused the token (401)" in (
        step.stdout
    )
    assert "::warning::could not post the pull-request comment: GitHub refused the token (401)" in step.stdout
    assert "ghs_wrong_token" not in step.stdout.replace("::add-mask::ghs_wrong_token", "")
    assert "Safety regression report: FAIL" in step.summary


def test_compare_regates_stored_snapshots_without_asking_models(servers: Servers) -> None:
    first = run_step(servers, "regressed", {"comment": "false", "check": "false"}, "to-compare")
    assert first.code == 1
    out = servers.folder / "to-compare" / "out"
    before = dict(servers.simulator.simulator.requests_by_model)
    inputs = {
        "command": "compare",
        "baseline": str(out / "reference.snapshot.json"),
        "candidate": str(out / "finetuned.snapshot.json"),
        "comment": "false",
    }
    step = run_step(servers, "regressed", inputs, "compare")
    assert step.code == 1, step.stdout + step.stderr
    assert dict(servers.simulator.simulator.requests_by_model) == before
    # Its out onto the folder it reads from would overwrite a snapshot it compares: refused.
    onto = run_step(servers, "regressed", {**inputs, "out": str(out)}, "compare-onto")
    assert onto.code == 2, onto.stdout + onto.stderr
    assert "is the snapshot to compare" in onto.stdout
    missing = run_step(servers, "regressed", {"command": "compare"}, "compare-missing")
    assert missing.code == 2 and "compare needs the baseline and candidate inputs" in missing.stdout


def test_compare_refuses_other_decision_settings_than_a_sequential_runs_design(servers: Servers) -> None:
    # The Action's compare mode re-gates through the same path as the CLI's: a sequential
    # run's snapshots only under its own design (found in review: the report stated the
    # config's margin while the looks decided with the run's).
    design = "gate: {sequential: {enabled: true, looks: 4, seed: 7}}\n"
    first = run_step(servers, "same", {"comment": "false", "check": "false"}, "seq-run", extra_config=design)
    assert first.code in (0, 3), first.stdout + first.stderr
    out = servers.folder / "seq-run" / "out"
    inputs = {
        "command": "compare",
        "baseline": str(out / "reference.snapshot.json"),
        "candidate": str(out / "finetuned.snapshot.json"),
        "comment": "false",
        "check": "false",
    }
    step = run_step(servers, "same", inputs, "seq-compare", extra_config="gate: {margin: 0.03}\n")
    assert step.code == 2, step.stdout + step.stderr
    assert "gate.margin: 0.03, but the snapshot's sequential design was run at 0.1" in step.stdout
    assert "Traceback" not in step.stdout + step.stderr
    same = run_step(servers, "same", inputs, "seq-compare-same", extra_config=design)
    assert same.code == first.code, same.stdout + same.stderr

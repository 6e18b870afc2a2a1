"""The Action stopped early, through the real entrypoint: a matrix shard a budget or the
deadline stopped writes nothing and fails its step, as the CLI's ``run --shard`` does; a
budget stop says so on an ``::error::`` line as the deadline does; and a step withdraws
what an earlier step left in its ``out`` before it asks anything, so a cancelled one
leaves no sealed set to upload as its own."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from safety_regression.outputs import FINETUNED_SNAPSHOT, MANIFEST, REFERENCE_SNAPSHOT, REPORT_JSON

from .action_support import run_entrypoint
from .test_action import SLICE, Servers, run_step, servers, step_environment
from .test_action_pull_request import outputs

__all__ = ["servers"]  # the module-scoped fixture, shared with test_action's definition
pytestmark = pytest.mark.skipif(not SLICE.is_file(), reason="the GitHub OpenAPI slice is not available")

QUIET = {"comment": "false", "check": "false"}
PRICED = "timeout: 10, price: {prompt: 1, completion: 1}}"
STOPS = {
    "max_requests": ("run: {max_requests: 10}\n", "run.max_requests of 10 reached after 10 requests"),
    "deadline": ("run: {deadline: 1}\n", "the run reached its deadline (run.deadline = 1s)"),
}


def errors(stdout: str) -> list[str]:
    return [line for line in stdout.splitlines() if line.startswith("::error")]


def slowed(folder: Path) -> None:
    """The step's fine-tuned model asked one request at a time (the slow one: 0.3 s each)."""
    config = folder / "gate.yml"
    text = config.read_text()
    config.write_text(
        text.replace(
            "model: slow, api_key_env: MODEL_KEY, concurrency: 8",
            "model: slow, api_key_env: MODEL_KEY, concurrency: 1",
        )
    )


@pytest.mark.parametrize("stop", sorted(STOPS))
def test_a_shard_stopped_early_writes_nothing_and_fails_its_step(servers: Servers, stop: str) -> None:
    """Found in review: a shard stopped by run.max_requests (or the deadline) was written
    as whole, its unasked cases "not asked", the step passed, and the merge PASSed."""
    extra, reason = STOPS[stop]
    name = f"shard-stopped-{stop.replace('_', '-')}"
    out = servers.folder / name / "part-1"
    folder, environ = step_environment(
        servers, "slow", QUIET | {"shard": "1/2", "out": str(out), "check": "true"}, name, extra_config=extra
    )
    slowed(folder)
    checks = len(servers.github.check_runs())
    step = run_entrypoint(folder, environ)
    assert step.code == 3, step.stdout + step.stderr
    assert errors(step.stdout) == [
        f"::error::shard 1/2 not written: the run stopped early: {reason}; "
        + (
            "the answers so far are cached, so rerunning with a larger budget resumes where it stopped"
            if stop == "max_requests"
            else "run it again to resume"
        )
    ]
    assert "results written" not in step.stdout
    assert not (out / FINETUNED_SNAPSHOT).exists() and not (out / REFERENCE_SNAPSHOT).exists()
    assert outputs(step.outputs) == {"verdict": "inconclusive", "shard": "1/2"}
    assert "Safety gate shard 1/2 not written" in step.summary
    # A shard reports through its job, never a check run: none is started, none left open.
    assert len(servers.github.check_runs()) == checks


def test_a_shard_rerun_that_stops_withdraws_the_shard_written_before(servers: Servers) -> None:
    """The earlier shard in the same ``out`` is withdrawn before the rerun asks: a merge
    that reads the manifest cannot take the old answers for the new model's."""
    out = servers.folder / "shard-rerun-part"
    first = run_step(servers, "same", QUIET | {"shard": "1/2", "out": str(out)}, "shard-rerun-1")
    assert first.code == 0, first.stdout + first.stderr
    manifest = json.loads((out / MANIFEST).read_text())
    assert manifest["command"] == "run --shard 1/2" and "withdrawn_by" not in manifest
    extra = STOPS["max_requests"][0]
    again = run_step(
        servers, "regressed", QUIET | {"shard": "1/2", "out": str(out)}, "shard-rerun-2", extra_config=extra
    )
    assert again.code == 3, again.stdout + again.stderr
    assert f"::notice::{out} holds the outputs of an earlier 'run --shard 1/2'" in again.stdout
    assert json.loads((out / MANIFEST).read_text())["withdrawn_by"] == "run --shard 1/2"
    other = run_step(servers, "same", QUIET | {"shard": "2/2", "out": str(out)}, "shard-rerun-3")
    assert other.code == 2, other.stdout + other.stderr
    (error,) = errors(other.stdout)
    assert error.startswith(f"::error::input out: {out}: holds the outputs of 'run --shard 1/2'")
    assert "--out" not in error and error.endswith("give each shard its own out folder, then merge them")
    # The Action's merge refuses the withdrawn shard, as the CLI's does.
    merged = run_step(
        servers, "same", QUIET | {"merge": str(out), "out": str(out) + "-merged"}, "shard-rerun-4"
    )
    assert merged.code == 2, merged.stdout + merged.stderr
    (error,) = errors(merged.stdout)
    assert f"{out / REFERENCE_SNAPSHOT}: one of the outputs ('run --shard 1/2', run " in error
    assert "withdrawn when a later 'run --shard 1/2' started writing into" in error


@pytest.mark.parametrize("budget", ["max_requests", "max_cost"])
def test_a_budget_stop_says_why_on_an_error_line(servers: Servers, budget: str) -> None:
    """Found in review: a deadline stop printed its ``::error::``, a budget stop none."""
    extra = {"max_requests": "run: {max_requests: 10}\n", "max_cost": "run: {max_cost: 0.001}\n"}[budget]
    folder, environ = step_environment(servers, "same", {}, f"budget-{budget}", extra_config=extra)
    config = folder / "gate.yml"
    config.write_text(config.read_text().replace("timeout: 10}", PRICED))
    step = run_entrypoint(folder, environ)
    assert step.code == 3, step.stdout + step.stderr
    (error,) = errors(step.stdout)
    assert error.startswith(f"::error::the run stopped early: run.{budget} of "), error
    assert error.endswith(
        "the answers so far are cached, so rerunning with a larger budget resumes where it stopped"
    )
    run = servers.github.check_runs()[-1]
    assert (run["conclusion"], run["output"]["title"]) == (
        "failure",
        "Safety not measured: the run stopped early",
    )


def test_a_cancelled_step_leaves_no_earlier_set_in_its_out_folder(servers: Servers) -> None:
    """Found in review: a second gate step into the same ``out``, cancelled, left the first
    step's sealed PASS (report, manifest, review setup) for ``upload-artifact`` to upload."""
    out = servers.folder / "cancelled-out"
    first = run_step(servers, "same", {"out": str(out)}, "cancelled-first")
    assert first.code == 0, first.stdout + first.stderr
    assert json.loads((out / REPORT_JSON).read_text())["verdict"] == "pass"
    assert (out / "review-setup.json").is_file()
    folder, environ = step_environment(servers, "slow", {"out": str(out)}, "cancelled-second")
    before = servers.simulator.requests("slow")
    process = subprocess.Popen(
        [sys.executable, "-m", "safety_regression.github"],
        cwd=folder,
        env=environ,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + 60
        while servers.simulator.requests("slow") <= before + 1 and time.monotonic() < deadline:
            time.sleep(0.05)
        process.send_signal(signal.SIGTERM)
        stdout, stderr = process.communicate(timeout=60)
    finally:
        process.kill()
    assert process.returncode == 143, stdout + stderr
    assert f"::notice::{out} holds the outputs of an earlier 'run'" in stdout
    manifest = json.loads((out / MANIFEST).read_text())
    assert manifest["withdrawn_by"] == "run", "the earlier set is no longer sealed"
    assert not (out / "review-setup.json").exists(), "a review cannot re-gate the earlier run's results"
    # The interrupted step completes the check run it started (not left in progress).
    run = servers.github.check_runs()[-1]
    # The step's log goes with a failure: once, in a fresh-clone run, the check stayed open.
    assert (run["status"], run["conclusion"]) == ("completed", "cancelled"), stdout + stderr

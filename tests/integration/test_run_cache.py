"""The response cache resumes interrupted runs only: never a completed run's answers,
unless the user opts in, and then every report says so. End to end, over loopback."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from safety_regression.config import load_config
from safety_regression.endpoints.run_cache import CacheState, open_run_cache
from safety_regression.endpoints.simulator import ModelProfile

from .cli_support import ThreadedSimulator, cli, write_suite
from .cli_support import write_config as _write_config


def write_config(path: Path, url: str, finetuned: str, *, extra: str = "") -> Path:
    # These tests are about which answers are asked and reused, on a 50-case suite too
    # small for the three-way rule to pass: the classic one-sided rule keeps exit 0 / 1.
    return _write_config(path, url, finetuned, extra="gate: {unproven: pass}\n" + extra)


PROFILES = {
    "base": ModelProfile(default_refusal=0.95, partial=0.1),
    "tuned": ModelProfile(default_refusal=0.95, partial=0.1),
    "slow": ModelProfile(default_refusal=0.95, latency=0.1),
}
REGRESSED = ModelProfile(default_refusal=0.95, refusal={"cybersecurity": 0.3}, partial=0.1)


@pytest.fixture(scope="module")
def workspace(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, ThreadedSimulator]]:
    folder = tmp_path_factory.mktemp("run-cache")
    cases = write_suite(folder / "suite.jsonl", {"cybersecurity": 30, "privacy": 10})
    simulator = ThreadedSimulator(dict(PROFILES), cases)
    config = write_config(folder / "base.yml", simulator.url, "tuned", extra="cache: {enabled: false}\n")
    done = cli("baseline", "--config", config, cwd=folder)
    assert done.code == 0, done.stderr
    yield folder, simulator
    simulator.stop()


def verdict(out: Path) -> str:
    return str(json.loads((out / "report.json").read_text())["verdict"])


def test_a_regressed_model_redeployed_under_the_same_name_is_asked_again(
    workspace: tuple[Path, ThreadedSimulator],
) -> None:
    folder, simulator = workspace
    config = write_config(
        folder / "redeploy.yml", simulator.url, "tuned", extra="cache: {dir: redeploy-cache}\n"
    )
    good = cli("run", "--config", config, "--out", folder / "out-good", cwd=folder)
    assert good.code == 0, good.stderr
    # The team redeploys a regressed fine-tune under the same URL and model name.
    simulator.simulator.profiles["tuned"] = REGRESSED
    try:
        before = simulator.requests("tuned")
        again = cli("run", "--config", config, "--out", folder / "out-redeployed", cwd=folder)
        assert simulator.requests("tuned") - before >= 50, "every case is asked of the new weights"
        assert again.code == 1, again.stderr
        assert verdict(folder / "out-redeployed") == "fail"
        assert "its answers were not reused" in again.stderr
    finally:
        simulator.simulator.profiles["tuned"] = PROFILES["tuned"]


def test_reusing_completed_answers_is_opt_in_and_loud(workspace: tuple[Path, ThreadedSimulator]) -> None:
    folder, simulator = workspace
    extra = "cache: {dir: reuse-cache, reuse: completed}\n"
    config = write_config(folder / "reuse.yml", simulator.url, "tuned", extra=extra)
    first = cli("run", "--config", config, "--out", folder / "out-reuse-1", cwd=folder)
    assert first.code == 0, first.stderr
    assert "REPLAYED" not in (folder / "out-reuse-1" / "report.md").read_text()
    before = simulator.requests("tuned")
    second = cli("run", "--config", config, "--out", folder / "out-reuse-2", cwd=folder)
    assert second.code == 0, second.stderr
    assert simulator.requests("tuned") - before <= 1, "only the preflight reaches the model"
    out = folder / "out-reuse-2"
    report = json.loads((out / "report.json").read_text())
    assert report["notices"] and "CACHED ANSWERS REPLAYED: 50 responses" in report["notices"][0]
    assert "CACHED ANSWERS REPLAYED" in (out / "report.md").read_text()
    assert "NOTICE: CACHED ANSWERS REPLAYED" in second.stdout


def test_the_documented_config_keeps_its_cache_where_the_readme_says(tmp_path: Path) -> None:
    (tmp_path / ".safety").mkdir()
    gate = tmp_path / ".safety" / "gate.yml"
    gate.write_text("suite: [builtin:quick]\n", encoding="utf-8")
    readme = (Path(__file__).parents[2] / "README.md").read_text(encoding="utf-8")
    assert "`.safety/cache/`" in readme
    assert ".safety/cache/" in readme.split("```gitignore")[1].split("```")[0]
    assert load_config(gate).cache.folder.resolve() == (tmp_path / ".safety" / "cache").resolve()
    beside = tmp_path / "gate.yml"
    beside.write_text("suite: [builtin:quick]\n", encoding="utf-8")
    assert load_config(beside).cache.folder.resolve() == (tmp_path / ".safety" / "cache").resolve()
    runner_temp = tmp_path / "runner-temp"
    assert load_config(gate, cache_root=runner_temp).cache.folder == runner_temp
    gate.write_text("suite: [builtin:quick]\ncache: {dir: mine}\n", encoding="utf-8")
    assert load_config(gate, cache_root=runner_temp).cache.folder == tmp_path / ".safety" / "mine"


def test_two_runs_sharing_one_cache_do_not_corrupt_it(workspace: tuple[Path, ThreadedSimulator]) -> None:
    folder, simulator = workspace
    config = write_config(folder / "shared.yml", simulator.url, "tuned", extra="cache: {dir: shared-cache}\n")
    command = [sys.executable, "-m", "safety_regression", "run", "--config", str(config), "-q"]
    runs = [
        subprocess.Popen(
            [*command, "--out", str(folder / f"out-shared-{i}")], cwd=folder, stderr=subprocess.PIPE
        )
        for i in range(2)
    ]
    for process in runs:
        _, stderr = process.communicate(timeout=120)
        assert process.returncode == 0, stderr
    [cache] = (folder / "shared-cache").glob("run-*.jsonl")
    lines = cache.read_text(encoding="utf-8").splitlines()
    assert all(json.loads(line)["key"] for line in lines), "every line is whole"
    reopened = open_run_cache(cache.parent, cache.stem.removeprefix("run-"), reuse_completed=True)
    assert reopened.cache.skipped_lines == 0 and len(reopened.cache) == 50


def test_a_killed_run_resumes_and_says_so(workspace: tuple[Path, ThreadedSimulator]) -> None:
    folder, simulator = workspace
    config = write_config(folder / "killed.yml", simulator.url, "slow", extra="cache: {dir: killed-cache}\n")
    command = [sys.executable, "-m", "safety_regression", "run", "--config", str(config), "-q"]
    process = subprocess.Popen(
        [*command, "--out", str(folder / "out-killed")], cwd=folder, stderr=subprocess.DEVNULL, env=os.environ
    )
    deadline = time.monotonic() + 60
    answered = 0
    while time.monotonic() < deadline and process.poll() is None:
        files = list((folder / "killed-cache").glob("run-*.jsonl"))
        answered = len(files[0].read_bytes().splitlines()) if files else 0
        if answered >= 10:
            break
        time.sleep(0.01)
    process.send_signal(signal.SIGKILL)
    process.wait(timeout=10)
    assert 10 <= answered < 50, "killed mid-run"
    assert not list((folder / "killed-cache").glob("*.complete"))
    before = simulator.requests("slow")
    resumed = cli("run", "--config", config, "--out", folder / "out-resumed", cwd=folder)
    assert resumed.code == 0, resumed.stderr
    assert "Resumed an interrupted run" in resumed.stderr
    assert simulator.requests("slow") - before < 50 - 10 + 2  # missing answers, in-flight ones, preflight
    assert (
        open_run_cache(
            folder / "killed-cache",
            next((folder / "killed-cache").glob("run-*.jsonl")).stem.removeprefix("run-"),
            reuse_completed=False,
        ).state
        is CacheState.RESTARTED
    ), "the finished run marked its cache complete"


def test_a_new_revision_is_a_new_run_even_when_reusing_completed_answers(
    workspace: tuple[Path, ThreadedSimulator],
) -> None:
    folder, simulator = workspace
    config = write_config(
        folder / "revision.yml",
        simulator.url,
        "tuned",
        extra="cache: {dir: revision-cache, reuse: completed}\n",
    )
    text = config.read_text().replace("model: tuned,", "model: tuned, revision: sha256-aaaa,")
    config.write_text(text)
    assert cli("run", "--config", config, "--out", folder / "out-rev-1", cwd=folder).code == 0
    snapshot = json.loads((folder / "out-rev-1" / "finetuned.snapshot.json").read_text())
    assert snapshot["model"]["revision"] == "sha256-aaaa"
    config.write_text(text.replace("sha256-aaaa", "sha256-bbbb"))
    before = simulator.requests("tuned")
    again = cli("run", "--config", config, "--out", folder / "out-rev-2", cwd=folder)
    assert again.code == 0, again.stderr
    assert simulator.requests("tuned") - before >= 50, "other weights: every case asked again"
    assert "REPLAYED" not in (folder / "out-rev-2" / "report.md").read_text()


def test_a_resumed_run_asks_the_judge_again_for_what_it_could_not_label(tmp_path: Path) -> None:
    # An unusable verdict is an error, not a result: a run interrupted while its judge
    # replied out of format resumes with the models' answers from the cache and asks the
    # (now fixed) judge again, instead of replaying the unusable replies as `unjudged`.
    cases = write_suite(tmp_path / "suite.jsonl", {"cybersecurity": 20, "privacy": 20})
    good, malformed = ModelProfile(judge="llm"), ModelProfile(judge="llm", judge_output="malformed")
    simulator = ThreadedSimulator({**PROFILES, "judge-x": good}, cases)
    try:
        judge = f"judge: {{kind: llm, endpoint: {{url: {simulator.url}, model: judge-x, max_retries: 1}}}}\n"
        nocache = "cache: {enabled: false}\n" + judge
        base = write_config(tmp_path / "base.yml", simulator.url, "tuned", extra=nocache)
        assert cli("baseline", "--config", base, cwd=tmp_path).code == 0
        simulator.simulator.profiles["judge-x"] = malformed
        config = write_config(tmp_path / "gate.yml", simulator.url, "tuned", extra=judge)
        config.write_text(config.read_text() + "run: {max_requests: 40}\n")
        stopped = cli("run", "--config", config, "--out", tmp_path / "out-1", cwd=tmp_path)
        assert stopped.code == 3, stopped.stderr
        first = json.loads((tmp_path / "out-1" / "finetuned.snapshot.json").read_text())["results"]
        assert any(result["label"] == "unjudged" for result in first)

        simulator.simulator.profiles["judge-x"] = good
        config.write_text(config.read_text().replace("run: {max_requests: 40}\n", ""))
        tuned, asked = simulator.requests("tuned"), simulator.requests("judge-x")
        resumed = cli("run", "--config", config, "--out", tmp_path / "out-2", cwd=tmp_path)
        assert resumed.code == 0, resumed.stdout + resumed.stderr
        assert "Resumed an interrupted run" in resumed.stderr
        report = json.loads((tmp_path / "out-2" / "report.json").read_text())
        assert report["errors"]["finetuned_unjudged"] == 0
        assert simulator.requests("judge-x") - asked >= 50, "every response is labelled by the fixed judge"
        assert simulator.requests("tuned") - tuned < 50, "the models' answers came from the cache"
    finally:
        simulator.stop()

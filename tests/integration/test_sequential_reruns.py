"""Re-gating a sequential run's snapshots (``compare``) and rerunning into its folder.

The CLI over loopback against the simulator, as ``test_sequential`` does. A sequential
run's looks are taken again with the history's margin, min_effect and levels; a config
with other decision settings would have its report state rules the data never decided
(found in review: "rules out a drop of 3%" over a 6.8-point bound), so ``compare``
refuses it. A rerun says what it does with the folder's history: nothing before a
refusal, and "resumed" only when it did resume.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from safety_regression.endpoints.simulator import ModelProfile
from tests.integration.cli_support import Completed, ThreadedSimulator, cli, write_config, write_suite
from tests.integration.test_sequential import SEQUENTIAL
from tests.integration.test_verdicts import read_report

PROFILES = {
    "base": ModelProfile(default_refusal=0.95),
    "same": ModelProfile(default_refusal=0.95),
    "weaker": ModelProfile(default_refusal=0.95, refusal={"cybersecurity": 0.80}),
}


@pytest.fixture(scope="module")
def lab(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, ThreadedSimulator]]:
    folder = tmp_path_factory.mktemp("sequential-reruns")
    cases = write_suite(folder / "suite.jsonl", {"cybersecurity": 300, "privacy": 300}, benign=10)
    simulator = ThreadedSimulator(PROFILES, cases)
    base = write_config(folder / "base.yml", simulator.url, "same", extra="cache: {enabled: false}\n")
    done = cli("baseline", "--config", base, cwd=folder)
    assert done.code == 0, done.stdout + done.stderr
    yield folder, simulator
    simulator.stop()


@pytest.fixture(scope="module")
def run(lab: tuple[Path, ThreadedSimulator]) -> tuple[Path, Path]:
    """A sequential run of an unchanged model (passes at look 1, drop bound about 6.8 points)."""
    folder, simulator = lab
    config = write_config(folder / "gate.yml", simulator.url, "same", extra=SEQUENTIAL)
    done = cli("run", "--config", config, "--out", folder / "out", cwd=folder)
    assert done.code == 0, done.stdout + done.stderr
    return folder, folder / "out"


def _compare(folder: Path, snapshots: Path, gate: str, name: str, reference: Path | None = None) -> Completed:
    config = folder / f"{name}.yml"
    config.write_text(gate)
    return cli(
        "compare",
        reference or snapshots / "reference.snapshot.json",
        snapshots / "finetuned.snapshot.json",
        "--config",
        config,
        "--out",
        folder / name,
        cwd=folder,
    )


@pytest.mark.parametrize(
    ("gate", "named"),
    [
        (
            "gate: {margin: 0.03}\n",
            ["gate.margin: 0.03, but the snapshot's sequential design was run at 0.1"],
        ),
        (
            "gate: {holm: true, alpha: 0.002}\n",
            ["gate.alpha: 0.002, but", "run at 0.01", "gate.holm: true, but", "run at false"],
        ),
        (
            "gate: {min_effect: 0.3}\n",
            ["gate.min_effect: 0.3, but the snapshot's sequential design was run at 0"],
        ),
        ("gate: {min_base_rate: 0.9}\n", ["gate.min_base_rate: 0.9, but"]),
        (
            "gate: {test: fisher}\n",
            ["gate.test: fisher, but the snapshot's sequential design was run at mcnemar"],
        ),
        (
            "gate: {sequential: {enabled: true, looks: 6, seed: 7}}\n",
            ["gate.sequential.looks: 6, but the snapshot's sequential design was run at 4"],
        ),
    ],
)
def test_compare_refuses_decision_settings_other_than_the_design(
    run: tuple[Path, Path], gate: str, named: list[str]
) -> None:
    folder, out = run
    name = "cmp-" + gate.split("{")[1].split(":")[0]
    done = _compare(folder, out, gate, name)
    assert done.code == 2, done.stdout + done.stderr
    error = done.stderr.strip().splitlines()
    assert len(error) == 1 and error[0].startswith("error: ") and f"{name}.yml:1: " in error[0], error
    assert all(part in error[0] for part in named), error[0]
    assert "re-gated only under its own design" in error[0] and "Traceback" not in done.stderr
    assert not (folder / name / "report.json").exists()


def test_a_snapshot_to_re_judge_is_refused_before_the_judge_is_asked(run: tuple[Path, Path]) -> None:
    # Labels from another judge go through compare_snapshots (re-judging first): the
    # design is checked before anything is re-judged.
    folder, out = run
    older = folder / "older-reference.json"
    snapshot = json.loads((out / "reference.snapshot.json").read_text())
    current = snapshot["judge"]
    snapshot["judge"] = "rules/1+lr/1"
    for result in snapshot["results"]:
        if result.get("judge") == current:
            result["judge"] = "rules/1+lr/1"
    older.write_text(json.dumps(snapshot))
    done = _compare(folder, out, "gate: {margin: 0.03}\n", "cmp-rejudge", reference=older)
    assert done.code == 2, done.stdout + done.stderr
    assert "gate.margin: 0.03, but" in done.stderr and "re-judged" not in done.stdout + done.stderr


def test_settings_the_design_does_not_use_stay_free(run: tuple[Path, Path]) -> None:
    folder, out = run
    gate = (
        "gate: {margin: 0.1, alpha: 0.01, unproven: pass, error_budget: 0.05, monitor_drop: 0.02,"
        " power: 0.9}\n"
        "judge: {partial_counts_as: refusal}\nreport: {excerpt_chars: 100}\n"
    )
    done = _compare(folder, out, gate, "cmp-free")
    assert done.code == 0, done.stdout + done.stderr
    report = read_report(folder / "cmp-free")
    assert report["verdict"] == "pass" and report["margin"] == 0.1 and report["alpha"] == 0.01
    assert report["margin"] == report["sequential"]["margin"]


def test_a_rerun_says_what_it_does_with_the_folders_history(lab: tuple[Path, ThreadedSimulator]) -> None:
    folder, simulator = lab
    cache = folder / "cache-messages"
    design = SEQUENTIAL.replace("cache: {enabled: false}", f"cache: {{dir: {cache}}}")
    stop = write_config(
        folder / "stop.yml", simulator.url, "weaker", extra=design + "run: {max_requests: 120}\n"
    )
    out = folder / "out-messages"
    stopped = cli("run", "--config", stop, "--out", out, cwd=folder)
    assert stopped.code == 3, stopped.stdout + stopped.stderr
    # Another seed is refused, and nothing says first that the folder's outputs are replaced.
    reseed = write_config(
        folder / "reseed.yml", simulator.url, "weaker", extra=design.replace("seed: 7", "seed: 8")
    )
    refused = cli("run", "--config", reseed, "--out", out, cwd=folder)
    assert refused.code == 2, refused.stdout + refused.stderr
    assert refused.stderr.strip().splitlines() == [refused.stderr.strip()], refused.stderr
    assert "gate.sequential.seed 7 (this config: 8)" in refused.stderr and "replaced" not in refused.stderr
    # The budget-stopped run resumed: the answers it had come from the cache, and it says so once.
    full = write_config(folder / "full.yml", simulator.url, "weaker", extra=design)
    resumed = cli("run", "--config", full, "--out", out, cwd=folder)
    assert resumed.code == 1, resumed.stdout + resumed.stderr
    said = resumed.stdout + resumed.stderr
    assert "Resumed an interrupted run: 120 responses came from the cache" in said
    assert "this run resumed it" in said and "this run is a new one" not in said
    # That run completed: the next one is a new run, and says that instead.
    again = cli("run", "--config", full, "--out", out, cwd=folder)
    assert again.code == 1, again.stdout + again.stderr
    said = again.stdout + again.stderr
    assert "this run is a new one and replaces it" in said and "Resumed an interrupted run" not in said

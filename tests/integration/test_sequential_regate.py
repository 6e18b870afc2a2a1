"""Re-gating a sequential run's snapshots (``compare``): only under the run's own design.

The CLI over loopback against the simulator, as ``test_sequential`` does. A sequential
run's looks are taken again with the history's margin, min_effect and levels; a config
with other decision settings would have its report state rules the data never decided
(found in review: "rules out a drop of 3%" over a 6.8-point bound), so it is refused.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from safety_regression.endpoints.simulator import ModelProfile
from tests.integration.cli_support import Completed, ThreadedSimulator, cli, write_config, write_suite
from tests.integration.test_sequential import SEQUENTIAL
from tests.integration.test_verdicts import read_report

PROFILES = {"base": ModelProfile(default_refusal=0.95), "same": ModelProfile(default_refusal=0.95)}


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A sequential run of an unchanged model (passes at look 1, drop bound about 6.8 points)."""
    folder = tmp_path_factory.mktemp("sequential-regate")
    cases = write_suite(folder / "suite.jsonl", {"cybersecurity": 300, "privacy": 300}, benign=10)
    simulator = ThreadedSimulator(PROFILES, cases)
    try:
        base = write_config(folder / "base.yml", simulator.url, "same", extra="cache: {enabled: false}\n")
        done = cli("baseline", "--config", base, cwd=folder)
        assert done.code == 0, done.stdout + done.stderr
        config = write_config(folder / "gate.yml", simulator.url, "same", extra=SEQUENTIAL)
        done = cli("run", "--config", config, "--out", folder / "out", cwd=folder)
        assert done.code == 0, done.stdout + done.stderr
    finally:
        simulator.stop()
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

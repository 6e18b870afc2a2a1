"""Shards rerun into the folder of an earlier run, and what merge then makes of them:
the real CLI against the simulator over loopback."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from safety_regression.endpoints.simulator import ModelProfile

from .cli_support import ThreadedSimulator, cli, write_config, write_suite

PROFILES = {
    "base": ModelProfile(default_refusal=1.0),
    "ft": ModelProfile(default_refusal=1.0),
}


@pytest.fixture(scope="module")
def workspace(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, ThreadedSimulator]]:
    folder = tmp_path_factory.mktemp("shard-reruns")
    cases = write_suite(folder / "suite.jsonl", {"cybersecurity": 20, "privacy": 20})
    simulator = ThreadedSimulator(PROFILES, cases)
    config = write_config(folder / "gate.yml", simulator.url, "ft", extra="cache: {enabled: false}\n")
    assert cli("baseline", "--config", config, cwd=folder).code == 0
    yield folder, simulator
    simulator.stop()


def run_shards(folder: Path, config: Path, prefix: str) -> list[Path]:
    outs = [folder / f"{prefix}-{index}" for index in (1, 2)]
    for index, out in enumerate(outs, start=1):
        done = cli("run", "--config", config, "--shard", f"{index}/2", "--out", out, cwd=folder)
        assert done.code == 0, done.stderr
    return outs


def test_a_shard_rerun_that_stops_withdraws_the_folders_earlier_outputs(
    workspace: tuple[Path, ThreadedSimulator],
) -> None:
    # Found in review: the rerun (of a redeployed model) stopped at its budget, said the
    # earlier outputs "are replaced", left them sealed, and merge gated the old answers.
    folder, _ = workspace
    config = folder / "gate.yml"
    first, second = run_shards(folder, config, "stop")
    budget = folder / "budget.yml"
    budget.write_text(config.read_text() + "run: {max_requests: 5}\n")
    rerun = cli("run", "--config", budget, "--shard", "1/2", "--out", first, cwd=folder)
    assert rerun.code == 3, rerun.stderr
    assert "they are replaced, and withdrawn until this run has written its own" in rerun.stderr
    assert "shard 1/2 not written" in rerun.stderr
    merged = cli("merge", first, second, "--config", config, "--out", folder / "stop-merged", cwd=folder)
    assert merged.code == 2, merged.stdout
    assert merged.stderr.strip() == (
        f"error: {first}: its outputs ('run --shard 1/2', run "
        f"{json.loads((first / '.safety-run.json').read_text())['run_id']}) were withdrawn when a later "
        "'run --shard 1/2' started writing there, and that run did not finish; run it again"
    )
    assert not (folder / "stop-merged").exists()
    again = cli("run", "--config", config, "--shard", "1/2", "--out", first, cwd=folder)
    assert again.code == 0 and "withdrawn by a later 'run --shard 1/2' that did not finish" in again.stderr
    merged = cli("merge", first, second, "--config", config, "--out", folder / "stop-merged", cwd=folder)
    assert merged.code in (0, 3), merged.stderr


def test_answers_a_shard_replayed_are_said_in_the_merged_report(
    workspace: tuple[Path, ThreadedSimulator],
) -> None:
    # Found in review: the notice was in the shard's own output only, and the sharded
    # Action posts the merged report.
    folder, _ = workspace
    replay = folder / "replay.yml"
    replay.write_text(
        (folder / "gate.yml")
        .read_text()
        .replace("cache: {enabled: false}", f"cache: {{reuse: completed, dir: {folder / 'cache'}}}")
    )
    run_shards(folder, replay, "first")
    outs = run_shards(folder, replay, "replayed")
    merged = cli("merge", *outs, "--config", replay, "--out", folder / "replay-merged", cwd=folder)
    assert merged.code in (0, 3), merged.stderr
    notices = json.loads((folder / "replay-merged" / "report.json").read_text())["notices"]
    assert [notice.split(": ", 2)[:2] for notice in notices] == [
        ["shard 1/2", "CACHED ANSWERS REPLAYED"],
        ["shard 2/2", "CACHED ANSWERS REPLAYED"],
    ]
    assert "CACHED ANSWERS REPLAYED" in merged.stdout
    assert "CACHED ANSWERS REPLAYED" in (folder / "replay-merged" / "report.md").read_text()


def test_snapshots_of_withdrawn_outputs_are_not_compared_and_a_shard_keeps_out_of_a_runs_folder(
    workspace: tuple[Path, ThreadedSimulator],
) -> None:
    folder, _ = workspace
    config = folder / "gate.yml"
    full = folder / "full"
    assert cli("run", "--config", config, "--out", full, cwd=folder).code in (0, 3)
    # Found in review: a shard into a whole run's folder left its PASS report.json and
    # junit.xml beside the shard's snapshots, looking current.
    shard = cli("run", "--config", config, "--shard", "1/2", "--out", full, cwd=folder)
    assert shard.code == 2
    assert shard.stderr.strip().startswith(f"error: --out {full}: holds reports of 'run' (run ")
    assert "report.json, report.md, junit.xml, results.jsonl), which a shard" in shard.stderr
    # A rerun that stops (here refused by its endpoint check) has withdrawn the folder's set:
    # found in review, compare then gated its snapshot as current.
    wrong = folder / "wrong.yml"
    wrong.write_text(config.read_text().replace("model: ft,", "model: no-such-model,"))
    refused = cli("run", "--config", wrong, "--out", full, cwd=folder)
    assert refused.code == 2, refused.stderr
    snapshot = full / "finetuned.snapshot.json"
    for argv in (
        ("compare", folder / "baseline.json", snapshot, "--config", config, "--out", folder / "cmp"),
        ("merge-snapshots", snapshot, "--output", folder / "merged.json"),
    ):
        done = cli(*argv, cwd=folder)
        assert done.code == 2, done.stdout
        assert done.stderr.startswith(f"error: {snapshot}: one of the outputs ('run', run ")
        assert "withdrawn when a later 'run' started writing into" in done.stderr


def test_a_replayed_baseline_keeps_its_notice_through_merge_snapshots(
    workspace: tuple[Path, ThreadedSimulator],
) -> None:
    # Found in review: the baseline printed the notice but did not store it.
    folder, _ = workspace
    replay = folder / "replay-base.yml"
    replay.write_text(
        (folder / "gate.yml")
        .read_text()
        .replace("cache: {enabled: false}", f"cache: {{reuse: completed, dir: {folder / 'cache-base'}}}")
    )
    parts = [folder / f"base-{index}.json" for index in (1, 2)]
    for _ in range(2):  # the second time, every answer is replayed
        for index, part in enumerate(parts, start=1):
            argv = ("baseline", "--config", replay, "--shard", f"{index}/2", "--output", part)
            assert cli(*argv, cwd=folder).code == 0
    assert json.loads(parts[0].read_text())["notices"][0].startswith("CACHED ANSWERS REPLAYED")
    merged = folder / "base-merged.json"
    assert cli("merge-snapshots", *parts, "--output", merged, cwd=folder).code == 0
    notices = json.loads(merged.read_text())["notices"]
    assert [notice.split(": ", 2)[:2] for notice in notices] == [
        ["shard 1/2", "CACHED ANSWERS REPLAYED"],
        ["shard 2/2", "CACHED ANSWERS REPLAYED"],
    ]

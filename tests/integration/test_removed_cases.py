"""A baseline holding cases the suite no longer has (it shrank) is a warning, not an error:
it says how many and that they are ignored. A shard, which gates part of the suite, is not
warned about the other shards' cases (found in review: a shrunk suite went unmentioned)."""

from __future__ import annotations

import json
from pathlib import Path

from safety_regression.endpoints.simulator import ModelProfile

from .cli_support import ThreadedSimulator, cli, write_config, write_suite

SAME = ModelProfile(default_refusal=0.95)


def test_a_shrunk_suite_warns_once_with_the_count_and_a_shard_only_of_what_left(tmp_path: Path) -> None:
    cases = write_suite(tmp_path / "suite.jsonl", {"cybersecurity": 30, "privacy": 30})
    simulator = ThreadedSimulator({"base": SAME, "same": SAME}, cases)
    try:
        config = write_config(tmp_path / "gate.yml", simulator.url, "same", extra="cache: {enabled: false}\n")
        assert cli("baseline", "--config", config, cwd=tmp_path).code == 0
        shard = cli("run", "--config", config, "--shard", "1/2", "--out", tmp_path / "shard", cwd=tmp_path)
        assert shard.code == 0, shard.stderr
        assert "no longer has" not in shard.stderr + shard.stdout, "a shard holds a subset legitimately"
        kept = [
            line for line in (tmp_path / "suite.jsonl").read_text().splitlines() if "privacy.h2" not in line
        ]
        (tmp_path / "suite.jsonl").write_text("\n".join(kept) + "\n")  # privacy.h20-h29 are gone
        whole = cli("run", "--config", config, "--out", tmp_path / "whole", cwd=tmp_path)
        shrunk_shard = cli(
            "run", "--config", config, "--shard", "2/2", "--out", tmp_path / "shard2", cwd=tmp_path
        )
    finally:
        simulator.stop()
    said = "The baseline snapshot holds 10 cases the suite no longer has"
    assert whole.code in (0, 1, 3), whole.stderr
    assert (whole.stderr + whole.stdout).count(said) == 1
    assert "they are ignored, never gated" in whole.stderr + whole.stdout
    report = json.loads((tmp_path / "whole" / "report.json").read_text())
    assert report["suite"]["removed"] == 10
    assert any(said in warning for warning in report["warnings"])
    assert shrunk_shard.code == 0, shrunk_shard.stderr
    assert said in shrunk_shard.stderr + shrunk_shard.stdout

"""report.json's ``categories[].errors`` counts every failed request of the category: both
models, every sample, and the responses the judge could not label (found in review: it
counted the cases left out, so a case whose two sides failed counted once, and a failed
sample of a case that still paired not at all: 2 and 3 reported for 36 and 33 failures)."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

from safety_regression.endpoints.simulator import ModelProfile

from .cli_support import ThreadedSimulator, cli, write_config, write_suite

FLAKY = ModelProfile(default_refusal=0.95, error_rate=0.2, error_attempts=99)


def test_category_errors_count_both_models_and_every_sample(tmp_path: Path) -> None:
    cases = write_suite(tmp_path / "suite.jsonl", {"cybersecurity": 40, "privacy": 40})
    simulator = ThreadedSimulator({"base": FLAKY, "tuned": FLAKY}, cases)
    try:
        extra = "cache: {enabled: false}\ngate: {error_budget: 0.9}\nsampling: {samples: 2}\n"
        config = write_config(tmp_path / "gate.yml", simulator.url, "tuned", extra=extra)
        assert cli("baseline", "--config", config, cwd=tmp_path).code == 0
        done = cli("run", "--config", config, "--out", tmp_path / "out", cwd=tmp_path)
    finally:
        simulator.stop()
    assert done.code in (0, 1, 3), done.stderr
    results = [json.loads(line) for line in (tmp_path / "out" / "results.jsonl").read_text().splitlines()]
    failed = Counter(
        (r["category"], r["model"])
        for r in results
        if r["outcome"] in ("error", "empty") or r["label"] == "unjudged"
    )
    report = json.loads((tmp_path / "out" / "report.json").read_text())
    for category in report["categories"]:
        name = category["name"]
        assert failed[name, "base"] and failed[name, "finetuned"]
        assert category["errors"] == failed[name, "base"] + failed[name, "finetuned"]

"""What a run does while its first endpoint checks wait on the network: the built-in
judge's module (~0.06 s of CPU to import, then ~0.04 s to warm up its patterns) loads on a thread then,
instead of before the checks are sent."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

import pytest

from safety_regression.cli.environment import with_environment
from safety_regression.config import load_config
from safety_regression.endpoints.simulator import ModelProfile
from safety_regression.judges.rules import RULES_JUDGE_ID
from safety_regression.pipeline import environment, evaluate_model, measure
from safety_regression.snapshot import save_snapshot

from .cli_support import ThreadedSimulator, write_config, write_suite


def test_with_a_baseline_the_judge_loads_while_the_fine_tuned_endpoint_is_checked(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cases = write_suite(tmp_path / "suite.jsonl", {"privacy": 12}, benign=4)
    profile = ModelProfile(default_refusal=0.95)
    simulator = ThreadedSimulator({"base": profile, "same": profile}, cases)
    try:
        path = write_config(tmp_path / "gate.yml", simulator.url, "same", extra="cache: {enabled: false}\n")
        config = load_config(path)
        baseline = with_environment(
            lambda env: evaluate_model(config, "base", env), quiet=True, use_cache=False
        )
        save_snapshot(baseline, tmp_path / "baseline.json")
        imports: list[tuple[tuple[str, ...], bool]] = []
        real_import = environment.import_yielding

        def import_once_checked(*modules: str, then: Callable[[], object] | None = None) -> None:
            # The import waits for the fine-tuned endpoint's first chat request (a case: the
            # server lists the model, so the check sends no probe): had the run waited for
            # the judge before checking and sending, it would never come. (The next cases
            # may follow before this thread looks again: ">= 1".)
            deadline = time.monotonic() + 10
            while simulator.requests("same") == 0 and time.monotonic() < deadline:
                time.sleep(0.005)
            imports.append((modules, simulator.requests("same") >= 1))
            real_import(*modules, then=then)

        monkeypatch.setattr(environment, "import_yielding", import_once_checked)
        base_asked = simulator.requests("base")
        measured = with_environment(lambda env: measure(config, env), quiet=True, use_cache=False)
    finally:
        simulator.stop()
    assert imports == [((environment.RULES_MODULE,), True)]
    assert simulator.requests("base") == base_asked, "the baseline covers every case: base is not asked"
    assert len(measured.candidate.results) == len(measured.reference.results) == len(cases)
    assert measured.candidate.judge == RULES_JUDGE_ID

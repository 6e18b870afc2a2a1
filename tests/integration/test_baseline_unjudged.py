"""A baseline whose judge failed on part of its answers: ``baseline`` says so in one line,
and a later ``run`` judges those answers again from their stored responses (counted in
its dry run), as it asks the base model again for the requests that failed. The CLI as a
process, the simulator over loopback."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from safety_regression.endpoints.simulator import ModelProfile
from safety_regression.endpoints.simulator.profiles import JudgeStyle

from .cli_support import ThreadedSimulator, cli, write_config, write_suite

MODELS = {"base": ModelProfile(), "tuned": ModelProfile()}


def _judge(kind: str, url: str) -> str:
    guard = f"{{kind: llama_guard, endpoint: {{url: {url}, model: guard, max_retries: 0, timeout: 5}}}}"
    if kind == "vote":
        return f"judge: {{kind: vote, judges: [{{kind: rules}}, {guard}]}}\n"
    return f"judge: {guard}\n"


@pytest.mark.parametrize("kind", ["llama_guard", "vote"])
def test_a_baseline_judged_in_part_is_warned_of_and_judged_again_by_the_next_run(
    tmp_path: Path, kind: str
) -> None:
    cases = write_suite(tmp_path / "suite.jsonl", {"privacy": 30}, benign=10)
    failing = ThreadedSimulator(
        {**MODELS, "guard": ModelProfile(judge=JudgeStyle.LLAMA_GUARD, error_rate=0.5, error_attempts=10**8)},
        cases,
    )
    healthy = ThreadedSimulator({"guard": ModelProfile(judge=JudgeStyle.LLAMA_GUARD)}, cases)
    try:
        extra = "cache: {enabled: false}\n"
        config = write_config(
            tmp_path / "gate.yml", failing.url, "tuned", extra=extra + _judge(kind, failing.url)
        )
        done = cli("baseline", "--config", config, cwd=tmp_path)
        assert done.code == 0, done.stderr
        stored = json.loads((tmp_path / "baseline.json").read_text())["results"]
        missed = [r for r in stored if r["label"] == "unjudged" or r.get("abstained")]
        assert len(missed) > 5 and all(r["response"] for r in missed)
        [warning] = [line for line in done.stderr.splitlines() if line.startswith("warning: ")]
        assert f"could not label {len(missed)} of 40" in warning
        assert "the next run judges them again from their stored responses" in warning

        # The guard is back (same model, so the same judge id): the run judges them again.
        config.write_text(
            config.read_text().replace(
                f"url: {failing.url}, model: guard", f"url: {healthy.url}, model: guard"
            )
        )
        plan = cli("run", "--config", config, "--dry-run", cwd=tmp_path)
        assert plan.code == 0, plan.stderr
        [judge_row] = [line.split() for line in plan.stdout.splitlines() if line.startswith("judge")]
        requests = int(judge_row[judge_row.index("guard") + 1])
        assert requests == 40 + len(missed)  # the fine-tune's answers and the baseline's
        before = healthy.requests("guard")
        done = cli("run", "--config", config, "--out", tmp_path / "out", cwd=tmp_path)
        assert "judged again from their stored responses" in done.stdout + done.stderr
        assert healthy.requests("guard") - before >= 40 + len(missed) - 1  # the preflight probe aside
        reference = json.loads((tmp_path / "out" / "reference.snapshot.json").read_text())["results"]
        assert not [r for r in reference if r["label"] == "unjudged" or r.get("abstained")]
        assert failing.requests("base") == 40 + 1  # the baseline's answers, and no base request since
        report = json.loads((tmp_path / "out" / "report.json").read_text())
        assert report["errors"]["base_unjudged"] == 0 and report["vote_abstentions"] == []
    finally:
        failing.stop()
        healthy.stop()


def test_a_redacted_baseline_judged_in_part_asks_base_again_for_what_was_not_labelled(tmp_path: Path) -> None:
    cases = write_suite(tmp_path / "suite.jsonl", {"privacy": 30}, benign=10)
    failing = ThreadedSimulator(
        {**MODELS, "guard": ModelProfile(judge=JudgeStyle.LLAMA_GUARD, error_rate=0.5, error_attempts=10**8)},
        cases,
    )
    healthy = ThreadedSimulator({"guard": ModelProfile(judge=JudgeStyle.LLAMA_GUARD)}, cases)
    try:
        extra = "cache: {enabled: false}\nsnapshot: {responses: redacted}\n" + _judge(
            "llama_guard", failing.url
        )
        config = write_config(tmp_path / "gate.yml", failing.url, "tuned", extra=extra)
        done = cli("baseline", "--config", config, cwd=tmp_path)
        assert done.code == 0, done.stderr
        stored = json.loads((tmp_path / "baseline.json").read_text())["results"]
        missed = [r for r in stored if r["label"] == "unjudged"]
        assert len(missed) > 5 and not any(r["response"] for r in missed)
        assert "asking the base model again where no response was stored" in done.stderr
        healthy_judge = f"url: {healthy.url}, model: guard"
        config.write_text(config.read_text().replace(f"url: {failing.url}, model: guard", healthy_judge))
        asked = failing.requests("base")
        cli("run", "--config", config, "--out", tmp_path / "out", cwd=tmp_path)
        assert failing.requests("base") - asked == len(missed) + 1  # the unlabelled ones, and the probe
        reference = json.loads((tmp_path / "out" / "reference.snapshot.json").read_text())["results"]
        assert not [r for r in reference if r["label"] == "unjudged"]
    finally:
        failing.stop()
        healthy.stop()

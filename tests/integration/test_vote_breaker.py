"""The circuit breaker and a vote: a member that fails stops the run (its abstentions are
counted as the gate counts them); members that merely disagree (``tie: unjudged``) do not.
The CLI as a process, the simulator over loopback."""

from __future__ import annotations

import json
from pathlib import Path

from safety_regression.endpoints.simulator import ModelProfile
from safety_regression.endpoints.simulator.profiles import JudgeStyle

from .cli_support import Completed, ThreadedSimulator, cli, write_config, write_suite


def _run_without_baseline(tmp_path: Path, url: str, judge: str) -> Completed:
    """``run`` of the fine-tune ("tuned") and the base live, with ``judge`` (a config line)."""
    config = write_config(tmp_path / "gate.yml", url, "tuned", extra="cache: {dir: cache}\n" + judge)
    config.write_text(config.read_text().replace("baseline: baseline.json\n", ""))
    return cli("run", "--config", config, "--out", tmp_path / "out", cwd=tmp_path)


def _report(out: Path) -> dict[str, object]:
    return dict(json.loads((out / "report.json").read_text()))


def test_a_vote_member_that_fails_trips_the_breaker_and_the_reports_say_what_failed(tmp_path: Path) -> None:
    cases = write_suite(tmp_path / "suite.jsonl", {"privacy": 200})
    profiles = {
        "base": ModelProfile(),
        "tuned": ModelProfile(),
        "guard-down": ModelProfile(judge=JudgeStyle.LLAMA_GUARD, error_rate=1.0, error_attempts=10**8),
    }
    simulator = ThreadedSimulator(profiles, cases)
    try:
        member = (
            f"{{kind: llama_guard, endpoint: {{url: {simulator.url}, model: guard-down, max_retries: 0}}}}"
        )
        judge = f"judge: {{kind: vote, judges: [{{kind: rules}}, {member}]}}\n"
        done = _run_without_baseline(tmp_path, simulator.url, judge)
        assert done.code == 3, done.stderr
        assert "error: the run stopped early: " in done.stderr
        assert "vote member llama_guard/1:guard-down could not label" in done.stderr
        asked = simulator.requests("tuned") + simulator.requests("base")
        assert asked < 0.25 * 2 * 210, f"stopped early: {asked} of {2 * 210} answers"
        # Nothing failed but the member's verdicts: the lines say so, not "requests failed".
        assert "went unjudged because a vote member could not label them" in done.stdout
        result = _report(tmp_path / "out")
        assert str(result["reasons"][0]).startswith("The run stopped early: ")  # type: ignore[index]
        assert result["errors"]["vote_discounted"] > 0  # type: ignore[index]
    finally:
        simulator.stop()


def test_judges_that_disagree_under_tie_unjudged_do_not_trip_the_breaker(tmp_path: Path) -> None:
    # The fine-tune refuses most benign prompts: the rules see a refusal, llama_guard a safe
    # answer (a compliance), so the two-member vote ties on each, recorded as unjudged.
    cases = write_suite(tmp_path / "suite.jsonl", {"privacy": 40}, benign=40)
    profiles = {
        "base": ModelProfile(default_false_refusal=0.0),
        "tuned": ModelProfile(default_false_refusal=0.9),
        "guard": ModelProfile(judge=JudgeStyle.LLAMA_GUARD),
    }
    simulator = ThreadedSimulator(profiles, cases)
    try:
        member = f"{{kind: llama_guard, endpoint: {{url: {simulator.url}, model: guard}}}}"
        judge = f"judge: {{kind: vote, tie: unjudged, judges: [{{kind: rules}}, {member}]}}\n"
        done = _run_without_baseline(tmp_path, simulator.url, judge)
        assert "stopped early" not in done.stderr + done.stdout, done.stderr
        assert simulator.requests("tuned") >= 80  # every case asked (and the preflight probe)
        assert "unjudged (the judges disagreed)" in done.stderr
        assert "unjudged (the judge failed)" not in done.stderr
        result = _report(tmp_path / "out")
        errors = result["errors"]
        assert errors["disagreements"] > 10 and errors["finetuned_unjudged"] == 0  # type: ignore[index]
        assert "judges disagreed" in done.stdout
        snapshot = json.loads((tmp_path / "out" / "finetuned.snapshot.json").read_text())
        assert sum(1 for r in snapshot["results"] if r.get("tied")) == errors["disagreements"]  # type: ignore[index]
    finally:
        simulator.stop()


def test_a_vote_member_that_fails_while_the_baseline_is_re_judged_stops_the_run_first(tmp_path: Path) -> None:
    cases = write_suite(tmp_path / "suite.jsonl", {"privacy": 200})
    profiles = {
        "base": ModelProfile(),
        "tuned": ModelProfile(),
        "guard-down": ModelProfile(judge=JudgeStyle.LLAMA_GUARD, error_rate=1.0, error_attempts=10**8),
    }
    simulator = ThreadedSimulator(profiles, cases)
    try:
        config = write_config(
            tmp_path / "gate.yml", simulator.url, "tuned", extra="cache: {enabled: false}\n"
        )
        assert cli("baseline", "--config", config, cwd=tmp_path).code == 0  # labelled by the rules
        member = (
            f"{{kind: llama_guard, endpoint: {{url: {simulator.url}, model: guard-down, max_retries: 0}}}}"
        )
        config.write_text(
            config.read_text() + f"judge: {{kind: vote, judges: [{{kind: rules}}, {member}]}}\n"
        )
        done = cli("run", "--config", config, "--out", tmp_path / "out", cwd=tmp_path)
        assert done.code == 3, done.stderr
        assert (
            "the run stopped early: base: vote member llama_guard/1:guard-down could not label" in done.stderr
        )
        assert simulator.requests("guard-down") < 0.25 * 210  # the re-judging stopped
        assert simulator.requests("tuned") <= 1  # and the fine-tune was never asked (a probe at most)
    finally:
        simulator.stop()


def test_the_hazard_codes_a_classifier_names_reach_the_snapshot_and_the_flagged_cases(tmp_path: Path) -> None:
    """A reviewer sees why llama_guard called a flagged answer unsafe (its hazard codes);
    found in review: they were parsed, then dropped before the snapshot."""
    cases = write_suite(tmp_path / "suite.jsonl", {"privacy": 40})
    profiles = {
        "base": ModelProfile(default_refusal=1.0),
        "tuned": ModelProfile(default_refusal=0.2),
        "guard": ModelProfile(judge=JudgeStyle.LLAMA_GUARD),
    }
    simulator = ThreadedSimulator(profiles, cases)
    try:
        judge = f"judge: {{kind: llama_guard, endpoint: {{url: {simulator.url}, model: guard}}}}\n"
        done = _run_without_baseline(tmp_path, simulator.url, judge)
        assert done.code == 1, done.stderr
        snapshot = json.loads((tmp_path / "out" / "finetuned.snapshot.json").read_text())
        harmful = [r for r in snapshot["results"] if r["expect"] == "refuse"]
        assert any(r["label"] == "compliance" for r in harmful)
        for r in harmful:  # the simulated classifier names privacy's code for an unsafe answer
            assert r.get("hazards") == (["S7"] if r["label"] == "compliance" else None), r
        flagged = _report(tmp_path / "out")["flagged"]
        assert flagged and all(flag["hazards"] == ["S7"] for flag in flagged)  # type: ignore[union-attr]
        assert "· hazards: S7 privacy" in (tmp_path / "out" / "report.md").read_text()
    finally:
        simulator.stop()

"""Bad input is one line naming the file, line or field, exit 2, before any model is asked,
and nothing is written as if whole. The CLI as a process, the simulator over loopback."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from safety_regression.endpoints.simulator import ModelProfile

from .cli_support import Completed, ThreadedSimulator, cli, write_config, write_suite

SECRET = "sk-live-abcdef123456"
PROFILES = {
    "base": ModelProfile(default_refusal=0.95),
    "tuned": ModelProfile(default_refusal=0.95),
    "other": ModelProfile(default_refusal=0.95),
}


@pytest.fixture(scope="module")
def workspace(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, ThreadedSimulator]]:
    folder = tmp_path_factory.mktemp("input-checks")
    cases = write_suite(folder / "suite.jsonl", {"cybersecurity": 12, "privacy": 12})
    simulator = ThreadedSimulator(PROFILES, cases)
    config = write_config(folder / "base.yml", simulator.url, "tuned", extra="cache: {enabled: false}\n")
    assert cli("baseline", "--config", config, cwd=folder).code == 0
    yield folder, simulator
    simulator.stop()


def refused(outcome: Completed, *expected: str) -> None:
    """Exit 2, one line per mistake, each expected text in it, and no traceback."""
    assert outcome.code == 2, outcome.stderr
    assert "Traceback" not in outcome.stderr
    for text in expected:
        assert text in outcome.stderr, outcome.stderr


@pytest.mark.parametrize(
    ("gate", "expected"),
    [
        (
            "gate:\n  gating_categories: [cybersecurty]\n",
            "gate.yml:7: gate.gating_categories: 'cybersecurty' is not a category of the suite; "
            "did you mean 'cybersecurity'?",
        ),
        (
            "gate:\n  gating_categories: []\n",
            "gate.yml:7: gate.gating_categories: an empty list gates nothing",
        ),
        (
            "gate:\n  distribution:\n    privacy: 1\n    Privacy: 2\n",
            "gate.yml:9: gate.distribution: 'Privacy' is not a category of the suite; "
            "did you mean 'privacy'?",
        ),
        (
            "gate:\n  category_weights:\n    benign_mix: 2\n",
            "gate.yml:8: gate.category_weights: 'benign_mix' is a category of the suite without harmful",
        ),
    ],
)
def test_gate_names_that_are_not_harm_categories_stop_the_run_before_any_request(
    workspace: tuple[Path, ThreadedSimulator], tmp_path: Path, gate: str, expected: str
) -> None:
    folder, simulator = workspace
    (tmp_path / "suite.jsonl").write_text((folder / "suite.jsonl").read_text())
    (tmp_path / "baseline.json").write_text((folder / "baseline.json").read_text())
    config = write_config(
        tmp_path / "gate.yml", simulator.url, "other", extra=f"cache: {{enabled: false}}\n{gate}"
    )
    before = simulator.requests("other")
    for command in (("run", "--out", tmp_path / "out"), ("run", "--dry-run")):
        refused(cli(*command, "--config", config, cwd=tmp_path), expected)
    sequential = write_config(
        tmp_path / "gate.yml",
        simulator.url,
        "other",
        extra=f"cache: {{enabled: false}}\n{gate}  sequential: {{enabled: true}}\n",
    )
    refused(cli("run", "--config", sequential, "--out", tmp_path / "out", cwd=tmp_path), expected)
    assert simulator.requests("other") == before
    assert not (tmp_path / "out").exists()
    # compare names its --config's line too, with no endpoint to ask.
    baseline = tmp_path / "baseline.json"
    refused(
        cli("compare", baseline, baseline, "--config", config, "--out", tmp_path / "c", cwd=tmp_path),
        expected,
    )
    assert not (tmp_path / "c").exists()


def test_margin_and_its_old_name_together_are_refused(tmp_path: Path) -> None:
    config = tmp_path / "gate.yml"
    config.write_text("suite: [builtin:quick]\ngate:\n  margin: 0.1\n  target_drop: 0.05\n")
    refused(
        cli("run", "--config", config, "--dry-run", cwd=tmp_path),
        "gate.yml:2: gate: give one of gate.margin and gate.target_drop",
    )


def test_a_baseline_that_names_a_folder_is_refused_and_a_missing_one_is_a_report_warning(
    workspace: tuple[Path, ThreadedSimulator], tmp_path: Path
) -> None:
    folder, simulator = workspace
    (tmp_path / "suite.jsonl").write_text((folder / "suite.jsonl").read_text())
    config = write_config(tmp_path / "gate.yml", simulator.url, "other", extra="cache: {enabled: false}\n")
    (tmp_path / "baseline.json").mkdir()
    before = simulator.requests("base")
    for command in (("run", "--out", tmp_path / "out"), ("run", "--dry-run")):
        refused(
            cli(*command, "--config", config, cwd=tmp_path),
            f"gate.yml:4: baseline: {tmp_path / 'baseline.json'} is a folder, not a snapshot file",
        )
    assert simulator.requests("base") == before
    (tmp_path / "baseline.json").rmdir()
    outcome = cli("run", "--config", config, "--out", tmp_path / "out", cwd=tmp_path)
    assert outcome.code in (0, 3), outcome.stderr  # a small suite may be inconclusive
    warnings = json.loads((tmp_path / "out" / "report.json").read_text())["warnings"]
    assert any(w.startswith(f"No baseline snapshot at {tmp_path / 'baseline.json'}") for w in warnings)
    assert "No baseline snapshot at" in (tmp_path / "out" / "report.md").read_text()


def test_outputs_never_overwrite_the_config_or_a_suite_file(
    workspace: tuple[Path, ThreadedSimulator], tmp_path: Path
) -> None:
    folder, simulator = workspace
    (tmp_path / ".safety").mkdir()
    config = write_config(tmp_path / ".safety" / "g2.yml", simulator.url, "other")
    config.write_text(config.read_text().replace("suite.jsonl", "results.jsonl"))
    (tmp_path / ".safety" / "results.jsonl").write_text((folder / "suite.jsonl").read_text())
    text = config.read_text()
    before = simulator.requests("base")
    refused(
        cli("baseline", "--config", config, "--output", ".safety/g2.yml", cwd=tmp_path),
        "--output .safety/g2.yml: is the config file",
    )
    refused(
        cli("run", "--config", config, "--out", ".safety", cwd=tmp_path),
        "--out .safety/results.jsonl: is a suite file of the config",
    )
    assert simulator.requests("base") == before
    assert config.read_text() == text


def test_a_pasted_key_in_api_key_env_is_refused_without_being_echoed(tmp_path: Path) -> None:
    config = tmp_path / "gate.yml"
    config.write_text(
        "suite: [builtin:quick]\nfinetuned:\n  url: http://127.0.0.1:9/v1\n  model: m\n"
        f"  api_key_env: {SECRET}\n"
    )
    outcome = cli("run", "--config", config, "--dry-run", cwd=tmp_path)
    refused(
        outcome, "gate.yml:5: finetuned.api_key_env: is not an environment variable name (it looks like a key"
    )
    assert SECRET not in outcome.stderr + outcome.stdout
    config.write_text(config.read_text().replace(SECRET, '"$FT_KEY"'))
    refused(cli("run", "--config", config, "--dry-run", cwd=tmp_path), "finetuned.api_key_env: drop the $")


def test_a_dry_run_checks_the_key_variables_it_would_need(tmp_path: Path) -> None:
    config = tmp_path / "gate.yml"
    config.write_text(
        "suite: [builtin:quick]\nfinetuned: {url: http://127.0.0.1:9/v1, model: m, api_key_env: UX_FT_KEY}\n"
    )
    unset = cli("run", "--config", config, "--dry-run", cwd=tmp_path)
    refused(unset, "gate.yml:2: finetuned.api_key_env: environment variable UX_FT_KEY is not set")
    empty = cli("run", "--config", config, "--dry-run", cwd=tmp_path, env={"UX_FT_KEY": " "})
    refused(empty, "finetuned.api_key_env: environment variable UX_FT_KEY is empty")
    assert cli("run", "--config", config, "--dry-run", cwd=tmp_path, env={"UX_FT_KEY": "k"}).code == 0


@pytest.mark.parametrize("design", ["fixed", "sequential"])
@pytest.mark.parametrize("short", ["of cases", "of its judge"])
def test_a_baseline_short_of_cases_without_a_base_is_refused_before_any_endpoint_is_asked(
    tmp_path: Path, design: str, short: str
) -> None:
    # No base model to ask what the baseline lacks: two of the suite's cases, or every
    # case (labelled by the built-in judge and kept without its responses, so the run's
    # model judge cannot re-judge it). Found in review: the toxicity classifier was
    # checked, and a model judge re-judged the whole baseline, before the run was refused.
    cases = write_suite(tmp_path / "suite.jsonl", {"privacy": 10})
    profiles = {**PROFILES, "moderation": ModelProfile(), "judge": ModelProfile(judge="llm")}
    simulator = ThreadedSimulator(profiles, cases)
    try:
        kept = "snapshot: {responses: redacted}\n" if short == "of its judge" else ""
        plain = write_config(
            tmp_path / "base.yml", simulator.url, "tuned", extra="cache: {enabled: false}\n" + kept
        )
        assert cli("baseline", "--config", plain, cwd=tmp_path).code == 0
        if short == "of cases":
            write_suite(tmp_path / "suite.jsonl", {"privacy": 12})
        scorers = (
            f"toxicity: {{endpoint: {{url: {simulator.url}, model: moderation}}}}\n"
            f"judge: {{kind: llm, endpoint: {{url: {simulator.url}, model: judge}}}}\n"
        )
        sequential = "gate: {sequential: {enabled: true}}\n" if design == "sequential" else ""
        extra = "cache: {enabled: false}\n" + scorers + sequential
        config = write_config(tmp_path / "gate.yml", simulator.url, "tuned", extra=extra)
        lines = config.read_text().splitlines(True)
        config.write_text("".join(line for line in lines if not line.startswith("base:")))
        done = cli("run", "--config", config, "--out", tmp_path / "out", cwd=tmp_path)
        missing = 2 if short == "of cases" else 20
        refused(done, f"base: {missing} cases have no baseline result, so a 'base' endpoint is needed")
        assert sum(simulator.simulator.moderations_by_model.values()) == 0, "the classifier was not checked"
        assert simulator.requests("judge") == simulator.requests("tuned") == 0
    finally:
        simulator.stop()


def test_a_baseline_in_a_folder_that_does_not_exist_is_refused_and_a_missing_file_is_warned_of_first(
    workspace: tuple[Path, ThreadedSimulator], tmp_path: Path
) -> None:
    folder, simulator = workspace
    (tmp_path / "suite.jsonl").write_text((folder / "suite.jsonl").read_text())
    config = write_config(tmp_path / "gate.yml", simulator.url, "other", extra="cache: {enabled: false}\n")
    config.write_text(
        config.read_text().replace("baseline: baseline.json", "baseline: baselnes/baseline.json")
    )
    typo = tmp_path / "baselnes" / "baseline.json"
    before = simulator.requests("base")
    for command in (("run", "--out", tmp_path / "out"), ("run", "--dry-run")):
        refused(
            cli(*command, "--config", config, cwd=tmp_path),
            f"gate.yml:4: baseline: {typo}: the folder {typo.parent} does not exist, so the base model "
            "would be asked every case; fix the path, or take the baseline first",
        )
    assert simulator.requests("base") == before
    assert not (tmp_path / "out").exists()
    # Taking the baseline is what creates the folder; a run then reads it.
    assert cli("baseline", "--config", config, cwd=tmp_path).code == 0
    assert typo.is_file()
    typo.unlink()
    # The folder is there, the file not yet: the run asks base every case, and says so
    # before its first request, not only in the report.
    outcome = cli("run", "--config", config, "--out", tmp_path / "out", cwd=tmp_path)
    assert outcome.code in (0, 3), outcome.stderr
    lines = outcome.stderr.splitlines()
    assert lines[0] == (
        f"warning: {config}:4: baseline: no snapshot at {typo} yet: the base model will be asked "
        "every case live (take it with 'safety-regression baseline')"
    ), lines
    assert any(line.startswith("base: ") for line in lines[1:])

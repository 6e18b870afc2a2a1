"""The Action's entrypoint with a broken runner environment, and cancelled mid-run: every
destination is checked before the first model call, and SIGINT ends cleanly."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from safety_regression.endpoints.simulator import ModelProfile

from .action_support import run_entrypoint
from .cli_support import ThreadedSimulator, write_config, write_suite

PROFILES = {
    "base": ModelProfile(default_refusal=0.95),
    "same": ModelProfile(default_refusal=0.95),
    "slow": ModelProfile(default_refusal=0.95, latency=4.0),
}


@pytest.fixture(scope="module")
def simulator(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ThreadedSimulator]:
    cases = write_suite(tmp_path_factory.mktemp("suite") / "suite.jsonl", {"privacy": 12})
    served = ThreadedSimulator(PROFILES, cases)
    yield served
    served.stop()


def step_environment(folder: Path, url: str, finetuned: str, **extra: str) -> dict[str, str]:
    write_suite(folder / "suite.jsonl", {"privacy": 12})
    config = write_config(folder / "gate.yml", url, finetuned, extra="cache: {enabled: false}\n")
    return {
        **{k: v for k, v in os.environ.items() if not k.startswith(("GITHUB_", "INPUT_"))},
        "INPUT_CONFIG": str(config),
        "INPUT_OUT": str(folder / "out"),
        "INPUT_GITHUB-TOKEN": "ghs_action_inputs_token_0123456789",
        "GITHUB_REPOSITORY": "octo-org/octo-repo",
        "GITHUB_OUTPUT": str(folder / "outputs.txt"),
        "GITHUB_STEP_SUMMARY": str(folder / "summary.md"),
        **extra,
    }


def requests(simulator: ThreadedSimulator) -> int:
    return sum(simulator.requests(model) for model in PROFILES)


@pytest.mark.parametrize(
    ("variable", "value", "message"),
    [
        ("GITHUB_API_URL", "api/v3", "GITHUB_API_URL 'api/v3': set GITHUB_API_URL to http(s)://host"),
        ("GITHUB_OUTPUT", "{folder}/afile/outputs", "GITHUB_OUTPUT {folder}/afile/outputs: "),
        ("GITHUB_STEP_SUMMARY", "{folder}", "GITHUB_STEP_SUMMARY {folder}: is a folder, not a file"),
        ("INPUT_OUT", "{folder}/afile", "input out: {folder}/afile: is a file, not a folder"),
    ],
)
def test_a_broken_destination_fails_before_any_model_call(
    tmp_path: Path, simulator: ThreadedSimulator, variable: str, value: str, message: str
) -> None:
    (tmp_path / "afile").write_text("a file")
    environ = step_environment(tmp_path, simulator.url, "same", **{variable: value.format(folder=tmp_path)})
    before = requests(simulator)
    done = run_entrypoint(tmp_path, environ)
    assert done.code == 2, done.stdout + done.stderr
    errors = [line for line in done.stdout.splitlines() if line.startswith("::error::")]
    assert len(errors) == 1 and message.format(folder=tmp_path) in errors[0]
    assert "Traceback" not in done.stderr
    assert requests(simulator) == before


def test_sigint_closes_the_open_group_and_prints_no_traceback(
    tmp_path: Path, simulator: ThreadedSimulator
) -> None:
    environ = step_environment(tmp_path, simulator.url, "slow", INPUT_COMMENT="false", INPUT_CHECK="false")
    process = subprocess.Popen(
        [sys.executable, "-m", "safety_regression.github"],
        cwd=tmp_path,
        env=environ,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert process.stdout is not None
    lines = []
    for line in process.stdout:
        lines.append(line)
        if line.startswith("::group::"):
            break
    # The slow model holds every request; interrupt once the gate has started asking.
    while simulator.requests("slow") == 0:
        assert process.poll() is None
    process.send_signal(signal.SIGINT)
    rest, stderr = process.communicate(timeout=60)
    stdout = "".join(lines) + rest
    assert process.returncode == 130, stdout + stderr
    assert "Traceback" not in stderr
    assert stdout.count("::group::") == stdout.count("::endgroup::") == 1
    assert stdout.index("::endgroup::") < stdout.index("::error::interrupted")

"""A run stopped by a signal, or whose stdout reader goes away, end to end as a process.

A run is marked complete only once its outputs are written: one stopped between its last
answer and its reports resumes and asks no model again. SIGINT and SIGTERM say in one
line whether a rerun resumes; a closed stdout keeps the verdict's exit code."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from safety_regression.config import load_config
from safety_regression.endpoints.simulator import ModelProfile

from .cli_support import ThreadedSimulator, cli, write_suite
from .cli_support import write_config as _write_config

PROFILES = {
    "base": ModelProfile(default_refusal=0.95, partial=0.1),
    "tuned": ModelProfile(default_refusal=0.95, partial=0.1),
    "slow": ModelProfile(default_refusal=0.95, latency=0.1),
}


def write_config(path: Path, url: str, finetuned: str, *, extra: str = "") -> Path:
    # A 50-case suite is too small for the three-way rule to pass: the one-sided rule keeps exit 0.
    return _write_config(path, url, finetuned, extra="gate: {unproven: pass}\n" + extra)


@pytest.fixture(scope="module")
def workspace(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, ThreadedSimulator]]:
    folder = tmp_path_factory.mktemp("interrupts")
    cases = write_suite(folder / "suite.jsonl", {"cybersecurity": 30, "privacy": 10})
    # Two cases the baseline lacks, for the run that is stopped before its outputs.
    cases += write_suite(folder / "wider.jsonl", {"cybersecurity": 32, "privacy": 10})[30:32]
    simulator = ThreadedSimulator(dict(PROFILES), cases)
    config = write_config(folder / "base.yml", simulator.url, "tuned", extra="cache: {enabled: false}\n")
    done = cli("baseline", "--config", config, cwd=folder)
    assert done.code == 0, done.stderr
    yield folder, simulator
    simulator.stop()


def _full_pipe() -> tuple[int, int]:
    """A pipe whose buffer is full: the first write to it blocks until it is read."""
    read_end, write_end = os.pipe()
    os.set_blocking(write_end, False)
    try:
        while True:
            os.write(write_end, b"x")
    except BlockingIOError:
        pass
    os.set_blocking(write_end, True)
    return read_end, write_end


def _blocked_writing(pid: int) -> bool:
    with open(f"/proc/{pid}/wchan", encoding="ascii") as wchan:
        return wchan.read().endswith("pipe_write")


def _drain(read_end: int) -> bytes:
    chunks = []
    while chunk := os.read(read_end, 1 << 16):
        chunks.append(chunk)
    os.close(read_end)
    return b"".join(chunks)


@pytest.mark.skipif(not Path("/proc/self/wchan").is_file(), reason="needs Linux's /proc/PID/wchan")
def test_a_run_stopped_after_its_last_answer_but_before_its_outputs_resumes_without_asking(
    workspace: tuple[Path, ThreadedSimulator],
) -> None:
    folder, simulator = workspace
    config = write_config(folder / "late.yml", simulator.url, "tuned", extra="cache: {dir: late-cache}\n")
    config.write_text(config.read_text().replace("suite: [suite.jsonl]", "suite: [wider.jsonl]"))
    out = folder / "out-late"
    # stderr is a full pipe: the run's first line on it (after the gate, before the
    # outputs: "The baseline does not cover 2 of 52 cases...") holds the process there.
    read_end, write_end = _full_pipe()
    tuned, base = simulator.requests("tuned"), simulator.requests("base")
    command = [sys.executable, "-m", "safety_regression", "run", "-q", "--config", str(config)]
    process = subprocess.Popen([*command, "--out", str(out)], cwd=folder, stderr=write_end)
    os.close(write_end)
    deadline = time.monotonic() + 60
    while not _blocked_writing(process.pid):
        assert process.poll() is None and time.monotonic() < deadline, "the run never reached its outputs"
        time.sleep(0.02)
    assert simulator.requests("tuned") - tuned >= 52, "every fine-tuned answer arrived"
    assert simulator.requests("base") - base >= 2, "and the base model's for the two new cases"
    process.send_signal(signal.SIGTERM)
    stderr = _drain(read_end).lstrip(b"x").decode()
    assert process.wait(timeout=30) == 143, stderr
    assert "Traceback" not in stderr
    assert stderr.splitlines()[-1] == (
        "interrupted (SIGTERM): the run did not finish; run the same command again to resume: "
        f"the answers received so far are kept in the cache in {folder / 'late-cache'}"
    )
    assert not (out / "report.json").exists()
    assert not list((folder / "late-cache").glob("*.complete")), "no outputs: not complete"
    tuned, base = simulator.requests("tuned"), simulator.requests("base")
    resumed = cli("run", "--config", config, "--out", out, cwd=folder)
    assert resumed.code == 0, resumed.stderr
    assert "Resumed an interrupted run: 54 responses came from the cache" in resumed.stderr
    # Only the endpoint checks reach the models: no case is asked again.
    assert simulator.requests("tuned") - tuned <= 1 and simulator.requests("base") - base <= 1
    assert json.loads((out / "report.json").read_text())["verdict"] == "pass"
    assert list((folder / "late-cache").glob("*.complete")), "written, so complete"
    # A completed run never feeds a later one: the next run asks every case again.
    tuned = simulator.requests("tuned")
    again = cli("run", "--config", config, "--out", folder / "out-late-2", cwd=folder)
    assert again.code == 0, again.stderr
    assert "its answers were not reused" in again.stderr
    assert simulator.requests("tuned") - tuned >= 52


def _interrupt(folder: Path, simulator: ThreadedSimulator, config: Path, sent: signal.Signals) -> str:
    """Run ``config`` on the slow model, send ``sent`` once it is asking, return stderr."""
    before = simulator.requests("slow")
    process = subprocess.Popen(
        [sys.executable, "-m", "safety_regression", "run", "-q", "--config", str(config)],
        cwd=folder,
        stderr=subprocess.PIPE,
        text=True,
    )
    deadline = time.monotonic() + 60
    while simulator.requests("slow") - before < 5:
        assert process.poll() is None and time.monotonic() < deadline
        time.sleep(0.01)
    process.send_signal(sent)
    _, stderr = process.communicate(timeout=60)
    assert process.returncode == 128 + sent, stderr
    assert "Traceback" not in stderr
    return stderr.splitlines()[-1]


@pytest.mark.parametrize("sent", [signal.SIGINT, signal.SIGTERM], ids=["SIGINT", "SIGTERM"])
def test_an_interrupt_says_whether_a_rerun_resumes(
    workspace: tuple[Path, ThreadedSimulator], sent: signal.Signals
) -> None:
    folder, simulator = workspace
    cached = write_config(folder / f"cached-{sent.name}.yml", simulator.url, "slow")
    assert _interrupt(folder, simulator, cached, sent) == (
        f"interrupted ({sent.name}): the run did not finish; run the same command again to resume: "
        f"the answers received so far are kept in the cache in {load_config(cached).cache.folder}"
    )
    uncached = write_config(
        folder / f"uncached-{sent.name}.yml", simulator.url, "slow", extra="cache: {enabled: false}\n"
    )
    assert _interrupt(folder, simulator, uncached, sent) == (
        f"interrupted ({sent.name}): the run did not finish and nothing is kept (the cache is off): "
        "running it again asks every case again"
    )


def test_a_closed_stdout_keeps_the_verdicts_exit_code(workspace: tuple[Path, ThreadedSimulator]) -> None:
    folder, simulator = workspace
    config = write_config(folder / "pipe.yml", simulator.url, "tuned", extra="cache: {enabled: false}\n")
    out = folder / "out-pipe"
    # `run ... | true`: the reader is gone before the verdict is printed.
    process = subprocess.Popen(
        [sys.executable, "-m", "safety_regression", "run", "--config", str(config), "--out", str(out)],
        cwd=folder,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert process.stdout is not None
    process.stdout.close()
    _, stderr = process.communicate(timeout=120)
    assert process.returncode == 0, stderr
    assert "Traceback" not in stderr and "error:" not in stderr
    assert json.loads((out / "report.json").read_text())["verdict"] == "pass"
    assert (out / ".safety-run.json").is_file(), "every output written"


def test_a_closed_stderr_keeps_the_verdicts_exit_code(workspace: tuple[Path, ThreadedSimulator]) -> None:
    # Found in review: `run ... 2>&1 | head -1` stopped the run at its first note on
    # stderr (exit 1, which reads as a regression, and no output written).
    folder, simulator = workspace
    config = write_config(folder / "pipe2.yml", simulator.url, "tuned", extra="cache: {enabled: false}\n")
    out = folder / "out-pipe2"
    out.mkdir()
    (out / "report.json").write_text("{}")  # an earlier output: the run's first line is a note
    reader, writer = os.pipe()
    os.close(reader)  # both streams share one pipe whose reader is gone, as with `2>&1 | head`
    try:
        done = subprocess.run(
            [sys.executable, "-m", "safety_regression", "run", "--config", str(config), "--out", str(out)],
            cwd=folder,
            stdout=writer,
            stderr=writer,
            timeout=120,
            check=False,
        )
    finally:
        os.close(writer)
    assert done.returncode == 0
    assert json.loads((out / "report.json").read_text())["verdict"] == "pass"
    assert (out / ".safety-run.json").is_file(), "every output written"


# A real signal, sent by the process to itself as click starts parsing the command's
# arguments: the window a Ctrl-C at start-up falls in.
_SIGNAL_WHILE_PARSING = """
import os, signal, sys
import click
from safety_regression import cli
parse_args = click.Command.parse_args
def interrupted_parse(self, ctx, args):
    if self.name == sys.argv[1]:
        os.kill(os.getpid(), signal.Signals[os.environ["SEND"]])
    return parse_args(self, ctx, args)
click.Command.parse_args = interrupted_parse
cli.main()
"""


@pytest.mark.parametrize("sent", [signal.SIGINT, signal.SIGTERM], ids=["SIGINT", "SIGTERM"])
@pytest.mark.parametrize("command", [["run", "--config", "gate.yml"], ["compare", "a.json", "b.json"]])
def test_an_interrupt_while_the_arguments_are_parsed_says_nothing_was_run(
    tmp_path: Path, sent: signal.Signals, command: list[str]
) -> None:
    # Found in review: it said "the command did not finish; nothing is kept", resume text
    # for a command that never started.
    done = subprocess.run(
        [sys.executable, "-c", _SIGNAL_WHILE_PARSING, *command],
        cwd=tmp_path,
        env={**os.environ, "SEND": sent.name},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 128 + sent, done.stderr
    assert done.stderr.strip().splitlines() == [
        f"interrupted ({sent.name}) before the command started: "
        "nothing was run, so there is nothing to resume"
    ]
    assert not list(tmp_path.iterdir()), "nothing was written"

"""benchmarks/peers/run_peers.py without the peers: its options, the missing-tool path,
and the counting simulator that decides whether a run counts. The benchmark itself (the
timings) is not part of CI; these parts are cheap, so they are tested here.
"""

from __future__ import annotations

import json
import shlex
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
README = (ROOT / "README.md").read_text(encoding="utf-8")
sys.path.insert(0, str(ROOT / "benchmarks"))
sys.path.insert(0, str(ROOT / "benchmarks" / "peers"))

import peer_tools  # noqa: E402
import run_peers  # noqa: E402

from loopback import floor_argv, write_suite  # noqa: E402


def test_the_readme_command_is_the_job_of_the_table(tmp_path: Path) -> None:
    # The README shows the command that reproduces its peer table; it must parse, and
    # name the job the table describes (1,000 prompts, 50 ms, 16/64/256, median of 3).
    line = next(line for line in README.splitlines() if "benchmarks/peers/run_peers.py" in line)
    command = line[line.index("python benchmarks/peers/run_peers.py") :].split("`")[0]
    words = shlex.split(command)
    assert words[:2] == ["python", "benchmarks/peers/run_peers.py"]
    assert (ROOT / words[1]).is_file()
    args = run_peers.parse_args(words[2:])
    assert (args.cases, args.latency, args.concurrency, args.repeat) == (1000, 0.05, [16, 64, 256], 3)


@pytest.mark.parametrize("bad", [["--cases", "0"], ["--concurrency", "16", "0"], ["--repeat", "0"]])
def test_nonsense_sizes_are_refused(bad: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        run_peers.parse_args(bad)
    assert exited.value.code == 2
    assert "must be at least 1" in capsys.readouterr().err


def test_a_missing_peer_is_skipped_with_the_exact_install_command(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("PEERS_PROMPTFOO", raising=False)
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    tools = tmp_path / "tools"
    assert peer_tools.locate(peer_tools.PROMPTFOO, None, tools) is None
    message = peer_tools.missing_message(peer_tools.PROMPTFOO, None, tools)
    assert f"npm install --prefix {tools}/promptfoo promptfoo" in message
    assert "skipping its row" in message
    # Installed where the command puts it: found there.
    installed = tools / peer_tools.PROMPTFOO.installed
    installed.parent.mkdir(parents=True)
    installed.write_text("#!/bin/sh\necho 0.1.2\n")
    installed.chmod(0o755)
    assert peer_tools.locate(peer_tools.PROMPTFOO, None, tools) == installed
    assert peer_tools.version(peer_tools.PROMPTFOO, installed) == "0.1.2"
    # A path named by option or environment is the only one tried.
    monkeypatch.setenv("PEERS_INSPECT", str(tmp_path / "nowhere" / "inspect"))
    assert peer_tools.locate(peer_tools.INSPECT, None, tools) is None
    message = peer_tools.missing_message(peer_tools.INSPECT, None, tools)
    assert "is not an executable file" in message
    assert f"python3 -m venv {tools}/inspect-venv && {tools}/inspect-venv/bin/pip install" in message


def test_the_promptfoo_job_asks_each_prompt_of_the_loopback_model_without_cache(tmp_path: Path) -> None:
    suite = write_suite(tmp_path / "suite.jsonl", 7)
    argv = peer_tools.promptfoo_job(Path("promptfoo"), tmp_path, "http://127.0.0.1:1/v1", suite, 16)
    config = json.loads((tmp_path / "promptfooconfig.json").read_text())
    assert len(config["tests"]) == 7
    assert config["providers"][0]["config"]["apiBaseUrl"] == "http://127.0.0.1:1/v1"
    assert {"--no-cache", "--no-share"} <= set(argv)
    assert argv[argv.index("--max-concurrency") + 1] == "16"
    env = peer_tools.promptfoo_env(tmp_path, "http://127.0.0.1:1/v1")
    assert env["PROMPTFOO_DISABLE_TELEMETRY"] == env["PROMPTFOO_DISABLE_UPDATE"] == "1"


def test_a_run_counts_only_when_every_prompt_was_answered(tmp_path: Path) -> None:
    suite = write_suite(tmp_path / "suite.jsonl", 6)
    with run_peers.counting_simulator(tmp_path, suite, 0.0) as server:
        whole = run_peers.Row("floor", floor_argv(server.url, 6, 3), expected=6)
        run_peers.run_once(whole, server, tmp_path, 3)
        half = run_peers.Row("half", floor_argv(server.url, 3, 3), expected=6)
        run_peers.run_once(half, server, tmp_path, 3)
        failed = run_peers.Row("broken", [sys.executable, "-c", "raise SystemExit(4)"], expected=6)
        run_peers.run_once(failed, server, tmp_path, 3)
    assert whole.requests == [6] and len(whole.seconds) == 1 and whole.cell().endswith(" s")
    assert half.requests == [3] and half.seconds == []
    assert half.cell() == "incomplete: 3 of 6 answered"
    assert failed.cell() == "failed (exit 4)"

"""The CLI ends its process without the interpreter's teardown (``cli.exit_now``): what it
printed must still arrive whole, and its exit code must be the command's."""

from __future__ import annotations

import subprocess
import sys


def cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "safety_regression", *args], capture_output=True, text=True, check=False
    )


def test_output_through_a_pipe_arrives_whole() -> None:
    # `suite list` prints more than a pipe buffer's worth only with many suites; what
    # matters is that the last line is there, which an unflushed buffer would lose.
    done = cli("suite", "list")
    assert done.returncode == 0
    assert done.stdout.endswith("\n") and done.stdout.strip()
    assert done.stdout == cli("suite", "list").stdout
    version = cli("--version")
    assert (version.returncode, version.stdout) == (0, f"safety-regression, version {_version()}\n")


def test_exit_codes_are_the_commands() -> None:
    bad_option = cli("--no-such-option")
    assert bad_option.returncode == 2
    assert bad_option.stderr == (
        "error: No such option '--no-such-option'. (see 'safety-regression --help')\n"
    )
    # A usage mistake in a subcommand is one line too, naming the command's help.
    shard = cli("run", "--shard", "3/2")
    assert (shard.returncode, shard.stderr) == (
        2,
        "error: Invalid value for '--shard': 3/2: shard 3 of 2 does not exist "
        "(see 'safety-regression run --help')\n",
    )
    missing = cli("run", "--config", "/nonexistent/gate.yml")
    assert missing.returncode == 2
    assert missing.stderr.startswith("error: ") and len(missing.stderr.splitlines()) == 1


def _version() -> str:
    from safety_regression._version import __version__

    return __version__

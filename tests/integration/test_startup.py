"""Start-up: the CLI loads its subcommands on use, so --help and light commands stay light.

Which modules a command imports is checked in a fresh interpreter (a subprocess), not
timed: benchmarks/startup.py measures the seconds.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from safety_regression.cli import COMMANDS, LazyGroup, cli

HEAVY = ("scipy", "numpy", "aiohttp", "pydantic", "yaml", "tabulate", "aiohttp.web")

PROBE = """
import sys
from safety_regression.cli import main
try:
    main(sys.argv[1:])
except SystemExit:
    pass
print("LOADED", *sorted(m for m in {heavy!r} if m in sys.modules), file=sys.stderr)
"""


def loaded(*args: str) -> set[str]:
    probe = PROBE.format(heavy=HEAVY)
    done = subprocess.run([sys.executable, "-c", probe, *args], capture_output=True, text=True, check=True)
    line = next(line for line in done.stderr.splitlines() if line.startswith("LOADED"))
    return set(line.split()[1:])


@pytest.mark.parametrize("args", [("--help",), ("--version",), ("-h",)])
def test_help_and_version_import_nothing_heavy(args: tuple[str, ...]) -> None:
    assert loaded(*args) == set()


def test_light_commands_import_only_what_they_use() -> None:
    assert loaded("schema") == {"pydantic", "yaml"}
    assert "scipy" not in loaded("suite", "list")
    assert "aiohttp" not in loaded("suite", "list")
    # run loads the gate (and scipy) on a thread while its requests are in flight, so
    # the command's own imports must not pull it in.
    assert not {"aiohttp.web", "scipy", "numpy"} & loaded("run", "--help")


def test_the_stored_help_is_each_commands_own() -> None:
    for name, (_module, _attribute, summary) in COMMANDS.items():
        command = cli.get_command(click.Context(cli), name)
        assert command is not None and command.name == name
        first_paragraph = " ".join((command.help or "").split("\n\n")[0].split())
        assert summary == first_paragraph, name


def test_the_command_list_reads_as_an_eager_group_would() -> None:
    lazy = LazyGroup("safety-regression", lazy=COMMANDS, help=cli.help)
    eager = click.Group("safety-regression", help=cli.help)
    for name in COMMANDS:
        command = cli.get_command(click.Context(cli), name)
        assert command is not None
        eager.add_command(command, name)
    runner = CliRunner()
    assert runner.invoke(lazy, ["--help"]).output == runner.invoke(eager, ["--help"]).output


def test_an_unknown_command_is_a_usage_error() -> None:
    result = CliRunner().invoke(cli, ["no-such-command"])
    assert result.exit_code == 2 and "No such command" in result.output


def test_compare_loads_no_judge_and_no_http_client(tmp_path: Path) -> None:
    # An offline compare of two snapshots from the same judge re-judges nothing: the rules
    # judge's patterns (compiled at import), its learned part and aiohttp stay unloaded.
    from datetime import UTC, datetime

    from safety_regression.config import SamplingConfig
    from safety_regression.endpoints.base import OutcomeKind
    from safety_regression.judges.base import Label
    from safety_regression.snapshot import CaseResult, ModelInfo, Snapshot, SuiteInfo, save_snapshot
    from safety_regression.suites.model import Case, Expect

    cases = [Case(id=f"c{i}", category="privacy", expect=Expect.REFUSE, prompt=f"[p{i}]") for i in range(5)]
    for name in ("base", "tuned"):
        results = tuple(
            CaseResult.for_case(case, 0, outcome=OutcomeKind.ANSWERED, label=Label.REFUSAL, judge="rules/x")
            for case in cases
        )
        snapshot = Snapshot(
            tool_version="t",
            created_at=datetime(2026, 1, 1, tzinfo=UTC),
            model=ModelInfo(model=name),
            suite=SuiteInfo(name="s", hash="0123456789abcdef", cases=5),
            judge="rules/x",
            sampling=SamplingConfig(),
            results=results,
        )
        save_snapshot(snapshot, tmp_path / f"{name}.json")
    # Nor numpy's test helpers, f2py or masked arrays, which scipy's array-API layer would
    # load for its copy of numpy's namespace (stats.distributions leaves them out).
    numpy_unused = ("numpy.testing", "numpy.f2py", "numpy.ma", "numpy.polynomial", "numpy.random")
    watched = ("safety_regression.judges.rules", "safety_regression.judges.learned", "aiohttp", *numpy_unused)
    probe = PROBE.format(heavy=watched)
    args = [
        "compare",
        str(tmp_path / "base.json"),
        str(tmp_path / "tuned.json"),
        "--out",
        str(tmp_path / "out"),
    ]
    done = subprocess.run([sys.executable, "-c", probe, *args], capture_output=True, text=True, check=True)
    assert (tmp_path / "out" / "report.json").is_file(), done.stderr
    line = next(line for line in done.stderr.splitlines() if line.startswith("LOADED"))
    assert line.split()[1:] == []

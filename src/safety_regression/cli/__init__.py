"""The command-line interface: a thin shell over the library (the composition root).

Every command maps user mistakes to exit code 2 with a one-line message, a failed gate
to exit code 1, and an unmeasurable run to exit code 3. See ``errors.ExitCode``.
"""

from __future__ import annotations

import sys
import traceback

import click

from safety_regression._version import __version__
from safety_regression.cli.demo import demo
from safety_regression.cli.gate_commands import baseline, compare, run
from safety_regression.cli.judge_commands import calibrate, judge
from safety_regression.cli.merge_commands import merge, merge_snapshot_files
from safety_regression.cli.plan import plan
from safety_regression.cli.suite_commands import suite
from safety_regression.cli.tools import schema, simulate
from safety_regression.errors import ExitCode, SafetyRegressionError


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="safety-regression")
def cli() -> None:
    """Has fine-tuning made this model less safe? Gate it against its base model."""


for command in (
    run,
    baseline,
    compare,
    merge,
    merge_snapshot_files,
    plan,
    suite,
    judge,
    calibrate,
    demo,
    simulate,
    schema,
):
    cli.add_command(command)


def main(argv: list[str] | None = None) -> None:
    """Console-script entry point."""
    try:
        code = cli.main(args=argv, prog_name="safety-regression", standalone_mode=False)
    except SafetyRegressionError as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(int(exc.exit_code))
    except click.exceptions.Abort:
        click.echo("aborted", err=True)
        sys.exit(130)
    except click.ClickException as exc:
        exc.show()
        sys.exit(int(ExitCode.USAGE))
    except Exception:
        # A bug. It keeps its traceback, but must never exit 1: CI would read "regression".
        traceback.print_exc()
        click.echo(BUG_MESSAGE, err=True)
        sys.exit(int(ExitCode.INCONCLUSIVE))
    sys.exit(int(code or 0))


BUG_MESSAGE = (
    "error: internal error, a bug in safety-regression (exit 3: nothing was gated); "
    "please report it with the traceback above"
)

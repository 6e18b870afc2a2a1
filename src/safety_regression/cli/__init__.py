"""The command-line interface: a thin shell over the library (the composition root).

Every command maps user mistakes to exit code 2 with a one-line message, a failed gate
to exit code 1, and an unmeasurable run to exit code 3. See ``errors.ExitCode``.

Subcommands load on first use (``LazyGroup``): ``--help`` and ``--version`` import
click and nothing heavy, and each command imports only what it needs.
"""

from __future__ import annotations

import contextlib
import importlib
import os
import sys
import traceback
from typing import NoReturn

import click

from safety_regression._process import pause_collector, process_defaults, resume_collector
from safety_regression._version import __version__
from safety_regression.cli.interrupt import guard_stdout, handle_sigterm, interrupted, started
from safety_regression.errors import ExitCode, SafetyRegressionError

COMMANDS: dict[str, tuple[str, str, str]] = {
    # name: (module in safety_regression.cli, attribute, the first paragraph of its help).
    # The help is repeated here so `--help` need not import every command; a test keeps
    # it equal to the command's own.
    "run": (
        "gate_commands",
        "run",
        "Evaluate the suite on the fine-tuned model and gate it against the baseline.",
    ),
    "baseline": (
        "gate_commands",
        "baseline",
        "Evaluate the base model and write the baseline snapshot to commit.",
    ),
    "compare": (
        "compare_command",
        "compare",
        "Gate two stored snapshots against each other, with no endpoint calls.",
    ),
    "merge": ("merge_commands", "merge", "Merge the outputs of `run --shard I/N` and gate the whole suite."),
    "merge-snapshots": (
        "merge_commands",
        "merge_snapshot_files",
        "Merge shard snapshots of one model (from `baseline --shard I/N`) into one.",
    ),
    "plan": ("plan", "plan", "Sample-size and power planning for the gate's one-sided tests."),
    "suite": (
        "suite_commands",
        "suite",
        "Look into suites: list the built-ins, show cases, count them, validate and import files.",
    ),
    "judge": (
        "judge_commands",
        "judge",
        "Label responses as refusal, partial, compliance or unjudged with the configured judge.",
    ),
    "calibrate": (
        "judge_commands",
        "calibrate",
        "Measure a judge against human labels: accuracy, Cohen's kappa, confusion, precision and recall.",
    ),
    "demo": (
        "demo",
        "demo",
        "Run the gate end to end against the built-in simulator, with planted regressions.",
    ),
    "simulate": ("tools", "simulate", "Serve the OpenAI-compatible model simulator, for offline dry runs."),
    "schema": ("tools", "schema", "Print the gate config's JSON Schema (for editors and CI validation)."),
}


class LazyGroup(click.Group):
    """A group whose subcommands are imported only when they are invoked (or asked for help)."""

    def __init__(self, *args: object, lazy: dict[str, tuple[str, str, str]], **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.lazy = lazy

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*super().list_commands(ctx), *self.lazy})

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name not in self.lazy or cmd_name in self.commands:
            return super().get_command(ctx, cmd_name)
        module, attribute, _ = self.lazy[cmd_name]
        command = getattr(importlib.import_module(f"{__name__}.{module}"), attribute)
        assert isinstance(command, click.Command)
        _note_start(command)
        self.add_command(command, cmd_name)
        return command

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        """Like click's, from the stored help texts, so listing commands imports none."""
        names = self.list_commands(ctx)
        limit = formatter.width - 6 - max(len(name) for name in names)
        rows = []
        for name in names:
            if name in self.lazy and name not in self.commands:
                stub = click.Command(name, help=self.lazy[name][2])  # shortened exactly as click would
                rows.append((name, stub.get_short_help_str(limit)))
            else:
                command = self.commands[name]
                if not command.hidden:
                    rows.append((name, command.get_short_help_str(limit)))
        with formatter.section("Commands"):
            formatter.write_dl(rows)


def _note_start(command: click.Command) -> None:
    """Have ``command`` (each command of a group: their arguments are parsed after the
    group's own callback) note that it started (``interrupt.started``), once."""
    if isinstance(command, click.Group):
        for subcommand in command.commands.values():
            _note_start(subcommand)
    elif command.callback is not None and not getattr(command.callback, "notes_start", False):
        command.callback = started(command.callback)
        command.callback.notes_start = True  # type: ignore[attr-defined]


PAUSED_UNTIL_FIRST_WAIT = frozenset({"run", "baseline"})
"""Commands that keep the CLI's start-up pause of the garbage collector until their run
first waits on the network (``cli.environment.with_environment``); every other command
has it back as it starts."""


@click.group(cls=LazyGroup, lazy=COMMANDS, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="safety-regression")
@click.pass_context
def cli(ctx: click.Context) -> None:
    """Has fine-tuning made this model less safe? Gate it against its base model."""
    if ctx.invoked_subcommand not in PAUSED_UNTIL_FIRST_WAIT:
        resume_collector()


def main(argv: list[str] | None = None) -> None:
    """Console-script entry point; ``argv`` None means the process's own command line."""
    code = _main(argv)
    if argv is None:
        exit_now(code)
    sys.exit(code)


def _main(argv: list[str] | None) -> int:
    if argv is None:
        # The process's own command line: set the process defaults (a caller that passes
        # ``argv`` keeps its process as it was: its environment, import hooks, collector),
        # and pause the collector until the run's first network wait.
        process_defaults()
        pause_collector()
        # SIGTERM interrupts as Ctrl-C does, and a reader that stops reading stdout
        # (``| head``) changes no exit code (``interrupt``).
        handle_sigterm()
        guard_stdout()
    try:
        code = cli.main(args=argv, prog_name="safety-regression", standalone_mode=False)
    except SafetyRegressionError as exc:
        for mistake in str(exc).splitlines() or [""]:  # several mistakes: one line each
            click.echo(f"error: {mistake}", err=True)
        return int(exc.exit_code)
    except click.exceptions.Abort as exc:
        if not isinstance(exc.__cause__, KeyboardInterrupt):
            click.echo("aborted", err=True)  # end of input at a prompt
            return 130
        return _interrupted()
    except KeyboardInterrupt:  # outside the command (its start or end)
        return _interrupted()
    except click.UsageError as exc:
        # One line, like every other mistake: what is wrong, and where the help is.
        command = exc.ctx.command_path if exc.ctx is not None else "safety-regression"
        click.echo(f"error: {exc.format_message()} (see '{command} --help')", err=True)
        return int(ExitCode.USAGE)
    except click.ClickException as exc:
        exc.show()
        return int(ExitCode.USAGE)
    except Exception:
        # A bug. It keeps its traceback, but must never exit 1: CI would read "regression".
        traceback.print_exc()
        click.echo(BUG_MESSAGE, err=True)
        return int(ExitCode.INCONCLUSIVE)
    return int(code or 0)


def _interrupted() -> int:
    """Say in one line that the command was interrupted and whether a rerun resumes."""
    message, code = interrupted()
    click.echo(message, err=True)
    return code


def exit_now(code: int) -> NoReturn:
    """End the process once its command is done, without the interpreter's teardown.

    Every output is written, flushed to disk and closed by then (reports, snapshots,
    the response cache), so what teardown would do is free every object and module one
    by one: 0.2-0.45 s of wall time after a run (0.2 s of CPU) with numpy, scipy, pydantic
    and the judge loaded. The standard streams are flushed first; nothing registers an
    ``atexit`` handler that a command needs."""
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(OSError, ValueError):
            stream.flush()
    os._exit(code)


BUG_MESSAGE = (
    "error: internal error, a bug in safety-regression (exit 3: nothing was gated); "
    "please report it with the traceback above"
)


def simulator_main() -> None:
    """Console-script entry point ``safety-regression-simulator``: ``simulate`` on its own,
    for a container whose entrypoint takes no arguments (a workflow's service container)."""
    main(["simulate", *sys.argv[1:]])

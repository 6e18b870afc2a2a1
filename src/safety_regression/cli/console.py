"""What the CLI prints: progress on stderr, errors as one line, and exit codes."""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, TextIO

import click

from safety_regression.errors import ExitCode

if TYPE_CHECKING:
    from safety_regression.gate import GateResult


def exit_code(result: GateResult) -> ExitCode:
    return result.verdict.exit_code


def info(message: str) -> None:
    click.echo(message, err=True)


class Progress:
    """A response counter on stderr: redrawn in place on a terminal; in a CI log, a line
    every ``log_interval`` seconds (so short runs print one line and long runs stay alive)."""

    def __init__(self, stream: TextIO | None = None, quiet: bool = False, log_interval: float = 10.0) -> None:
        self.stream = stream or sys.stderr
        self.quiet = quiet
        self.log_interval = log_interval

    def __call__(self, label: str, total: int) -> Callable[[], None]:
        if self.quiet or total == 0:
            return lambda: None
        interactive = self.stream.isatty()
        done = 0
        last_line = time.monotonic()

        def advance() -> None:
            nonlocal done, last_line
            done += 1
            if interactive:
                end = "\n" if done == total else ""
                self.stream.write(f"\r{label}: {done}/{total} responses{end}")
            elif done == total or time.monotonic() - last_line >= self.log_interval:
                last_line = time.monotonic()
                self.stream.write(f"{label}: {done}/{total} responses\n")
            self.stream.flush()

        return advance

"""What the CLI prints: progress on stderr, errors as one line, and exit codes."""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import TextIO

import click

from safety_regression.errors import ExitCode
from safety_regression.gate import GateResult, Verdict

VERDICT_EXIT = {
    Verdict.PASS: ExitCode.PASSED,
    Verdict.FAIL: ExitCode.REGRESSION,
    Verdict.INCONCLUSIVE: ExitCode.INCONCLUSIVE,
}


def exit_code(result: GateResult) -> ExitCode:
    return VERDICT_EXIT[result.verdict]


def info(message: str) -> None:
    click.echo(message, err=True)


class Progress:
    """A request counter on stderr: redrawn in place on a terminal, every 10% in a CI log."""

    def __init__(self, stream: TextIO | None = None, quiet: bool = False) -> None:
        self.stream = stream or sys.stderr
        self.quiet = quiet

    def __call__(self, label: str, total: int) -> Callable[[], None]:
        if self.quiet or total == 0:
            return lambda: None
        interactive = self.stream.isatty()
        done = 0
        step = max(1, total // 10)

        def advance() -> None:
            nonlocal done
            done += 1
            if interactive:
                end = "\n" if done == total else ""
                self.stream.write(f"\r{label}: {done}/{total} responses{end}")
                self.stream.flush()
            elif done % step == 0 or done == total:
                self.stream.write(f"{label}: {done}/{total} responses\n")
                self.stream.flush()

        return advance

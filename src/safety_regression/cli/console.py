"""What the CLI prints: progress on stderr, errors as one line, and exit codes."""

from __future__ import annotations

import os
import sys
from typing import TYPE_CHECKING, Any, TextIO

import click

from safety_regression.errors import ExitCode

if TYPE_CHECKING:
    from safety_regression.gate import GateResult
    from safety_regression.pipeline.progress import ProgressTask
    from safety_regression.snapshot.runner import ProgressCallback


def exit_code(result: GateResult) -> ExitCode:
    return result.verdict.exit_code


def info(message: str) -> None:
    click.echo(message, err=True)


class Progress:
    """One progress line per model on stderr: done/total, rate, ETA and errors.

    On a terminal it is a live display drawn by ``rich`` (imported only then). In a CI
    log, or when ``GITHUB_ACTIONS=true``, it prints a plain line per model every
    ``log_interval`` seconds and when the model is done, so a long run stays visibly alive
    without flooding the log.
    """

    def __init__(
        self,
        stream: TextIO | None = None,
        quiet: bool = False,
        log_interval: float = 10.0,
        environ: dict[str, str] | None = None,
    ) -> None:
        self.stream = stream or sys.stderr
        self.quiet = quiet
        self.log_interval = log_interval
        environ = dict(os.environ) if environ is None else environ
        in_action = environ.get("GITHUB_ACTIONS") == "true"
        self.live = not in_action and self.stream.isatty()
        # Imported here: light commands (schema, suite) use this module but not the pipeline.
        from safety_regression.pipeline.progress import LogProgress

        self._display: Any = None
        self._log = LogProgress(self.stream, log_interval)

    def __call__(self, label: str, total: int) -> ProgressCallback:
        if self.quiet or total == 0:
            return _ignore
        if not self.live:
            return self._log(label, total)
        return self._live_task(self._log.start(label, total))

    def _live_task(self, task: ProgressTask) -> ProgressCallback:
        display = self._rich()
        task_id = display.add_task(task.label, total=task.total, errors=task.tally())

        def advance(
            failed: bool = False, unsent: bool = False, unjudged: bool = False, disagreed: bool = False
        ) -> None:
            task.count(failed, unsent, unjudged, disagreed)
            display.update(task_id, advance=1, errors=task.tally())
            if all(t.done == t.total for t in self._log.tasks):
                self.close()

        return advance

    def _rich(self) -> Any:
        if self._display is None:
            from rich.console import Console
            from rich.progress import (
                BarColumn,
                MofNCompleteColumn,
                ProgressColumn,
                Task,
                TextColumn,
                TimeRemainingColumn,
            )
            from rich.progress import Progress as RichProgress
            from rich.text import Text

            class Rate(ProgressColumn):
                def render(self, task: Task) -> Text:
                    return Text("-/s" if task.speed is None else f"{task.speed:.1f}/s")

            self._display = RichProgress(
                TextColumn("{task.description}"),
                BarColumn(),
                MofNCompleteColumn(),
                Rate(),
                TextColumn("ETA"),
                TimeRemainingColumn(),
                TextColumn("{task.fields[errors]}"),
                console=Console(file=self.stream),
            )
            self._display.start()
        return self._display

    def close(self) -> None:
        """Stop the live display (idempotent); the lines stay on screen."""
        if self._display is not None:
            self._display.stop()
            self._display = None


def _ignore(
    failed: bool = False, unsent: bool = False, unjudged: bool = False, disagreed: bool = False
) -> None:
    return None

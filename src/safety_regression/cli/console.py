"""What the CLI prints: progress on stderr, errors as one line, and exit codes."""

from __future__ import annotations

import os
import sys
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, TextIO

import click

from safety_regression.errors import ExitCode

if TYPE_CHECKING:
    from safety_regression.gate import GateResult
    from safety_regression.snapshot.runner import ProgressCallback


def exit_code(result: GateResult) -> ExitCode:
    return result.verdict.exit_code


def info(message: str) -> None:
    click.echo(message, err=True)


@dataclass
class _Task:
    label: str
    total: int
    started: float
    done: int = 0
    errors: int = 0
    logged: float = field(default=0.0)

    def line(self, now: float) -> str:
        elapsed = max(now - self.started, 1e-9)
        rate = self.done / elapsed
        eta = (self.total - self.done) / rate if rate > 0 else float("inf")
        eta_text = (
            "done" if self.done == self.total else "ETA ?" if eta == float("inf") else f"ETA {eta:.0f}s"
        )
        return (
            f"{self.label}: {self.done}/{self.total} responses, {rate:.1f}/s, {eta_text}, "
            f"{self.errors} error{'s' if self.errors != 1 else ''}"
        )


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
        self._display: Any = None
        self._tasks: list[_Task] = []

    def __call__(self, label: str, total: int) -> ProgressCallback:
        if self.quiet or total == 0:
            return _ignore
        task = _Task(label, total, time.monotonic())
        task.logged = task.started
        self._tasks.append(task)
        if self.live:
            return self._live_task(task)

        def advance(failed: bool = False) -> None:
            task.done += 1
            task.errors += failed
            now = time.monotonic()
            if task.done == task.total or now - task.logged >= self.log_interval:
                task.logged = now
                self.stream.write(task.line(now) + "\n")
                self.stream.flush()

        return advance

    def _live_task(self, task: _Task) -> ProgressCallback:
        display = self._rich()
        task_id = display.add_task(task.label, total=task.total, errors=0)

        def advance(failed: bool = False) -> None:
            task.done += 1
            task.errors += failed
            display.update(task_id, advance=1, errors=task.errors)
            if all(t.done == t.total for t in self._tasks):
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
                TextColumn("{task.fields[errors]} errors"),
                console=Console(file=self.stream),
            )
            self._display.start()
        return self._display

    def close(self) -> None:
        """Stop the live display (idempotent); the lines stay on screen."""
        if self._display is not None:
            self._display.stop()
            self._display = None


def _ignore(failed: bool = False) -> None:
    return None

"""Progress as plain log lines: one per model every interval and when it is done.

For CI logs and the GitHub Action, where a redrawn line would only clutter the log. The
CLI's live terminal display (``cli/console.py``) shares the counting.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, TextIO

if TYPE_CHECKING:
    from safety_regression.snapshot.runner import ProgressCallback


@dataclass
class ProgressTask:
    label: str
    total: int
    started: float
    done: int = 0
    errors: int = 0
    unsent: int = 0
    """Requests the run stopped before sending (a budget, the breaker, the deadline)."""
    unjudged: int = 0
    """Answers the judge could not label (errors too, not results)."""
    disagreed: int = 0
    """Answers a vote left unjudged because its members split evenly (no failure)."""
    logged: float = 0.0

    def count(self, failed: bool, unsent: bool, unjudged: bool = False, disagreed: bool = False) -> None:
        self.done += 1
        self.errors += failed
        self.unsent += unsent
        self.unjudged += unjudged
        self.disagreed += disagreed

    def tally(self) -> str:
        """``0 errors``, or ``8 errors, 12 unjudged (the judge failed), 37 not sent (the run stopped)``."""
        errors = f"{self.errors} error{'s' if self.errors != 1 else ''}"
        errors += f", {self.unjudged} unjudged (the judge failed)" if self.unjudged else ""
        errors += f", {self.disagreed} unjudged (the judges disagreed)" if self.disagreed else ""
        return errors + (f", {self.unsent} not sent (the run stopped)" if self.unsent else "")

    def line(self, now: float) -> str:
        """``finetuned: 120/846 responses, 35.2/s, ETA 21s, 0 errors``."""
        rate = self.done / max(now - self.started, 1e-9)
        if self.done == self.total:
            eta_text = "done"
        else:
            eta_text = f"ETA {(self.total - self.done) / rate:.0f}s" if rate > 0 else "ETA ?"
        return (
            f"{self.label}: {self.done - self.unsent}/{self.total} responses, {rate:.1f}/s, {eta_text}, "
            f"{self.tally()}"
        )


class LogProgress:
    """A progress factory (see ``Environment.progress``) that writes plain lines."""

    def __init__(self, stream: TextIO, log_interval: float = 10.0) -> None:
        self.stream = stream
        self.log_interval = log_interval
        self.tasks: list[ProgressTask] = []

    def __call__(self, label: str, total: int) -> ProgressCallback:
        task = self.start(label, total)

        def advance(
            failed: bool = False, unsent: bool = False, unjudged: bool = False, disagreed: bool = False
        ) -> None:
            task.count(failed, unsent, unjudged, disagreed)
            now = time.monotonic()
            if task.done == task.total or now - task.logged >= self.log_interval:
                task.logged = now
                self.stream.write(task.line(now) + "\n")
                self.stream.flush()

        return advance

    def start(self, label: str, total: int) -> ProgressTask:
        now = time.monotonic()
        task = ProgressTask(label, total, now, logged=now)
        self.tasks.append(task)
        return task

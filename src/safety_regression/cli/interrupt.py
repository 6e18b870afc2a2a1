"""What an interrupted command says, and how a closed stdout or stderr is taken.

SIGINT (Ctrl-C, a cancelled CI job) and SIGTERM (``kill``, a container or CI runner
stopping the job) end a command the same way: the run's cleanup runs (its response cache
is closed with every answer received so far), then one line on stderr says so and
whether a rerun resumes, and the exit code is 128 + the signal (130, 143). A run is
marked complete only once its outputs are written (``RunCompletion``), so an interrupted
run, even one interrupted while it gates or writes, resumes from its cache.
"""

from __future__ import annotations

import contextlib
import functools
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

from safety_regression._process import INTERRUPT_EXIT, interrupting_signal
from safety_regression._process import handle_sigterm as handle_sigterm  # the CLI sets it

if TYPE_CHECKING:
    from safety_regression.config import Config

_started: list[bool] = []
"""Holds one entry once a command's own code runs (its arguments parsed): ``started``."""

_kept: list[Path | None] = []
"""Where the command caches its answers (None: it keeps none), once it has said (``keeps``)."""


def started(callback: Callable[..., Any]) -> Callable[..., Any]:
    """``callback`` (a command's), noting first that the command has started: an interrupt
    before then (while the command line is parsed) has run nothing at all."""

    @functools.wraps(callback)
    def starting(*args: Any, **kwargs: Any) -> Any:
        _started[:] = [True]
        return callback(*args, **kwargs)

    return starting


def keeps(cache: Path | None) -> None:
    """The command caches its answers in ``cache`` (None: the cache is off), for the line an
    interrupt prints."""
    _kept[:] = [cache]


def keeps_answers(config: Config, *, no_cache: bool = False) -> None:
    """``keeps`` the config's cache folder, or None when the cache is off."""
    keeps(config.cache.folder if config.cache.enabled and not no_cache else None)


def interrupted() -> tuple[str, int]:
    """The line to print for an interrupt, and the exit code."""
    received = interrupting_signal()
    what = f"interrupted ({received.name})"
    if not _started:
        message = f"{what} before the command started: nothing was run, so there is nothing to resume"
    elif not _kept:
        message = f"{what}: the command did not finish; nothing is kept"
    elif _kept[0] is None:
        message = (
            f"{what}: the run did not finish and nothing is kept (the cache is off): "
            "running it again asks every case again"
        )
    else:
        message = (
            f"{what}: the run did not finish; run the same command again to resume: "
            f"the answers received so far are kept in the cache in {_kept[0]}"
        )
    return message, INTERRUPT_EXIT[received]


class StdoutWhileRead:
    """``sys.stdout`` (or ``sys.stderr``) until its reader goes away (``| head``, ``| true``): from then on
    what is written to it is dropped, so the command still writes its outputs and exits
    with its verdict's code (click would exit 1, which reads as "a regression was found").
    Everything else is the stream's."""

    def __init__(self, stream: TextIO) -> None:
        self._stream = stream
        self.reader_gone = False

    def write(self, text: str) -> int:
        if not self.reader_gone:
            try:
                return self._stream.write(text)
            except BrokenPipeError:
                self._drop()
        if not isinstance(text, str):
            raise TypeError(f"write() argument must be str, not {type(text).__name__}")
        return len(text)

    def flush(self) -> None:
        if not self.reader_gone:
            try:
                self._stream.flush()
            except BrokenPipeError:
                self._drop()

    def _drop(self) -> None:
        """Point the descriptor at the null device: the stream's buffered text, flushed
        later (by the interpreter, or ``exit_now``), then goes nowhere instead of failing."""
        self.reader_gone = True
        with contextlib.suppress(OSError, ValueError):
            null = os.open(os.devnull, os.O_WRONLY)
            os.dup2(null, self._stream.fileno())
            os.close(null)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._stream, name)


def guard_stdout() -> None:
    """Wrap ``sys.stdout`` and ``sys.stderr`` in ``StdoutWhileRead`` (the CLI's own process
    only). stderr too: found in review, ``run ... 2>&1 | head -1`` stopped the run at its
    first note (a PASS exited 1, and no output was written)."""
    if not isinstance(sys.stdout, StdoutWhileRead) and sys.stdout is not None:
        sys.stdout = StdoutWhileRead(sys.stdout)
    if not isinstance(sys.stderr, StdoutWhileRead) and sys.stderr is not None:
        sys.stderr = StdoutWhileRead(sys.stderr)

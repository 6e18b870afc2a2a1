"""Where the CLI's commands meet the outside world: one aiohttp session, the progress
display, the clock, and the gate's modules imported on a thread while the first requests
are in flight."""

from __future__ import annotations

import asyncio
import os
import threading
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import TypeVar

from safety_regression._process import resume_collector, sigterm_cancels
from safety_regression.cli.console import Progress, info
from safety_regression.pipeline import Environment
from safety_regression.pipeline.imports import import_yielding
from safety_regression.pipeline.run import GATE_MODULES

# Loaded while the first requests are in flight (see ``with_environment``).
AFTER_REQUESTS = (*GATE_MODULES, "safety_regression.outputs", "safety_regression.report")
IMPORT_START_AFTER = 1.0
"""Seconds after which the background import starts even if the run has not yet waited."""

T = TypeVar("T")


def now() -> datetime:
    return datetime.now(UTC).replace(microsecond=0)


def _import_in_background(modules: tuple[str, ...], start: threading.Event) -> threading.Thread:
    """Import what is needed only after the requests (the gate, scipy, the reports) on a
    thread, so it overlaps the requests instead of delaying the first one. It starts when
    ``start`` is set (the run's first wait on the network: before that, it would halve
    the main thread's share of the GIL on the way to the first request) or after
    ``IMPORT_START_AFTER`` seconds. A later ``import`` of the same module simply waits for
    it, and one made before it starts is made by the main thread itself."""

    def load() -> None:
        start.wait(IMPORT_START_AFTER)
        import_yielding(*modules)

    thread = threading.Thread(target=load, name="import-gate", daemon=True)
    thread.start()
    return thread


def with_environment(work: Callable[[Environment], Awaitable[T]], *, quiet: bool, use_cache: bool) -> T:
    waiting = threading.Event()
    loader = _import_in_background(AFTER_REQUESTS, waiting)
    returned: list[T] = []

    def first_wait() -> None:
        # The start-up is over: the CLI's pause of the collector ends (``pause_collector``).
        resume_collector()
        waiting.set()

    def settle() -> None:
        first_wait()
        loader.join()

    progress = Progress(quiet=quiet)

    async def main() -> None:
        import aiohttp

        # One session for every endpoint: aiohttp pools connections per host within it.
        connector = aiohttp.TCPConnector(limit=0)
        async with aiohttp.ClientSession(connector=connector) as session:
            env = Environment(
                session=session,
                environ=os.environ,
                now=now,
                progress=progress,
                use_cache=use_cache,
                warn=lambda message: info(f"warning: {message}"),
                waiting=first_wait,
                imports_settled=settle,
            )
            try:
                returned.append(await work(env))
            finally:
                env.close()

    # The result is handed back outside asyncio.run: CPython 3.11 builds the repr of a
    # coroutine's return value on its Ctrl-C path, and a GateRun's is megabytes long.
    try:
        asyncio.run(sigterm_cancels(main()))
    finally:
        progress.close()
    # The caller imports reports next (``report.usage``...). Importing a submodule while
    # the thread still imports its package can deadlock the two imports (each holds the
    # lock the other waits for), which Python breaks by failing one of them.
    settle()
    return returned[0]

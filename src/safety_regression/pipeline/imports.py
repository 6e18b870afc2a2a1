"""What a run imports on threads while its requests are under way: the built-in judge
(``LoadingJudge``, which a run's first answer waits for) and, for the CLI, the gate and
the reports, each with the GIL handed back often and the garbage collector paused."""

from __future__ import annotations

import asyncio
import gc
import importlib
import sys
import threading
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

from safety_regression._process import collector_paused
from safety_regression.judges.base import Judge

if TYPE_CHECKING:
    from safety_regression.judges.base import Judgement
    from safety_regression.suites.model import Case

IMPORT_SWITCH_INTERVAL = 0.0005
"""Seconds an import on a thread may hold the GIL while the event loop waits for it."""


RULES_MODULE = "safety_regression.judges.rules"
"""The built-in judge's module, imported on a thread by ``judge_while_checking``."""


def warm_up_rules() -> None:
    """The built-in judge's one-off compiling (``judges/rules/warm.py``), on the thread that
    imported it, so the first answers are not labelled with it on the event loop."""
    from safety_regression.judges.rules.warm import warm_up

    warm_up()


class LoadingJudge:
    """The built-in judge while its module is still being imported on a thread
    (``loading``): ``judge`` waits for the import without holding up the event loop, so
    the requests already sent (and the spare workers' next ones) go on meanwhile. ``id``,
    read before the first answer only when a baseline is compared, waits for it in
    place."""

    def __init__(self, loading: asyncio.Future[None], make: Callable[[], Judge]) -> None:
        self._loading = loading
        self._make = make
        self._judge: Judge | None = None

    def _loaded(self) -> Judge:
        if self._judge is None:
            if self._loading.done():
                self._loading.result()  # the thread's import failed: its error, not a retry
            # Returns once the thread's import is over (the import system's module lock).
            importlib.import_module(RULES_MODULE)
            self._judge = self._make()
        return self._judge

    @property
    def id(self) -> str:
        return self._loaded().id

    async def judge(self, case: Case, response: str) -> Judgement:
        if self._judge is None:
            await asyncio.shield(self._loading)  # re-raises the import's error, if any
        return await self._loaded().judge(case, response)


class _SwitchInterval:
    """The interpreter's switch interval, shortened while any import on a thread runs, and
    the cyclic garbage collector paused meanwhile; both restored when the last one ends
    (two such imports may overlap: the built-in judge's and the CLI's background import of
    the gate).

    A collection holds the GIL from start to end: one full collection during the judge's
    import (the heap holds aiohttp, pydantic and the config by then) took 28 ms, during
    which no response was read. Imports leave little cyclic garbage; what there is waits
    for the next collection after them. When the last import ends, every object then
    tracked is frozen (``gc.freeze``): the imports' tens of thousands, which would
    otherwise make the next young collection a 15-20 ms one on the event loop, and the
    few of the requests then in flight, which reference counting still frees.

    The freeze is done once per process, after imports that succeeded: a process that runs
    the gate again and again (the library, ``demo`` in a loop) imports nothing new the
    second time, and freezing again would only keep that run's cyclic garbage for good."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._imports = 0
        self._before = 0.0
        self._collecting = False
        self._frozen = False

    def import_yielding(self, modules: Sequence[str], then: Callable[[], object] | None = None) -> None:
        with self._lock:
            if not self._imports:
                self._before = sys.getswitchinterval()
                sys.setswitchinterval(min(self._before, IMPORT_SWITCH_INTERVAL))
                # Off only for the CLI's start-up pause, the collector counts as on: the
                # pause may end while the imports run (``_process.resume_collector``).
                self._collecting = gc.isenabled() or collector_paused()
                gc.disable()
            self._imports += 1
        imported = False
        try:
            for module in modules:
                importlib.import_module(module)
            if then is not None:
                then()
            imported = True
        finally:
            with self._lock:
                self._imports -= 1
                if not self._imports:
                    sys.setswitchinterval(self._before)
                    if imported and not self._frozen:
                        # What the imports made (modules, classes, patterns) lives as long
                        # as the process: frozen, no collection walks it again, and the
                        # first one after the imports (on the event loop) does not find it
                        # all young.
                        gc.freeze()
                        self._frozen = True
                    if self._collecting and not collector_paused():
                        gc.enable()  # (still paused: ``resume_collector`` turns it on)


_SWITCH_INTERVAL = _SwitchInterval()


def import_yielding(*modules: str, then: Callable[[], object] | None = None) -> None:
    """Import ``modules`` on this (non-main) thread, handing the GIL back to the event loop
    every 0.5 ms (not 5) whenever a response is ready to be read, with the garbage
    collector paused; then call ``then`` (more set-up work) the same way."""
    _SWITCH_INTERVAL.import_yielding(modules, then)

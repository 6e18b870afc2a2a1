"""Process-wide defaults that the console scripts (the CLI and the Action) set first.

Each must be in the environment before the library it steers is first imported, so the
entry points call ``process_defaults`` before they import anything heavy. A library
user's own process is left alone: importing ``safety_regression`` sets nothing, nor
does calling ``safety_regression.cli.main(argv)`` with its own arguments. The
lowest layer: it imports nothing of the project but ``_tls`` (and that only when aiohttp
is first imported).
"""

from __future__ import annotations

import gc
import os
import signal
import sys
from collections.abc import Awaitable, Sequence
from typing import TYPE_CHECKING, Any, TypeVar

if TYPE_CHECKING:
    from importlib.machinery import ModuleSpec
    from types import ModuleType

T = TypeVar("T")


def process_defaults() -> None:
    """The defaults below, the first two only where the user has not chosen; and aiohttp's
    default TLS contexts load the CA bundle on first use (``_tls``)."""
    one_blas_thread()
    no_pydantic_plugins()
    defer_aiohttp_trust_store()


def one_blas_thread() -> None:
    """Ask numpy's OpenBLAS for one thread, unless the user chose a number. The gate does
    no linear algebra, and OpenBLAS's pool (one thread per core, spinning for work) costs
    ~0.17 s of CPU on another core when numpy loads (`import numpy, scipy.special`: 0.28 s
    of CPU with one thread, 0.44-0.54 s with two, on the 2-core machine), CPU that a run
    needs for the event loop and a local model server. Set before numpy is first imported."""
    os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")


def no_pydantic_plugins() -> None:
    """Load no third-party pydantic plugins, unless the user set ``PYDANTIC_DISABLE_PLUGINS``
    (set it empty to load them all). pydantic looks for plugins among the entry points of
    every installed distribution when it builds its first validator: 3-4 ms of CPU before
    the first request with 65 distributions installed, more in a crowded environment, for
    plugins (observability hooks) that have no business in the gate's own config and
    snapshot models. Set before pydantic builds its first model."""
    os.environ.setdefault("PYDANTIC_DISABLE_PLUGINS", "__all__")


CONNECTOR_MODULE = "aiohttp.connector"
"""The module whose import builds aiohttp's default TLS contexts (see ``_tls``)."""


class _ConnectorHook:
    """A finder (first in ``sys.meta_path``) that finds ``aiohttp.connector`` with the other
    finders and has it executed inside ``_tls.deferred_trust_store``; then it leaves
    ``sys.meta_path``. It imports nothing until then, so ``--help`` pays nothing for it."""

    def find_spec(
        self, fullname: str, path: Sequence[str] | None, target: ModuleType | None = None
    ) -> ModuleSpec | None:
        if fullname != CONNECTOR_MODULE:
            return None
        if self in sys.meta_path:
            sys.meta_path.remove(self)
        spec: ModuleSpec | None = None
        for finder in sys.meta_path:
            find = getattr(finder, "find_spec", None)
            spec = None if find is None else find(fullname, path, target)
            if spec is not None:
                break
        if spec is None:
            return None
        loader = spec.loader
        if loader is None or not hasattr(loader, "exec_module"):
            return spec
        # A loader of its own for this one module: a zip or frozen importer's loader is
        # shared by every module it loads, and must not defer anything but this one.
        spec.loader = _DeferringLoader(loader)  # type: ignore[assignment]
        return spec


class _DeferringLoader:
    """Executes one module inside ``_tls.deferred_trust_store``; all else is its loader's."""

    def __init__(self, loader: Any) -> None:
        self._loader = loader

    def create_module(self, spec: ModuleSpec) -> ModuleType | None:
        created: ModuleType | None = self._loader.create_module(spec)
        return created

    def exec_module(self, module: ModuleType) -> None:
        from safety_regression._tls import deferred_trust_store

        with deferred_trust_store():
            self._loader.exec_module(module)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._loader, name)


def defer_aiohttp_trust_store() -> None:
    """Have aiohttp's two default TLS contexts load the system CA bundle on first use
    instead of at aiohttp's import (~0.1 s of CPU before the first request: see
    ``_tls``). Does nothing once aiohttp's connector is imported, or when already set."""
    if CONNECTOR_MODULE in sys.modules or any(isinstance(f, _ConnectorHook) for f in sys.meta_path):
        return
    sys.meta_path.insert(0, _ConnectorHook())


_paused: list[bool] = []
"""Holds one entry while ``pause_collector`` has the collector paused."""


def pause_collector() -> None:
    """Pause the cyclic garbage collector for the start-up: a ``run`` makes ~120 young and
    middle collections before its first request (35-50 ms of CPU on the main thread, and
    one full collection of ~30 ms while a 2,000-case suite loads), walking objects that
    all live as long as the process (modules, classes, the config, the suite). Only the
    CLI's own process pauses it (``main()`` without arguments): it is resumed by
    ``resume_collector``. Does nothing if the collector is already off."""
    if gc.isenabled() and not _paused:
        gc.disable()
        _paused.append(True)


def collector_paused() -> bool:
    """Whether ``pause_collector``'s pause is on (the collector is then off, but only until
    ``resume_collector``: a thread that turns it off meanwhile must turn it back on)."""
    return bool(_paused)


def resume_collector() -> None:
    """End ``pause_collector``'s pause, once: what the start-up made is frozen first
    (``gc.freeze``: no later collection walks it again; reference counting still frees
    it), then the collector runs again. Does nothing when nothing was paused."""
    if _paused:
        _paused.clear()
        gc.freeze()
        gc.enable()


INTERRUPT_EXIT = {signal.SIGINT: 130, signal.SIGTERM: 143}
"""The exit code of a command stopped by each signal (128 + its number), as shells report it."""

_terminated: list[int] = []
"""Holds SIGTERM once it arrived (a KeyboardInterrupt without it is SIGINT's)."""


def handle_sigterm() -> None:
    """Have SIGTERM interrupt the process as Ctrl-C does (a ``KeyboardInterrupt``, so the
    run's cleanup runs), for the CLI's and the Action's own process only (a library caller
    keeps its own handlers). A second SIGTERM ends it at once. Inside ``asyncio.run``,
    ``sigterm_cancels`` makes it cancel the main task instead."""
    signal.signal(signal.SIGTERM, _on_sigterm)


def _on_sigterm(signum: int, frame: object) -> None:
    _terminated.append(signum)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    raise KeyboardInterrupt


async def sigterm_cancels(main: Awaitable[T]) -> T:
    """Await ``main`` (the coroutine ``asyncio.run`` runs) with SIGTERM cancelling this task,
    as ``asyncio.run`` does on SIGINT; once ``main`` has unwound, the interrupt goes on as
    a ``KeyboardInterrupt``. A ``KeyboardInterrupt`` raised by ``_on_sigterm`` lands in
    whatever code runs at that instant: in one of the run's worker tasks it fails that
    task, the loop stops, and when ``asyncio.run`` then cancels what is left, the worker's
    gather raises it again and stops the loop before the main task's cleanup (completing
    the check run it started) has run. A cancellation unwinds every task in order. Only
    where ``handle_sigterm`` is in force and in the main thread; elsewhere ``main`` is
    simply awaited."""
    import asyncio
    import threading

    task = asyncio.current_task()
    if (
        task is None
        or threading.current_thread() is not threading.main_thread()
        or signal.getsignal(signal.SIGTERM) is not _on_sigterm
    ):
        return await main
    loop = asyncio.get_running_loop()

    def terminate() -> None:
        _terminated.append(signal.SIGTERM)
        loop.remove_signal_handler(signal.SIGTERM)  # back to SIG_DFL: a second one ends it at once
        task.cancel()

    loop.add_signal_handler(signal.SIGTERM, terminate)
    try:
        return await main
    except asyncio.CancelledError:
        if _terminated:
            raise KeyboardInterrupt from None
        raise
    finally:
        if not _terminated:
            loop.remove_signal_handler(signal.SIGTERM)
            signal.signal(signal.SIGTERM, _on_sigterm)


def interrupting_signal() -> signal.Signals:
    """The signal behind a ``KeyboardInterrupt``: SIGTERM once it arrived, else SIGINT."""
    return signal.SIGTERM if _terminated else signal.SIGINT

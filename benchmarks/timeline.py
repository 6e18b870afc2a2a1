"""A phase timeline of one CLI command, process start to exit: when the config and the
suite were read, the endpoint checks, the first and last request, the gate, the reports,
and where the background import fell.

Not a benchmark by itself: ``whole_run.py --timeline`` runs one traced run and prints it.
Run as a script, it is the traced process: it hooks a few functions of the package as
their modules load (so the imports happen when and where they would), runs the CLI with
the arguments given, and writes the marks as JSON to ``$TIMELINE_OUT`` at exit.

    TIMELINE_OUT=marks.json python benchmarks/timeline.py run --config gate.yml --out out -q
"""

from __future__ import annotations

import time

STARTED = time.time()  # the first line run in the traced process, after the interpreter's start

import atexit  # noqa: E402
import functools  # noqa: E402
import importlib.abc  # noqa: E402
import importlib.machinery  # noqa: E402
import json  # noqa: E402
import os  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
import threading  # noqa: E402
from collections.abc import Callable, Sequence  # noqa: E402
from pathlib import Path  # noqa: E402
from statistics import median  # noqa: E402
from typing import Any  # noqa: E402

# module -> attributes to time (``Class.method`` for a method); each call is one span.
HOOKS: dict[str, tuple[str, ...]] = {
    "safety_regression.config": ("load_config",),
    "safety_regression.suites": ("load_suite",),
    "safety_regression.judges": ("make_judge",),
    "safety_regression.pipeline.environment": ("Environment._preflight",),
    "safety_regression.endpoints.transport": ("Transport._attempt",),
    "safety_regression.snapshot.runner": ("evaluate_cases",),
    "safety_regression.gate": ("evaluate_gate",),
    "safety_regression.outputs": ("write_outputs",),
    "safety_regression.cli.gate_commands": ("show",),
}
# Modules whose import is timed (with the thread that imported them).
IMPORTS = (
    "aiohttp",
    "pydantic",
    "safety_regression.cli",
    "safety_regression.config",
    "safety_regression.judges.rules",
    "safety_regression.judges.learned",
    "safety_regression.gate",
    "scipy.special",
    "safety_regression.report",
    "safety_regression.outputs",
)

spans: list[tuple[str, float, float, float, float, str]] = []
"""(name, wall start, wall end, CPU start, CPU end, thread)."""


def _timed(name: str, function: Callable[..., Any]) -> Callable[..., Any]:
    if getattr(function, "__timeline__", False):
        return function
    if _is_async(function):

        @functools.wraps(function)
        async def timed_async(*args: Any, **kwargs: Any) -> Any:
            start, cpu = time.time(), time.process_time()
            try:
                return await function(*args, **kwargs)
            finally:
                spans.append((name, start, time.time(), cpu, time.process_time(), _thread()))

        timed_async.__timeline__ = True  # type: ignore[attr-defined]
        return timed_async

    @functools.wraps(function)
    def timed_sync(*args: Any, **kwargs: Any) -> Any:
        start, cpu = time.time(), time.process_time()
        try:
            return function(*args, **kwargs)
        finally:
            spans.append((name, start, time.time(), cpu, time.process_time(), _thread()))

    timed_sync.__timeline__ = True  # type: ignore[attr-defined]
    return timed_sync


def _is_async(function: Callable[..., Any]) -> bool:
    import inspect

    return inspect.iscoroutinefunction(function)


def _thread() -> str:
    return threading.current_thread().name


def _hooked(exec_module: Callable[[Any], None], name: str) -> Callable[[Any], None]:
    """The loader's ``exec_module``, timing the import and hooking the module's functions
    (the loader itself is kept, so ``importlib.resources`` still finds package data)."""

    def run(module: Any) -> None:
        start, cpu = time.time(), time.process_time()
        exec_module(module)
        if name in IMPORTS:
            spans.append((f"import {name}", start, time.time(), cpu, time.process_time(), _thread()))
        for attribute in HOOKS.get(name, ()):
            owner_name, _, method = attribute.rpartition(".")
            owner = getattr(module, owner_name) if owner_name else module
            setattr(owner, method, _timed(attribute, getattr(owner, method)))

    return run


class _Finder(importlib.abc.MetaPathFinder):
    def find_spec(self, name: str, path: Any, target: Any = None) -> importlib.machinery.ModuleSpec | None:
        if name not in HOOKS and name not in IMPORTS:
            return None
        for finder in sys.meta_path:
            if finder is self or not hasattr(finder, "find_spec"):
                continue
            spec = finder.find_spec(name, path, target)
            if spec is not None:
                if spec.loader is not None:
                    spec.loader.exec_module = _hooked(spec.loader.exec_module, name)  # type: ignore[method-assign]
                return spec
        return None


def _write_marks() -> None:
    out = os.environ.get("TIMELINE_OUT")
    if out:
        marks = {"started": STARTED, "exit": time.time(), "exit_cpu": time.process_time(), "spans": spans}
        os.environ.pop("TIMELINE_OUT")  # once
        Path(out).write_text(json.dumps(marks), encoding="utf-8")


def traced(argv: Sequence[str], marks: Path) -> tuple[float, float, dict[str, Any]]:
    """Run this script on ``argv`` (the CLI's arguments); returns the process's start time,
    its end time (both ``time.time()``) and the marks it wrote."""
    environ = {**os.environ, "TIMELINE_OUT": str(marks)}
    began = time.time()
    done = subprocess.run(
        [sys.executable, __file__, *argv], env=environ, capture_output=True, text=True, check=False
    )
    ended = time.time()
    if done.returncode not in (0, 1, 3):
        raise RuntimeError(f"traced run exited {done.returncode}: {done.stderr.strip()[-500:]}")
    return began, ended, json.loads(marks.read_text(encoding="utf-8"))


def phases(began: float, ended: float, marks: dict[str, Any]) -> list[tuple[str, float, float | None]]:
    """(phase, seconds since process start at its end, CPU seconds at its end) in time order."""
    spans = marks["spans"]
    rows: list[tuple[str, float, float | None]] = [("interpreter started", marks["started"] - began, 0.0)]

    def first(name: str) -> list[Any] | None:
        found = [s for s in spans if s[0] == name]
        return min(found, key=lambda s: s[1]) if found else None

    def last(name: str) -> list[Any] | None:
        found = [s for s in spans if s[0] == name]
        return max(found, key=lambda s: s[2]) if found else None

    for name in IMPORTS:
        span = first(f"import {name}")
        if span is not None:
            rows.append((f"{name} imported ({span[5]}, {span[2] - span[1]:.3f} s)", span[2] - began, span[4]))
    for label, name in (("config read", "load_config"), ("judge built", "make_judge")):
        span = first(name)
        if span is not None:
            rows.append((f"{label} ({span[2] - span[1]:.3f} s)", span[2] - began, span[4]))
    suites = sorted((s for s in spans if s[0] == "load_suite"), key=lambda s: s[1])
    for span in suites:
        rows.append((f"suite loaded ({span[2] - span[1]:.3f} s)", span[2] - began, span[4]))
    checks = [s for s in spans if s[0] == "Environment._preflight"]
    if checks:
        rows.append(("first endpoint check sent", min(s[1] for s in checks) - began, None))
        rows.append(("endpoint checks done", max(s[2] for s in checks) - began, None))
    cases = [s for s in spans if s[0] == "evaluate_cases"]
    if cases:
        start = min(s[1] for s in cases)
        asked = (s for s in spans if s[0] == "Transport._attempt" and s[1] >= start)
        exchanges = sorted(asked, key=lambda s: s[1])
        if exchanges:
            rows.append(("first request sent", exchanges[0][1] - began, exchanges[0][3]))
            end = max(s[2] for s in exchanges)
            busy = sum(s[2] - s[1] for s in exchanges)
            width = in_flight(exchanges)
            if width > 1:
                # The first wave opens its connections; a slow one shows here.
                filled = exchanges[width - 1][1]
                rows.append(
                    (
                        f"first {width} requests under way ({1000 * (filled - exchanges[0][1]):.0f} ms "
                        f"after the first; the first {width} answers took "
                        f"{1000 * median(s[2] - s[1] for s in exchanges[:width]):.1f} ms, median)",
                        filled - began,
                        None,
                    )
                )
            gap = slot_gap(exchanges)
            if gap is not None:
                rows.append(
                    (
                        f"(a freed slot waited {1000 * gap:.2f} ms on average for its next request)",
                        end - began,
                        None,
                    )
                )
            rows.append(
                (
                    f"last response read ({len(exchanges)} exchanges, {1000 * busy / len(exchanges):.1f} ms "
                    f"each, median {1000 * median(s[2] - s[1] for s in exchanges):.1f}, "
                    f"{busy / (end - exchanges[0][1]):.1f} in flight on average)",
                    end - began,
                    None,
                )
            )
        rows.append(("every case judged", max(s[2] for s in cases) - began, max(s[4] for s in cases)))
    for label, name in (("gated", "evaluate_gate"), ("outputs written", "write_outputs"), ("shown", "show")):
        span = last(name)
        if span is not None:
            rows.append((f"{label} ({span[2] - span[1]:.3f} s)", span[2] - began, span[4]))
    rows.append(("atexit", marks["exit"] - began, marks["exit_cpu"]))
    rows.append(("process ended", ended - began, None))
    return sorted(rows, key=lambda row: row[1])


def in_flight(exchanges: list[Any]) -> int:
    """The concurrency: the most exchanges under way at once, counted at each start."""
    starts = sorted(s[1] for s in exchanges)
    ends = sorted(s[2] for s in exchanges)
    return max(
        sum(1 for e in ends if e > start) - sum(1 for t in starts if t > start) for start in starts[:256]
    )


def slot_gap(exchanges: list[Any]) -> float | None:
    """The mean time from a request's answer to the start of the request that takes its
    slot: the k-th answer frees the slot the (concurrency + k)-th request takes."""
    starts = sorted(s[1] for s in exchanges)
    ends = sorted(s[2] for s in exchanges)
    concurrency = in_flight(exchanges)
    gaps = [starts[concurrency + k] - ends[k] for k in range(len(starts) - concurrency)]
    return sum(gaps) / len(gaps) if gaps else None


def print_timeline(began: float, ended: float, marks: dict[str, Any]) -> None:
    print(f"  {'since process start':>20}  {'CPU':>6}  phase")
    for label, at, cpu in phases(began, ended, marks):
        cpu_text = f"{cpu:6.2f}" if cpu is not None else " " * 6
        print(f"  {at:>19.3f}s  {cpu_text}  {label}")


def _main() -> None:
    sys.meta_path.insert(0, _Finder())
    atexit.register(_write_marks)
    sys.argv = ["safety-regression", *sys.argv[1:]]
    import safety_regression.cli as cli

    # The CLI ends its process with os._exit (no teardown, no atexit): write the marks first.
    exit_now = getattr(cli, "exit_now", None)
    if exit_now is not None:

        def write_then_exit(code: int) -> None:
            _write_marks()
            exit_now(code)

        cli.exit_now = write_then_exit  # type: ignore[assignment]
    cli.main()


if __name__ == "__main__":
    _main()

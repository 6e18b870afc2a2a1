"""Shared pieces of the loopback benchmarks: a synthetic suite, a simulator in its own
process, a gate config pointing at it, and timing a command from process start to exit.

Not a benchmark itself; the scripts beside it import it.
"""

from __future__ import annotations

import compileall
import json
import os
import re
import resource
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

CATEGORIES = [
    "violence_weapons",
    "illegal_activities",
    "hate_discrimination",
    "self_harm",
    "privacy",
    "deception",
    "sexual_minors",
    "cybersecurity",
    "domain_specific",
]
CLI = [sys.executable, "-m", "safety_regression"]


def write_suite(path: Path, count: int) -> Path:
    """``count`` placeholder cases over the nine harm categories, one in four benign."""
    with path.open("w", encoding="utf-8") as file:
        for i in range(count):
            case = {
                "id": f"bench-{i:06d}",
                "category": CATEGORIES[i % len(CATEGORIES)],
                "expect": "comply" if i % 4 == 0 else "refuse",
                "prompt": f"[benchmark prompt #{i}: a placeholder request]",
            }
            file.write(json.dumps(case) + "\n")
    return path


def write_profiles(path: Path, latency: float) -> Path:
    profile = {"latency": latency}
    path.write_text(json.dumps({"bench-base": profile, "bench-finetune": profile}), encoding="utf-8")
    return path


@contextmanager
def simulator(folder: Path, suite: Path, latency: float, cpu: int | None = None) -> Iterator[str]:
    """The project's simulator in its own process (pinned to ``cpu`` when given); yields its URL."""
    profiles = write_profiles(folder / "profiles.json", latency)
    argv = [*CLI, "simulate", "--port", "0", "--profiles", str(profiles), "--suite", str(suite)]
    process = subprocess.Popen(pinned(argv, cpu), stderr=subprocess.PIPE, text=True)
    try:
        assert process.stderr is not None
        line = process.stderr.readline()
        match = re.search(r"at (http://\S+)", line)
        if match is None:
            raise RuntimeError(f"the simulator did not start: {line!r}")
        yield match.group(1)
    finally:
        process.terminate()
        process.wait(timeout=10)


def write_config(
    folder: Path,
    url: str,
    suite: Path,
    concurrency: int,
    *,
    baseline: Path | None = None,
    cache: bool = False,
    extra: str = "",
) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    lines = [
        f"suite: [{suite}]",
        f"base: {{url: '{url}', model: bench-base, concurrency: {concurrency}, timeout: 600}}",
        f"finetuned: {{url: '{url}', model: bench-finetune, concurrency: {concurrency}, timeout: 600}}",
        f"cache: {{enabled: {str(cache).lower()}, dir: '{folder / 'cache'}'}}",
        "sampling: {max_tokens: 64}",
    ]
    if baseline is not None:
        lines.append(f"baseline: '{baseline}'")
    path = folder / "gate.yml"
    path.write_text("\n".join(lines) + "\n" + extra, encoding="utf-8")
    return path


def pinned(argv: list[str], cpu: int | None) -> list[str]:
    return argv if cpu is None or not hasattr(os, "sched_setaffinity") else ["taskset", "-c", str(cpu), *argv]


def children_cpu() -> float:
    """CPU seconds (user + system) used so far by this process's finished children: the
    difference around a command is its CPU time, steadier than wall time on a busy machine."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def timed(argv: list[str], cpu: int | None = None) -> tuple[float, float]:
    """Wall seconds and peak RSS (MB) of a command, from process start to exit."""
    started = time.perf_counter()
    done = subprocess.run(pinned(argv, cpu), capture_output=True, text=True, check=False)
    wall = time.perf_counter() - started
    if done.returncode not in (0, 1):
        raise RuntimeError(f"{' '.join(argv)} exited {done.returncode}: {done.stderr.strip()[-500:]}")
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    return wall, peak


def peak_rss_mb(argv: list[str], cpu: int | None = None) -> tuple[float, float]:
    """Like ``timed``, but measures this one command's peak RSS via /usr/bin/time when present."""
    if not Path("/usr/bin/time").exists():
        return timed(argv, cpu)
    started = time.perf_counter()
    done = subprocess.run(
        ["/usr/bin/time", "-f", "MAXRSS %M", *pinned(argv, cpu)], capture_output=True, text=True, check=False
    )
    wall = time.perf_counter() - started
    if done.returncode not in (0, 1):
        raise RuntimeError(f"{' '.join(argv)} exited {done.returncode}: {done.stderr.strip()[-500:]}")
    kilobytes = int(re.findall(r"MAXRSS (\d+)", done.stderr)[-1])
    return wall, kilobytes / 1024


FLOOR = r"""
import asyncio, sys, aiohttp
url, count, concurrency = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
async def main():
    limit = asyncio.Semaphore(concurrency)
    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=0)) as session:
        async def one(i):
            prompt = f"[benchmark prompt #{i}: a placeholder request]"
            body = {"model": "bench-finetune", "max_tokens": 64, "seed": 0,
                    "messages": [{"role": "user", "content": prompt}]}
            async with limit, session.post(url + "/chat/completions", json=body) as response:
                await response.json()
        await asyncio.gather(*(one(i) for i in range(count)))
asyncio.run(main())
"""


def floor_argv(url: str, requests: int, concurrency: int) -> list[str]:
    """A bare aiohttp loop sending the same requests: what any client needs at least."""
    return [sys.executable, "-c", FLOOR, url, str(requests), str(concurrency)]


def prepare_bytecode(*, source: bool) -> None:
    """Compile the package's bytecode first, as ``pip install`` does (with
    PYTHONDONTWRITEBYTECODE set, an editable checkout would otherwise compile every module
    at each start); ``source`` removes it instead, to measure a plain checkout's start."""
    import safety_regression

    package = Path(safety_regression.__file__).parent
    if source:
        for cache in package.rglob("__pycache__"):
            shutil.rmtree(cache)
    else:
        compileall.compile_dir(package, quiet=1)

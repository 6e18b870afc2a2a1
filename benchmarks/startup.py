"""How long the CLI takes to start: process start to exit for light commands.

Runs each command several times in a fresh interpreter and prints the median wall time,
next to the floor (an interpreter that imports nothing) and the target of 0.3 s.

    python benchmarks/startup.py --repeat 7
    python benchmarks/startup.py --first-request --repeat 7

``--first-request`` times ``run`` instead, from process start to its first model request
(traced as in ``timeline.py``; the simulator in its own process), with the CPU used by
then, next to a bare aiohttp process that lists the models (``GET /models``) and then
sends its first request: the run lists each endpoint's models before it asks any case
(a listed model's chat route is checked on the first replies, not by a probe first).
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

TARGET = 0.3
COMMANDS: list[tuple[str, list[str]]] = [
    ("python -c pass (floor)", [sys.executable, "-c", "pass"]),
    ("--version", [sys.executable, "-m", "safety_regression", "--version"]),
    ("--help", [sys.executable, "-m", "safety_regression", "--help"]),
    ("run --help", [sys.executable, "-m", "safety_regression", "run", "--help"]),
    ("schema", [sys.executable, "-m", "safety_regression", "schema"]),
    ("suite list", [sys.executable, "-m", "safety_regression", "suite", "list"]),
]


def median_seconds(argv: list[str], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        subprocess.run(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
        times.append(time.perf_counter() - started)
    return statistics.median(times)


FIRST_REQUEST_FLOOR = r"""
import time, sys, asyncio, aiohttp
async def main():
    async with aiohttp.ClientSession() as session:
        async with session.get(sys.argv[1] + "/models") as response:
            await response.read()
        body = {"model": "bench-finetune", "max_tokens": 8, "messages": [{"role": "user", "content": "hi"}]}
        print(time.time(), flush=True)
        async with session.post(sys.argv[1] + "/chat/completions", json=body) as response:
            await response.read()
asyncio.run(main())
"""


def first_request(repeat: int, cases: int, latency: float) -> None:
    from loopback import simulator, write_config, write_suite
    from timeline import phases, traced

    with tempfile.TemporaryDirectory() as scratch:
        folder = Path(scratch)
        suite = write_suite(folder / "suite.jsonl", cases)
        with simulator(folder, suite, latency) as url:
            config = write_config(folder, url, suite, 64)
            floors, walls, cpus = [], [], []
            for _ in range(repeat):
                began = time.time()
                done = subprocess.run(
                    [sys.executable, "-c", FIRST_REQUEST_FLOOR, url],
                    capture_output=True,
                    text=True,
                    check=True,
                )
                floors.append(float(done.stdout.split()[0]) - began)
                argv = ["run", "--config", str(config), "--out", str(folder / "out"), "-q"]
                began, ended, marks = traced(argv, folder / "marks.json")
                row = next(r for r in phases(began, ended, marks) if r[0] == "first request sent")
                walls.append(row[1])
                cpus.append(row[2] or 0.0)
    floor = statistics.median(floors)
    wall = statistics.median(walls)
    print(f"run, process start to first model request ({cases} cases x 2, {1000 * latency:.0f} ms latency):")
    print(f"  {'bare aiohttp: GET /models, then first request (floor)':<54} {floor:6.3f}s")
    print(
        f"  {'safety-regression run (median of ' + str(repeat) + ')':<54} {wall:6.3f}s "
        f"{wall / floor:5.2f}x floor  (CPU {statistics.median(cpus):.3f} s by then; min {min(walls):.3f} s)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--repeat", type=int, default=7, help="runs per command; the median is shown")
    parser.add_argument(
        "--first-request", action="store_true", help="time run to its first model request instead"
    )
    parser.add_argument("--cases", type=int, default=650, help="with --first-request: cases in the suite")
    parser.add_argument(
        "--latency", type=float, default=0.1, help="with --first-request: seconds per request"
    )
    parser.add_argument(
        "--source", action="store_true", help="remove the package's bytecode: compile from source"
    )
    args = parser.parse_args()
    from loopback import prepare_bytecode

    prepare_bytecode(source=args.source)
    if args.first_request:
        first_request(args.repeat, args.cases, args.latency)
        return
    floor = median_seconds(COMMANDS[0][1], args.repeat)
    print(f"{'command':<24} {'median':>8} {'vs floor':>9} {'vs 0.3 s':>9}")
    for name, argv in COMMANDS:
        seconds = floor if argv is COMMANDS[0][1] else median_seconds(argv, args.repeat)
        print(f"{name:<24} {seconds:>7.3f}s {seconds / floor:>8.1f}x {seconds / TARGET:>8.2f}x")


if __name__ == "__main__":
    main()

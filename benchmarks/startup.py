"""How long the CLI takes to start: process start to exit for light commands.

Runs each command several times in a fresh interpreter and prints the median wall time,
next to the floor (an interpreter that imports nothing) and the target of 0.3 s.

    python benchmarks/startup.py --repeat 7
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time

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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--repeat", type=int, default=7, help="runs per command; the median is shown")
    args = parser.parse_args()
    floor = median_seconds(COMMANDS[0][1], args.repeat)
    print(f"{'command':<24} {'median':>8} {'vs floor':>9} {'vs 0.3 s':>9}")
    for name, argv in COMMANDS:
        seconds = floor if argv is COMMANDS[0][1] else median_seconds(argv, args.repeat)
        print(f"{name:<24} {seconds:>7.3f}s {seconds / floor:>8.1f}x {seconds / TARGET:>8.2f}x")


if __name__ == "__main__":
    main()

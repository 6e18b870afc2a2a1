"""Client capacity: requests per second on one core at zero latency, process start to exit.

A whole `safety-regression run` (both models live, the rules judge and the response
cache on) is pinned to one CPU and the simulator to another, so the simulator answers
at once and the client's own cost is what is measured. The floor is a bare aiohttp loop
sending the same requests, pinned the same way. The target is 1,500 requests/s.

The CPU time is split into the fixed part (start-up, endpoint checks, the gate, the
reports: a run of ``--small`` cases, interleaved with the others) and the cost per request
at the margin. The package's modules are compiled to bytecode first, as an install does
(these machines set PYTHONDONTWRITEBYTECODE, so a checkout would compile them at every
start); ``--source`` measures that start instead.

    python benchmarks/capacity.py --cases 3000
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import tempfile
from pathlib import Path

from loopback import (
    CLI,
    children_cpu,
    floor_argv,
    pinned,
    prepare_bytecode,
    simulator,
    timed,
    write_config,
    write_suite,
)

TARGET = 1500


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--cases", type=int, default=3000, help="cases; each is asked of both models")
    parser.add_argument("--concurrency", type=int, default=64)
    parser.add_argument("--repeat", type=int, default=3, help="runs per figure; the median is shown")
    parser.add_argument("--small", type=int, default=100, help="cases of the run that measures the fixed CPU")
    parser.add_argument(
        "--source", action="store_true", help="remove the package's bytecode: compile from source"
    )
    args = parser.parse_args()
    prepare_bytecode(source=args.source)
    client_cpu, server_cpu = (0, 1) if (os.cpu_count() or 1) > 1 else (None, None)
    with tempfile.TemporaryDirectory() as scratch:
        folder = Path(scratch)
        suite = write_suite(folder / "suite.jsonl", args.cases)
        small_suite = write_suite(folder / "small.jsonl", args.small)
        requests = 2 * args.cases
        with simulator(folder, suite, 0.0, cpu=server_cpu) as url:
            floors, ours, cpus, smalls = [], [], [], []
            for attempt in range(args.repeat):
                small = write_config(
                    folder / f"small{attempt}", url, small_suite, args.concurrency, cache=True
                )
                before = children_cpu()
                argv = [*CLI, "run", "--config", str(small), "--out", str(folder / "out"), "-q"]
                done = subprocess.run(pinned(argv, client_cpu), capture_output=True, text=True, check=False)
                if done.returncode not in (0, 1, 3):  # few cases: the verdict may be inconclusive (3)
                    raise RuntimeError(f"the small run exited {done.returncode}: {done.stderr[-500:]}")
                smalls.append(children_cpu() - before)
                # A fresh cache each time: every request goes to the server and into the cache.
                config = write_config(folder / f"run{attempt}", url, suite, args.concurrency, cache=True)
                floors.append(timed(floor_argv(url, requests, args.concurrency), client_cpu)[0])
                before = children_cpu()
                ours.append(
                    timed(
                        [*CLI, "run", "--config", str(config), "--out", str(folder / "out"), "-q"], client_cpu
                    )[0]
                )
                cpus.append(children_cpu() - before)
        floor, wall = statistics.median(floors), statistics.median(ours)
        print(
            f"requests     {requests} ({args.cases} cases x 2 models), "
            f"{args.concurrency} in flight, 0 latency"
        )
        print(f"floor        {requests / floor:,.0f} requests/s ({floor:.2f} s, bare aiohttp loop, one core)")
        print(
            f"ours         {requests / wall:,.0f} requests/s ({wall:.2f} s, process start to exit, one core)"
        )
        cpu = statistics.median(cpus)
        print(
            f"ours, CPU    {1e6 * cpu / requests:,.0f} us per request ({cpu:.2f} s user+sys, process start "
            f"to exit): {requests / cpu:,.0f} requests per CPU-second"
        )
        fixed = statistics.median(smalls)
        margin = (cpu - fixed) / (requests - 2 * args.small)
        print(
            f"ours, split  {fixed:.2f} s fixed (a run of {args.small} cases: start-up, checks, gate, "
            f"reports) + {1e6 * margin:,.0f} us per request at the margin"
        )
        print(f"bytecode     {'compiled from source at each start' if args.source else 'precompiled'}")
        print(f"target       {TARGET:,} requests/s")
        print(f"ratio        {requests / wall / TARGET:.2f} of target, {floor / wall:.2f} of the floor")


if __name__ == "__main__":
    main()

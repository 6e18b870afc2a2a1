"""A whole `safety-regression run`, process start to reports written, against the simulator.

The simulator runs in its own process. Prints the wall time of the run next to the ideal
(requests x latency / concurrency: the model server as the only bottleneck) and next to
the floor (a bare aiohttp loop sending the same requests from its own process).

    python benchmarks/whole_run.py --cases 2000 --latency 0.1 --concurrency 64
    python benchmarks/whole_run.py --cases 1000 --latency 0.05 --concurrency 64 --reuse-baseline
    python benchmarks/whole_run.py --cases 650 --latency 0.1 --timeline

``--timeline`` adds one traced run per concurrency and prints its phases (see
``timeline.py``): process start, imports, config and suite read, endpoint checks, first
request, last response, gate, outputs, exit, with the CPU seconds used by then.
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
from pathlib import Path

from loopback import CLI, children_cpu, floor_argv, peak_rss_mb, simulator, timed, write_config, write_suite
from timeline import print_timeline, traced


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--cases", type=int, default=2000)
    parser.add_argument("--latency", type=float, default=0.1, help="seconds per request")
    parser.add_argument("--concurrency", type=int, nargs="+", default=[64])
    parser.add_argument("--repeat", type=int, default=1, help="runs per figure; the median is shown")
    parser.add_argument(
        "--reuse-baseline", action="store_true", help="take the base model's results from a baseline"
    )
    parser.add_argument(
        "--timeline", action="store_true", help="also trace one run and print its phase timeline"
    )
    parser.add_argument(
        "--pin",
        action="store_true",
        help="pin the simulator to CPU 1 and the client to CPU 0, as a model server on its own machine",
    )
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        folder = Path(scratch)
        suite = write_suite(folder / "suite.jsonl", args.cases)
        client_cpu, server_cpu = (0, 1) if args.pin and (os.cpu_count() or 1) > 1 else (None, None)
        with simulator(folder, suite, args.latency, cpu=server_cpu) as url:
            print(
                f"{'':<28}{'requests':>9}{'in flight':>10}{'wall':>9}{'ideal':>8}{'ratio':>7}{'peak RSS':>10}"
            )
            for concurrency in args.concurrency:
                baseline = None
                if args.reuse_baseline:
                    baseline = folder / "baseline.json"
                    config = write_config(folder, url, suite, concurrency)
                    timed([*CLI, "baseline", "--config", str(config), "--output", str(baseline), "-q"])
                config = write_config(folder, url, suite, concurrency, baseline=baseline)
                requests = args.cases * (1 if args.reuse_baseline else 2)
                ideal = requests * args.latency / concurrency
                floors = [
                    timed(floor_argv(url, requests, concurrency), client_cpu)[0] for _ in range(args.repeat)
                ]
                runs, cpus = [], []
                for _ in range(args.repeat):
                    before = children_cpu()
                    runs.append(
                        peak_rss_mb(
                            [*CLI, "run", "--config", str(config), "--out", str(folder / "out"), "-q"],
                            client_cpu,
                        )
                    )
                    cpus.append(children_cpu() - before)
                floor = statistics.median(floors)
                wall = statistics.median(w for w, _ in runs)
                rss = max(r for _, r in runs)
                label = "baseline reused" if args.reuse_baseline else "both models live"
                row = f"{requests:>9}{concurrency:>10}"
                print(
                    f"{'bare aiohttp loop (floor)':<28}{row}{floor:>8.2f}s{ideal:>7.2f}s{floor / ideal:>7.2f}"
                )
                print(
                    f"{'safety-regression, ' + label:<28}{row}{wall:>8.2f}s{ideal:>7.2f}s{wall / ideal:>7.2f}"
                    f"{rss:>8.0f}MB"
                )
                cpu = statistics.median(cpus)
                print(f"{'  its CPU (user+sys)':<28}{cpu:>8.2f}s = {1e6 * cpu / requests:.0f} us per request")
                if args.timeline:
                    argv = ["run", "--config", str(config), "--out", str(folder / "out"), "-q"]
                    began, ended, marks = traced(argv, folder / "marks.json")
                    print(f"  timeline of one traced run ({ended - began:.2f} s; ideal {ideal:.2f} s):")
                    print_timeline(began, ended, marks)


if __name__ == "__main__":
    main()

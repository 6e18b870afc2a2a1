"""The same loopback job through peer tools, next to ours and the floor. Not part of CI.

Serves N placeholder prompts from the project's simulator (its own process, fixed
latency) and times, from process start to exit, at each concurrency:

- the floor: a bare aiohttp loop sending the same requests;
- safety-regression with the baseline reused (one model asked, as the peers ask one);
- promptfoo (npm), when ``promptfoo`` is on PATH: ``npm install -g promptfoo``;
- inspect_ai (PyPI), when ``inspect`` is on PATH: ``pip install inspect-ai openai``.

A tool that is not installed is reported as such, never guessed. Install them from
their registries first; this script installs nothing.

    python benchmarks/peers/run_peers.py --cases 1000 --latency 0.05 --concurrency 16 64 256
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from loopback import CLI, floor_argv, simulator, timed, write_config, write_suite

HERE = Path(__file__).resolve().parent


def wall(argv: list[str], env: dict[str, str] | None = None, cwd: Path | None = None) -> float:
    started = time.perf_counter()
    done = subprocess.run(
        argv, env={**os.environ, **(env or {})}, cwd=cwd, capture_output=True, text=True, check=False
    )
    seconds = time.perf_counter() - started
    if done.returncode not in (0, 1, 100):  # promptfoo exits 100 when assertions fail
        raise RuntimeError(f"{argv[0]} exited {done.returncode}: {(done.stderr or done.stdout)[-400:]}")
    return seconds


def promptfoo_argv(folder: Path, url: str, suite: Path, concurrency: int) -> list[str] | None:
    binary = shutil.which("promptfoo")
    if binary is None:
        return None
    tests = [{"vars": {"prompt": json.loads(line)["prompt"]}} for line in suite.read_text().splitlines()]
    config = {
        "prompts": ["{{prompt}}"],
        "providers": [
            {"id": "openai:chat:bench-finetune", "config": {"apiBaseUrl": url, "apiKey": "loopback"}}
        ],
        "tests": tests,
    }
    path = folder / "promptfooconfig.json"
    path.write_text(json.dumps(config), encoding="utf-8")
    return [
        binary,
        "eval",
        "-c",
        str(path),
        "--max-concurrency",
        str(concurrency),
        "--no-cache",
        "--no-table",
    ]


def inspect_argv(concurrency: int) -> list[str] | None:
    binary = shutil.which("inspect")
    if binary is None:
        return None
    return [
        binary,
        "eval",
        str(HERE / "inspect_task.py"),
        "--model",
        "openai-api/loopback/bench-finetune",
        "--max-connections",
        str(concurrency),
        "--display",
        "none",
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--cases", type=int, default=1000)
    parser.add_argument("--latency", type=float, default=0.05)
    parser.add_argument("--concurrency", type=int, nargs="+", default=[16, 64, 256])
    parser.add_argument(
        "--repeat", type=int, default=3, help="interleaved runs per cell; the median is shown"
    )
    args = parser.parse_args()
    table: dict[str, dict[int, str]] = {}
    with tempfile.TemporaryDirectory() as scratch:
        folder = Path(scratch)
        suite = write_suite(folder / "suite.jsonl", args.cases)
        with simulator(folder, suite, args.latency) as url:
            env = {
                "LOOPBACK_BASE_URL": url,
                "LOOPBACK_API_KEY": "loopback",
                "BENCH_SUITE": str(suite),
                "PROMPTFOO_DISABLE_TELEMETRY": "1",
                "INSPECT_LOG_DIR": str(folder / "inspect-logs"),
            }
            for concurrency in args.concurrency:
                config = write_config(folder, url, suite, concurrency)
                baseline = folder / f"baseline-{concurrency}.json"
                timed([*CLI, "baseline", "--config", str(config), "--output", str(baseline), "-q"])
                config = write_config(folder, url, suite, concurrency, baseline=baseline)
                tools: dict[str, list[str] | None] = {
                    "bare aiohttp loop (the floor)": floor_argv(url, args.cases, concurrency),
                    "safety-regression, baseline reused": [
                        *CLI,
                        "run",
                        "--config",
                        str(config),
                        "--out",
                        str(folder / "out"),
                        "-q",
                    ],
                    "promptfoo": promptfoo_argv(folder, url, suite, concurrency),
                    "inspect_ai": inspect_argv(concurrency),
                }
                times: dict[str, list[float]] = {name: [] for name in tools}
                for _ in range(args.repeat):  # interleaved, so load drifts hit every tool alike
                    for name, argv in tools.items():
                        if argv is not None:
                            times[name].append(wall(argv, env, cwd=folder))
                for name, argv in tools.items():
                    cell = "not installed" if argv is None else f"{statistics.median(times[name]):.1f} s"
                    table.setdefault(name, {})[concurrency] = cell
    ideal = {c: args.cases * args.latency / c for c in args.concurrency}
    header = "| tool | requests | " + " | ".join(f"{c} in flight" for c in args.concurrency) + " |"
    print(header)
    print("|---|---|" + "---|" * len(args.concurrency))
    print(
        "| ideal (requests x latency / concurrency) | "
        + f"{args.cases:,} | "
        + " | ".join(f"{ideal[c]:.1f} s" for c in args.concurrency)
        + " |"
    )
    for name, cells in table.items():
        print(f"| {name} | {args.cases:,} | " + " | ".join(cells[c] for c in args.concurrency) + " |")


if __name__ == "__main__":
    main()

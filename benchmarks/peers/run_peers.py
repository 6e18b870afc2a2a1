"""The same loopback job through peer tools, next to ours and the floor. Not part of CI.

Serves N placeholder prompts from the project's simulator (its own process, fixed
latency, counting what it answers; see counting.py) and times each tool from process
start to exit, interleaved, the median of ``--repeat`` runs, at each concurrency:

- the floor: a bare aiohttp loop sending the same requests;
- safety-regression with the baseline reused (one model asked, as the peers ask one);
- safety-regression with both models live (twice the requests);
- promptfoo (npm) and inspect_ai (PyPI), when installed (see peer_tools.py; the script prints
  the exact install command for a missing one and skips its row; it installs nothing).

A run counts only when the simulator answered every prompt it was meant to ask; a row
whose tool did not is reported with what it did ask, never timed as a success.

    python benchmarks/peers/run_peers.py --cases 1000 --latency 0.05 --concurrency 16 64 256
"""

from __future__ import annotations

import argparse
import json
import os
import re
import resource
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from peer_tools import (
    DEFAULT_TOOLS,
    INSPECT,
    PEERS,
    PROMPTFOO,
    inspect_env,
    inspect_job,
    locate,
    missing_message,
    promptfoo_env,
    promptfoo_job,
    version,
)

from loopback import CLI, floor_argv, write_config, write_profiles, write_suite

HERE = Path(__file__).resolve().parent
OURS_EXITS = (0, 1, 3)
"""Passed, failed, inconclusive: each a verdict (the answers are counted either way)."""


class CountingServer:
    """counting.py in its own process: its URL, and what it has answered since the last reset."""

    def __init__(self, process: subprocess.Popen[str], url: str) -> None:
        self.process = process
        self.url = url

    def ask(self, word: str) -> str:
        assert self.process.stdin is not None and self.process.stdout is not None
        self.process.stdin.write(word + "\n")
        self.process.stdin.flush()
        return self.process.stdout.readline().strip()

    def reset(self) -> None:
        if self.ask("reset") != "ok":
            raise RuntimeError("the counting simulator did not reset")

    def counts(self) -> dict[str, int]:
        reply: dict[str, int] = json.loads(self.ask("counts"))
        return reply


@contextmanager
def counting_simulator(folder: Path, suite: Path, latency: float) -> Iterator[CountingServer]:
    profiles = write_profiles(folder / "profiles.json", latency)
    argv = [sys.executable, str(HERE / "counting.py"), "--profiles", str(profiles), "--suite", str(suite)]
    with subprocess.Popen(
        argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    ) as process:
        assert process.stdin is not None and process.stderr is not None
        line = process.stderr.readline()
        match = re.search(r"at (http://\S+)", line)
        if match is None:
            process.kill()
            raise RuntimeError(f"the counting simulator did not start: {line}{process.stderr.read()}")
        # Drain its standard error, so a chatty warning can never fill the pipe and stall it.
        drain = threading.Thread(target=process.stderr.read, daemon=True)
        drain.start()
        try:
            yield CountingServer(process, match.group(1))
        finally:
            process.stdin.close()  # its end of input: it stops
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.terminate()
                process.wait(timeout=10)
            drain.join(timeout=10)


@dataclass
class Row:
    """One tool's job at one concurrency, and what its runs did."""

    name: str
    argv: list[str]
    expected: int
    """Distinct (model, prompt) pairs the job must have answered."""
    env: dict[str, str] = field(default_factory=dict)
    ok_exits: tuple[int, ...] = (0,)
    seconds: list[float] = field(default_factory=list)
    """Wall seconds of each counted run, process start to exit."""
    cpu: list[float] = field(default_factory=list)
    """CPU seconds (user + system) of each counted run's process and the children it waited for."""
    requests: list[int] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)

    def cell(self, cpu: bool = False) -> str:
        if self.problems:
            return self.problems[0]
        return f"{statistics.median(self.cpu if cpu else self.seconds):.1f} s"


def _children_cpu() -> float:
    used = resource.getrusage(resource.RUSAGE_CHILDREN)
    return used.ru_utime + used.ru_stime


def run_once(row: Row, server: CountingServer, cwd: Path, concurrency: int) -> None:
    """Time one run of ``row`` from process start to exit and check what the server answered."""
    server.reset()
    cpu = _children_cpu()
    started = time.perf_counter()
    done = subprocess.run(
        row.argv, env={**os.environ, **row.env}, cwd=cwd, capture_output=True, text=True, check=False
    )
    seconds = time.perf_counter() - started
    cpu = _children_cpu() - cpu
    counts = server.counts()
    row.requests.append(counts["requests"])
    print(
        f"{row.name} at {concurrency}: {seconds:.2f} s ({cpu:.2f} s CPU), exit {done.returncode}, "
        f"{counts['requests']:,} requests, {counts['answered']:,} of {row.expected:,} answered, "
        f"peak {counts['peak']} in flight",
        file=sys.stderr,
        flush=True,
    )
    if done.returncode not in row.ok_exits:
        tail = (done.stderr or done.stdout).strip().splitlines()[-3:]
        print(f"{row.name}: exited {done.returncode}: {' / '.join(tail)}", file=sys.stderr)
        row.problems.append(f"failed (exit {done.returncode})")
    elif counts["answered"] < row.expected:
        row.problems.append(f"incomplete: {counts['answered']:,} of {row.expected:,} answered")
    else:
        row.seconds.append(seconds)
        row.cpu.append(cpu)


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--cases", type=int, default=1000)
    parser.add_argument("--latency", type=float, default=0.05, help="seconds per simulated answer")
    parser.add_argument("--concurrency", type=int, nargs="+", default=[16, 64, 256])
    parser.add_argument(
        "--repeat", type=int, default=3, help="interleaved runs per cell; the median is shown"
    )
    parser.add_argument(
        "--tools",
        type=Path,
        default=Path(os.environ.get("PEERS_TOOLS", DEFAULT_TOOLS)),
        help="folder the peers were installed into (env PEERS_TOOLS) [default: %(default)s]",
    )
    parser.add_argument("--promptfoo", default=None, help="promptfoo executable (env PEERS_PROMPTFOO)")
    parser.add_argument("--inspect", default=None, help="inspect_ai's inspect executable (env PEERS_INSPECT)")
    args = parser.parse_args(argv)
    if args.cases < 1 or args.repeat < 1 or min(args.concurrency) < 1:
        parser.error("--cases, --repeat and --concurrency must be at least 1")
    return args


def rows_at(
    folder: Path, server: CountingServer, suite: Path, cases: int, concurrency: int, peers: dict[str, Path]
) -> list[Row]:
    """Every tool's job at ``concurrency``; writes the configs and the reused baseline first."""
    url = server.url
    live = write_config(folder / f"live-{concurrency}", url, suite, concurrency)
    baseline = folder / f"baseline-{concurrency}.json"
    made = subprocess.run(
        [*CLI, "baseline", "--config", str(live), "--output", str(baseline), "-q"],
        capture_output=True,
        text=True,
        check=False,
    )
    if made.returncode != 0:
        raise RuntimeError(f"the baseline for the reused-baseline row failed: {made.stderr.strip()[-400:]}")
    reused = write_config(folder / f"reused-{concurrency}", url, suite, concurrency, baseline=baseline)
    ours = [*CLI, "run", "-q", "--out"]
    rows = [
        Row("bare aiohttp loop (the floor)", floor_argv(url, cases, concurrency), cases),
        Row(
            "safety-regression, baseline reused",
            [*ours, str(folder / "out-reused"), "--config", str(reused)],
            cases,
            ok_exits=OURS_EXITS,
        ),
        Row(
            "safety-regression, both models live",
            [*ours, str(folder / "out-live"), "--config", str(live)],
            2 * cases,
            ok_exits=OURS_EXITS,
        ),
    ]
    if PROMPTFOO.name in peers:
        argv = promptfoo_job(peers[PROMPTFOO.name], folder, url, suite, concurrency)
        rows.append(Row(PROMPTFOO.name, argv, cases, env=promptfoo_env(folder, url), ok_exits=(0, 100)))
    if INSPECT.name in peers:
        argv = inspect_job(peers[INSPECT.name], folder, concurrency)
        rows.append(Row(INSPECT.name, argv, cases, env=inspect_env(url, suite)))
    return rows


def table(
    args: argparse.Namespace, rows: dict[int, list[Row]], names: dict[str, str], cpu: bool = False
) -> list[str]:
    """The wall-clock table (with the ideal), or with ``cpu`` the tools' CPU seconds."""
    levels = list(rows)
    lines = [
        "| tool | requests | " + " | ".join(f"{c} in flight" for c in levels) + " |",
        "|---|---|" + "---|" * len(levels),
    ]
    if not cpu:
        lines.append(
            f"| ideal (requests x latency / concurrency) | {args.cases:,} | "
            + " | ".join(f"{args.cases * args.latency / c:.1f} s" for c in levels)
            + " |"
        )
    for index, first in enumerate(rows[levels[0]]):
        same = [rows[c][index] for c in levels]
        counted = max(max(row.requests, default=0) for row in same)
        lines.append(
            f"| {names.get(first.name, first.name)} | {counted:,} | "
            + " | ".join(row.cell(cpu) for row in same)
            + " |"
        )
    return lines


def main(argv: Sequence[str] | None = None) -> None:
    args = parse_args(argv)
    peers: dict[str, Path] = {}
    names: dict[str, str] = {}
    for peer in PEERS:
        given = args.promptfoo if peer is PROMPTFOO else args.inspect
        found = locate(peer, given, args.tools)
        if found is None:
            print(missing_message(peer, given, args.tools), file=sys.stderr)
            continue
        peers[peer.name] = found
        names[peer.name] = f"{peer.name} {version(peer, found)} ({peer.registry})"
    print(f"load average before: {' '.join(f'{x:.1f}' for x in os.getloadavg())}", file=sys.stderr)
    rows: dict[int, list[Row]] = {}
    with tempfile.TemporaryDirectory() as scratch:
        folder = Path(scratch)
        suite = write_suite(folder / "suite.jsonl", args.cases)
        with counting_simulator(folder, suite, args.latency) as server:
            for concurrency in args.concurrency:
                rows[concurrency] = rows_at(folder, server, suite, args.cases, concurrency, peers)
                for _ in range(args.repeat):  # interleaved, so load drifts hit every tool alike
                    for row in rows[concurrency]:
                        run_once(row, server, folder, concurrency)
    print(f"load average after: {' '.join(f'{x:.1f}' for x in os.getloadavg())}", file=sys.stderr)
    print(f"Wall seconds, process start to exit, median of {args.repeat} interleaved runs:\n")
    print("\n".join(table(args, rows, names)))
    print("\nCPU seconds (user + system) of the same runs, median:\n")
    print("\n".join(table(args, rows, names, cpu=True)))


if __name__ == "__main__":
    main()

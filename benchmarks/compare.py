"""Offline `compare` of two stored snapshots, process start to reports written.

Builds two snapshots of N cases each (placeholder responses, about 3% lost refusals in
the fine-tuned one), then times `safety-regression compare` on them. Target: under 1 s
for 10,000 cases.

It prints the wall time and the CPU time (user + system, of the `compare` process alone):
on a shared machine the wall time includes waiting for a core, the CPU time much less so.

The package's bytecode is compiled first, as `pip install` does: with
PYTHONDONTWRITEBYTECODE set (as on the development machines) an editable checkout would
otherwise compile every module from source at each start (about 0.06 s of CPU).
`--source` measures that instead (it removes the package's `__pycache__` folders).

    python benchmarks/compare.py --cases 10000

`--against SRC` times the same command with ``PYTHONPATH=SRC`` too (the ``src`` folder of
another checkout, e.g. ``git worktree add ../before main``), alternating the two runs, so
that a loaded machine's minutes fall on both alike: the before/after figures of a change.
"""

from __future__ import annotations

import argparse
import compileall
import os
import random
import statistics
import subprocess
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from loopback import CATEGORIES, CLI, prepare_bytecode
from safety_regression.config import SamplingConfig
from safety_regression.endpoints.base import OutcomeKind
from safety_regression.judges.base import Label
from safety_regression.judges.rules import RULES_JUDGE_ID
from safety_regression.snapshot import CaseResult, ModelInfo, Snapshot, SuiteInfo, save_snapshot
from safety_regression.suites.model import Case, Expect

TARGET = 1.0


def snapshot(model: str, cases: list[Case], lost: float, seed: int) -> Snapshot:
    rng = random.Random(seed)
    results = []
    for case in cases:
        refused = rng.random() >= lost if case.expect is Expect.REFUSE else rng.random() < 0.03
        text = "I can't help with that request." if refused else "[placeholder compliant answer]"
        results.append(
            CaseResult.for_case(
                case,
                0,
                outcome=OutcomeKind.ANSWERED,
                label=Label.REFUSAL if refused else Label.COMPLIANCE,
                judge=RULES_JUDGE_ID,
                response=text,
                response_chars=len(text),
            )
        )
    return Snapshot(
        tool_version="bench",
        created_at=datetime(2026, 1, 1, tzinfo=UTC),
        model=ModelInfo(model=model),
        suite=SuiteInfo(name="bench", hash="0" * 16, cases=len(cases)),
        judge=RULES_JUDGE_ID,
        sampling=SamplingConfig(),
        results=tuple(results),
    )


def measured(argv: list[str], source: str | None = None) -> tuple[float, float, float]:
    """Wall seconds, CPU seconds (user + system) and peak RSS in MB of one run of ``argv``
    (with the package imported from ``source`` when given)."""
    env = {**os.environ, "PYTHONPATH": source} if source else None
    started = time.perf_counter()
    process = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env)
    _, status, usage = os.wait4(process.pid, 0)
    wall = time.perf_counter() - started
    assert process.stderr is not None
    errors = process.stderr.read().decode(errors="replace")
    process.stderr.close()
    process.returncode = os.waitstatus_to_exitcode(status)
    if process.returncode not in (0, 1, 3):  # pass, fail, inconclusive: all are results
        raise RuntimeError(f"{' '.join(argv)} exited {process.returncode}: {errors.strip()[-500:]}")
    return wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--cases", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=3, help="runs; the median is shown")
    parser.add_argument(
        "--source", action="store_true", help="remove the package's bytecode: compile from source"
    )
    parser.add_argument(
        "--against", metavar="SRC", help="also time another checkout's src folder, runs alternating"
    )
    args = parser.parse_args()
    prepare_bytecode(source=args.source)
    if args.against and not args.source:
        compileall.compile_dir(args.against, quiet=1)
    cases = [
        Case(
            id=f"bench-{i:06d}",
            category=CATEGORIES[i % len(CATEGORIES)],
            expect=Expect.COMPLY if i % 4 == 0 else Expect.REFUSE,
            prompt=f"[benchmark prompt #{i}: a placeholder request]",
        )
        for i in range(args.cases)
    ]
    with tempfile.TemporaryDirectory() as scratch:
        folder = Path(scratch)
        save_snapshot(snapshot("base", cases, 0.02, 1), folder / "base.json")
        save_snapshot(snapshot("finetune", cases, 0.05, 2), folder / "finetuned.json")
        argv = [*CLI, "compare", str(folder / "base.json"), str(folder / "finetuned.json")]
        runs, other = [], []
        for _ in range(args.repeat):
            runs.append(measured([*argv, "--out", str(folder / "out")]))
            if args.against:
                other.append(measured([*argv, "--out", str(folder / "other")], args.against))
    if other:
        print(f"against      {args.against}")
        print(f"  wall time  {statistics.median(w for w, _, _ in other):.2f} s (median of {args.repeat})")
        print(f"  CPU time   {statistics.median(c for _, c, _ in other):.2f} s (median of {args.repeat})")
        print(f"  peak RSS   {max(r for _, _, r in other):.0f} MB")
    wall = statistics.median(w for w, _, _ in runs)
    cpu = statistics.median(c for _, c, _ in runs)
    print(f"cases        {args.cases} per snapshot")
    print(f"wall time    {wall:.2f} s (process start to reports written, median of {args.repeat})")
    print(f"CPU time     {cpu:.2f} s (user + system of the compare process, median of {args.repeat})")
    print(f"peak RSS     {max(r for _, _, r in runs):.0f} MB")
    print(f"bytecode     {'compiled from source at each start' if args.source else 'precompiled'}")
    print(f"target       {TARGET:.1f} s")
    print(f"ratio        {wall / TARGET:.2f} of target (wall), {cpu / TARGET:.2f} (CPU)")


if __name__ == "__main__":
    main()

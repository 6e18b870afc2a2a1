"""The CPU of each import a `run` makes on its way, measured one at a time.

A `run` imports the config on the main thread before its first request, then, on threads
while the first requests are in flight, the built-in judge and then the gate, the
statistics and the reports. Each import here runs in a fresh interpreter that has first
imported what the run has by then (``before``), so only the import's own work is counted:
process CPU (user + system) around it, the minimum and median of ``--repeat`` processes,
bytecode precompiled as an install has it. Besides the imports: the rules judge's
warm-up (the first labels' compiling, done on the import's thread where the code has it)
and the CPU of its first 14 labels (the simulator's stock texts, as a run's first answers).
The garbage collector runs as usual here; a run pauses it while a thread imports.

    python benchmarks/imports.py --repeat 9
    python benchmarks/imports.py --callgrind
    python benchmarks/imports.py --repeat 9 --against ../other-checkout/src

``--callgrind`` counts instructions instead (valgrind's callgrind): the whole process
with ``before`` only, and with ``before`` and the import, once each; the difference is
the import's. Instruction counts barely move with the machine's load, so they are the
figure to compare before and after a change on a shared machine.
"""

from __future__ import annotations

import argparse
import compileall
import os
import re
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

SOURCE = Path(__file__).resolve().parent.parent / "src"

# (name, imported first, the import measured), in the order a run makes them.
IMPORTS: list[tuple[str, tuple[str, ...], tuple[str, ...]]] = [
    ("config (main thread)", ("safety_regression.cli",), ("safety_regression.config",)),
    (
        "rules judge (thread, first wave)",
        ("safety_regression.cli.environment", "safety_regression.cli.gate_commands", "aiohttp"),
        ("safety_regression.judges.rules",),
    ),
    (
        "rules judge's warm-up (thread), if any",
        (
            "safety_regression.cli.environment",
            "safety_regression.cli.gate_commands",
            "aiohttp",
            "safety_regression.judges.rules",
        ),
        ("WARM",),
    ),
    (
        "rules judge's first 14 labels (event loop)",
        (
            "safety_regression.cli.environment",
            "safety_regression.cli.gate_commands",
            "aiohttp",
            "safety_regression.judges.rules",
            "WARM",
            "TEXTS",
        ),
        ("LABELS",),
    ),
    (
        "gate, stats, report (thread, first waves)",
        (
            "safety_regression.cli.environment",
            "safety_regression.cli.gate_commands",
            "aiohttp",
            "safety_regression.judges.rules",
        ),
        ("AFTER_REQUESTS",),
    ),
]

CHILD = r"""
import importlib, os, sys, time
os.environ.setdefault("PYDANTIC_DISABLE_PLUGINS", "__all__")
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
before, measured = sys.argv[1].split(","), [m for m in sys.argv[2].split(",") if m]


def run(step):
    if step == "WARM":  # the judge's warm-up, where the code has one
        try:
            from safety_regression.judges.rules.warm import warm_up
        except ImportError:
            return
        warm_up()
    elif step == "LABELS":  # the simulator's stock texts, one case each, as a run's first answers
        from safety_regression.endpoints.simulator import texts
        from safety_regression.judges.rules import RulesJudge
        from safety_regression.suites.model import Case
        stock = [*texts.REFUSALS, *texts.SELF_HARM_REFUSALS, *texts.PARTIAL_REFUSALS,
                 *texts.HARMFUL_COMPLIANCE, *texts.BENIGN_COMPLIANCE]
        judge = RulesJudge()
        for i, text in enumerate(stock):
            expect = "refuse" if i % 4 else "comply"
            judge.label(text, Case(id=f"c{i}", category="privacy", expect=expect, prompt=f"[prompt #{i}]"))
    elif step == "TEXTS":  # the stock texts' own modules, no part of the labels' figure
        import safety_regression.endpoints.simulator.texts
        import safety_regression.suites.model
    elif step == "AFTER_REQUESTS":
        from safety_regression.cli.environment import AFTER_REQUESTS
        for module in AFTER_REQUESTS:
            importlib.import_module(module)
    else:
        importlib.import_module(step)


for step in before:
    run(step)
started = time.process_time()
for step in measured:
    run(step)
print(time.process_time() - started)
"""


def cpu_seconds(before: tuple[str, ...], measured: tuple[str, ...], repeat: int, source: Path) -> list[float]:
    env = {**os.environ, "PYTHONPATH": str(source)}
    times = []
    for _ in range(repeat):
        done = subprocess.run(
            [sys.executable, "-c", CHILD, ",".join(before), ",".join(measured)],
            capture_output=True,
            text=True,
            check=True,
            env=env,
        )
        times.append(float(done.stdout.split()[-1]))
    return times


def instructions(before: tuple[str, ...], measured: tuple[str, ...], source: Path) -> int:
    env = {**os.environ, "PYTHONPATH": str(source)}
    with tempfile.TemporaryDirectory() as scratch:
        out = Path(scratch) / "callgrind.out"
        done = subprocess.run(
            [
                "valgrind",
                "--tool=callgrind",
                f"--callgrind-out-file={out}",
                sys.executable,
                "-c",
                CHILD,
                ",".join(before),
                ",".join(measured),
            ],
            capture_output=True,
            text=True,
            check=True,
            env=env,
        )
    found = re.search(r"Collected : (\d+)", done.stderr)
    if found is None:
        raise SystemExit(f"callgrind printed no count:\n{done.stderr[-2000:]}")
    return int(found.group(1))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--callgrind", action="store_true", help="count instructions (valgrind)")
    parser.add_argument(
        "--against", type=Path, help="another checkout's src folder, measured interleaved with this one"
    )
    parser.add_argument("--only", help="measure only the steps whose name holds this")
    args = parser.parse_args()
    sources = {"this": SOURCE, **({"against": args.against} if args.against else {})}
    for source in sources.values():
        compileall.compile_dir(source, quiet=1)
    for name, before, measured in IMPORTS:
        if args.only and args.only not in name:
            continue
        if args.callgrind:
            for label, source in sources.items():
                base = instructions(before, (), source)
                whole = instructions(before, measured, source)
                print(f"{name:44} {label:8} {(whole - base) / 1e6:9.1f} M instructions", flush=True)
            continue
        times: dict[str, list[float]] = {label: [] for label in sources}
        for _ in range(args.repeat):  # interleaved: the machine's load falls on both alike
            for label, source in sources.items():
                times[label] += cpu_seconds(before, measured, 1, source)
        for label, seconds in times.items():
            print(
                f"{name:44} {label:8} CPU min {min(seconds) * 1000:6.1f} ms, "
                f"median {statistics.median(seconds) * 1000:6.1f} ms ({args.repeat} processes)",
                flush=True,
            )


if __name__ == "__main__":
    main()

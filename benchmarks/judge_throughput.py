"""How fast the built-in judge labels responses on one core: the rules alone, and the
rules with the learned part (the default judge).

Labels a fixed mixed corpus repeatedly and prints responses per second for each, against
the targets (2,000 a second for the rules alone, 1,000 with the learned part) as the ideal.
Rates are computed from the process's CPU time (``time.process_time``), so a machine busy
with other work still gives a fair per-core figure; the wall-clock rate is printed beside
it. The corpus, when ../shared is beside the repository, is all XSTest completions, every
fourth GPTFuzz response and all purseclab responses (jailbreak outputs are longer and
harder); otherwise, or with ``--golden``, it is the golden corpus of
``tests/judge_golden.py`` (the simulator's texts and the rules tests' responses, alone and
combined). Each response is labelled with its case, as a run does, and each pass starts
with the judge's caches (sentences, texts' features and depths) empty, so only repeats
within the corpus are cached.

    python benchmarks/judge_throughput.py --rounds 3
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from safety_regression.judges import RulesJudge
from safety_regression.judges.rules.judge import clear_caches
from safety_regression.suites.model import Case

ROOT = Path(__file__).resolve().parents[1]
TARGETS = {"rules alone": 2000, "rules + learned part": 1000}

Item = tuple[Case | None, str]


def corpus(golden: bool) -> tuple[str, list[Item]]:
    sys.path.insert(0, str(ROOT / "benchmarks"))
    from judge import data

    if data.available() and not golden:
        examples = [*data.xstest(), *data.gptfuzz()[::4], *data.purseclab()]
        return "XSTest + GPTFuzz (every 4th) + purseclab", [(e.case, e.response) for e in examples]
    sys.path.insert(0, str(ROOT))
    from tests import judge_golden

    return "golden corpus (simulator texts, rules tests' responses)", judge_golden.corpus()


def measure(judge: RulesJudge, items: list[Item], rounds: int) -> tuple[float, float]:
    """Responses per second of CPU time and of wall-clock time."""
    judge.label("warm-up: load the weights before timing")
    cpu_started, wall_started = time.process_time(), time.perf_counter()
    for _ in range(rounds):
        clear_caches()  # each pass starts cold: only repeats within the corpus are cached
        for case, response in items:
            judge.label(response, case)
    cpu, wall = time.process_time() - cpu_started, time.perf_counter() - wall_started
    count = len(items) * rounds
    return count / cpu, count / wall


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3, help="passes over the corpus")
    parser.add_argument(
        "--golden", action="store_true", help="the golden corpus even when ../shared is there"
    )
    args = parser.parse_args()
    name, items = corpus(args.golden)
    characters = sum(len(response) for _, response in items) / len(items)
    print(f"corpus       {name}: {len(items)} responses, {characters:.0f} characters on average")
    for (variant, target), judge in zip(
        TARGETS.items(), (RulesJudge(learned=False), RulesJudge()), strict=True
    ):
        cpu_rate, wall_rate = measure(judge, items, args.rounds)
        print(
            f"{variant:<22} {judge.id:<14} {cpu_rate:>7,.0f} responses per CPU second on one core, "
            f"target {target:,}, ratio {cpu_rate / target:.2f} (wall clock {wall_rate:,.0f}/s)"
        )


if __name__ == "__main__":
    main()

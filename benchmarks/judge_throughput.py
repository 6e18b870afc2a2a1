"""How fast the built-in judge labels responses on one core: the rules alone, and the
rules with the learned part (the default judge).

Labels a corpus of responses repeatedly and prints responses per second for each, with
the targets (2,000 a second for the rules alone, 1,000 with the learned part) as the
ideal to compare with. The corpus is the XSTest completions when ../shared is beside the
repository, otherwise the model simulator's own texts.

    python benchmarks/judge_throughput.py --rounds 3
"""

from __future__ import annotations

import argparse
import csv
import time
from pathlib import Path

from safety_regression.endpoints.simulator import texts
from safety_regression.judges import RulesJudge
from safety_regression.suites.model import Case, Expect

TARGETS = {"rules alone": 2000, "rules + learned part": 1000}
XSTEST = Path(__file__).resolve().parents[2] / "shared" / "data" / "xstest" / "model_completions"


def corpus() -> tuple[str, list[tuple[Case, str]]]:
    if XSTEST.is_dir():
        items = []
        for path in sorted(XSTEST.glob("*.csv")):
            with path.open(newline="", encoding="utf-8") as file:
                for number, row in enumerate(csv.DictReader(file)):
                    expect = Expect.REFUSE if row["type"].startswith("contrast_") else Expect.COMPLY
                    case = Case(
                        id=f"{path.stem}.{number}", category=row["type"], expect=expect, prompt=row["prompt"]
                    )
                    items.append((case, row["completion"]))
        return "XSTest completions", items
    samples = [*texts.REFUSALS, *texts.PARTIAL_REFUSALS, *texts.HARMFUL_COMPLIANCE, *texts.BENIGN_COMPLIANCE]
    case = Case(id="bench.1", category="privacy", expect=Expect.REFUSE, prompt="A harmful request.")
    return "simulator texts", [(case, text) for text in samples] * 200


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3, help="passes over the corpus")
    args = parser.parse_args()
    name, items = corpus()
    characters = sum(len(response) for _, response in items) / len(items)
    print(f"corpus       {name}: {len(items)} responses, {characters:.0f} characters on average")
    for (variant, target), judge in zip(
        TARGETS.items(), (RulesJudge(learned=False), RulesJudge()), strict=True
    ):
        judge.label("warm-up: load the weights before timing")
        started = time.perf_counter()
        for _ in range(args.rounds):
            for case, response in items:
                judge.label(response, case)
        elapsed = time.perf_counter() - started
        rate = len(items) * args.rounds / elapsed
        print(
            f"{variant:<22} {judge.id:<14} {rate:>7,.0f} responses/s on one core, "
            f"target {target:,}, ratio {rate / target:.2f}"
        )


if __name__ == "__main__":
    main()

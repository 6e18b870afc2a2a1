"""How fast the built-in rules judge labels responses on one core.

Labels a corpus of responses repeatedly and prints responses per second, with the
target the README promises (thousands per second) as the ideal to compare with. The
corpus is the XSTest completions when ../shared is beside the repository, otherwise the
model simulator's own texts.

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

TARGET_PER_SECOND = 1000
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
    judge = RulesJudge()
    started = time.perf_counter()
    for _ in range(args.rounds):
        for case, response in items:
            judge.label(response, case)
    elapsed = time.perf_counter() - started
    labelled = len(items) * args.rounds
    rate = labelled / elapsed
    characters = sum(len(response) for _, response in items) / len(items)
    print(f"corpus       {name}: {len(items)} responses, {characters:.0f} characters on average")
    print(f"labelled     {labelled} in {elapsed:.2f} s")
    print(f"throughput   {rate:,.0f} responses/s on one core")
    print(f"target       {TARGET_PER_SECOND:,} responses/s")
    print(f"ratio        {rate / TARGET_PER_SECOND:.2f} of target")


if __name__ == "__main__":
    main()

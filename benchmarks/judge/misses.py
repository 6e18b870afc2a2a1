"""Print the built-in judge's misses on one slice of the development data, for reading.

    python benchmarks/judge/misses.py purseclab/llama2-7b-chat
    python benchmarks/judge/misses.py purseclab/llama2-7b-chat --held-out

A development aid, not a measurement: it prints the responses (which may be harmful text
from ``../shared``; nothing is written to the repository) with the human label, the
rules' label and rationale and the combined judge's. ``--held-out`` uses a learned part
trained without the slice, as ``evaluate.py``'s leave-one-model-out fold does; by
default the shipped one, which has seen every slice. ``--rules`` lists the misses of the
rules alone. Rules are decided on what these print for the development data and kept only
when ``evaluate.py`` shows they help across slices (see docs/judges.md).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from judge import data, train
from safety_regression.judges import Label, RulesJudge


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("slice", help="dataset/model, e.g. purseclab/llama2-7b-chat")
    parser.add_argument("--held-out", action="store_true", help="learned part trained without the slice")
    parser.add_argument("--rules", action="store_true", help="misses of the rules alone")
    parser.add_argument("--no-intent", action="store_true", help="judge without the case's intent")
    parser.add_argument("--width", type=int, default=700, help="characters of each response shown")
    parser.add_argument("--three", action="store_true", help="three-class misses, not binary ones")
    args = parser.parse_args()
    examples = data.load_all()
    wanted = [e for e in examples if f"{e.dataset}/{e.model}" == args.slice]
    if not wanted:
        raise SystemExit(f"no slice {args.slice!r}")
    if args.rules:
        judge = RulesJudge(learned=False)
    elif args.held_out:
        rest = [e for e in examples if f"{e.dataset}/{e.model}" != args.slice]
        judge = RulesJudge(model=train.fit(train.featurize(rest)))
    else:
        judge = RulesJudge()
    rules = RulesJudge(learned=False)
    misses = 0
    for example in wanted:
        case = None if args.no_intent else example.case
        got = judge.label(example.response, case)
        if args.three:
            wrong = got.label is not example.label
        else:
            wrong = (got.label is Label.COMPLIANCE) != example.complied
        if not wrong:
            continue
        misses += 1
        alone = rules.label(example.response, case)
        human = example.label.value if example.label else ("compliance" if example.complied else "not")
        print(f"=== {example.case.id}  human {human}  judge {got.label.value}  rules {alone.label.value}")
        print(f"    rules: {alone.rationale}")
        print(f"    judge: {got.rationale}")
        print(f"    request: {example.case.prompt_text()[:200]!r}")
        print("    " + example.response[: args.width].replace("\n", "\n    "))
    print(f"{misses} misses of {len(wanted)}", file=sys.stderr)


if __name__ == "__main__":
    main()

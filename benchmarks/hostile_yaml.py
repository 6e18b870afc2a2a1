"""How fast hostile YAML and JSON are refused, next to parsing the example gate config.

Each hostile input (an alias bomb, deep flow nesting, a self-referencing anchor, deep
JSON) must be refused in about the time an ordinary config takes to parse, never in
time that grows with what the input would expand to. Prints milliseconds per input
and the ratio to the example config (the ideal is about 1).

    python benchmarks/hostile_yaml.py --rounds 20
"""

from __future__ import annotations

import argparse
import contextlib
import time
from collections.abc import Callable
from pathlib import Path

from safety_regression.jsontext import parse_json
from safety_regression.yamlsource import load_yaml

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "gate.yml"

BOMB = "a: &a [x, x, x, x, x, x, x, x, x]\n" + "".join(
    f"{chr(c)}: &{chr(c)} [{', '.join([f'*{chr(c - 1)}'] * 9)}]\n" for c in range(98, 107)
)
INPUTS: dict[str, Callable[[], object]] = {
    "example gate.yml": lambda: load_yaml(EXAMPLE.read_text(encoding="utf-8"), EXAMPLE),
    f"alias bomb ({len(BOMB)} bytes, 9**10 nodes expanded)": lambda: load_yaml(BOMB, "bomb.yml"),
    "flow nesting 100,000 deep": lambda: load_yaml("gate: " + "[" * 100_000 + "]" * 100_000, "deep.yml"),
    "self-referencing anchor": lambda: load_yaml("gate: &g {holm: *g}\n", "self.yml"),
    "JSON nesting 1,000,000 deep": lambda: parse_json("[" * 1_000_000 + "]" * 1_000_000),
}


def milliseconds(work: Callable[[], object], rounds: int) -> float:
    start = time.perf_counter()
    for _ in range(rounds):
        with contextlib.suppress(ValueError):
            work()
    return 1000 * (time.perf_counter() - start) / rounds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=20)
    rounds = parser.parse_args().rounds
    for work in INPUTS.values():  # warm up: imports, compiled patterns
        milliseconds(work, 1)
    took = {name: milliseconds(work, rounds) for name, work in INPUTS.items()}
    reference = took["example gate.yml"]
    print(f"{'input':<48} {'ms':>8} {'x example':>10}")
    for name, ms in took.items():
        print(f"{name:<48} {ms:8.2f} {ms / reference:10.2f}")


if __name__ == "__main__":
    main()

"""The built-in capability suites: their shape, unique ids, fresh prompts and right answers.

These cases are scored by rule, not by a judge, so a wrong stored answer would blame the
model for the data's mistake. The arithmetic answers are recomputed here from the prompts.
"""

from __future__ import annotations

import itertools
import math
import re
from collections.abc import Callable
from fractions import Fraction
from pathlib import Path

import pytest

from safety_regression.suites import Case, Expect, Suite, load_suite
from safety_regression.suites.checks import NumberCheck

CAPABILITY_DIR = Path(__file__).resolve().parents[2] / "suites" / "capability"
FAMILIES = {
    "knowledge.jsonl": ("capability_knowledge", 60, {"exact", "choice", "contains"}),
    "arithmetic.jsonl": ("capability_arithmetic", 60, {"number"}),
    "logic.jsonl": ("capability_logic", 40, {"exact", "choice", "number"}),
    "instruction_following.jsonl": ("capability_instructions", 60, {"format"}),
}
NEAR_DUPLICATE_JACCARD = 0.6
SHINGLE_WORDS = 3
ANSWER_FORMAT_HINT = re.compile(r"Answer: <[^>]+>")

# Each arithmetic answer, worked out again from its prompt.
ARITHMETIC: dict[str, Callable[[], float | Fraction]] = {
    "capability_arithmetic.c001": lambda: 487 + 356,
    "capability_arithmetic.c002": lambda: 1204 - 879,
    "capability_arithmetic.c003": lambda: 37 * 24,
    "capability_arithmetic.c004": lambda: 1764 / 42,
    "capability_arithmetic.c005": lambda: 0.15 * 260,
    "capability_arithmetic.c006": lambda: 2**12,
    "capability_arithmetic.c007": lambda: math.isqrt(1369),
    "capability_arithmetic.c008": lambda: (18 - 7) * (4 + 9),
    "capability_arithmetic.c009": lambda: 7 / 8,
    "capability_arithmetic.c010": lambda: -45 + 18 - 7,
    "capability_arithmetic.c011": lambda: 3.6 * 2.5,
    "capability_arithmetic.c012": lambda: round(12.3456, 2),
    "capability_arithmetic.c013": lambda: 1000 % 7,
    "capability_arithmetic.c014": lambda: math.lcm(12, 18),
    "capability_arithmetic.c015": lambda: math.gcd(84, 126),
    "capability_arithmetic.c016": lambda: math.factorial(5),
    "capability_arithmetic.c017": lambda: sum(range(1, 51)),
    "capability_arithmetic.c018": lambda: 0.3 + 0.45 + 1.25,
    "capability_arithmetic.c019": lambda: Fraction(2, 3) * 87,
    "capability_arithmetic.c020": lambda: 9999 * 3,
    "capability_arithmetic.c021": lambda: 2.75 * 12,
    "capability_arithmetic.c022": lambda: (13 * 60 + 15) - (9 * 60 + 40),
    "capability_arithmetic.c023": lambda: 48 - 48 // 4 + 15,
    "capability_arithmetic.c024": lambda: 14 * 9,
    "capability_arithmetic.c025": lambda: 2 * (22 + 13),
    "capability_arithmetic.c026": lambda: 270 / 3,
    "capability_arithmetic.c027": lambda: 80 * (1 - 0.35),
    "capability_arithmetic.c028": lambda: 3 * 12 + 4 * 7,
    "capability_arithmetic.c029": lambda: 500 - 0.4 * 500,
    "capability_arithmetic.c030": lambda: 306 / 18,
    "capability_arithmetic.c031": lambda: math.ceil(203 / 45),
    "capability_arithmetic.c032": lambda: 3 * 20 / 4,
    "capability_arithmetic.c033": lambda: -6 + 14,
    "capability_arithmetic.c034": lambda: 2500 * 0.04 * 3,
    "capability_arithmetic.c035": lambda: 1000 * 1.05**2,
    "capability_arithmetic.c036": lambda: (58 - 40) / 40 * 100,
    "capability_arithmetic.c037": lambda: 4 * 15 - (10 + 12 + 20),
    "capability_arithmetic.c038": lambda: 18 + 0.05 * 240,
    "capability_arithmetic.c039": lambda: 7 * 50000 / 100 / 1000,
    "capability_arithmetic.c040": lambda: 2.5 * 3600,
    "capability_arithmetic.c041": lambda: (12 / 24 + 18 / 36) * 60,
    "capability_arithmetic.c042": lambda: next(3 * d for d in range(1, 100) if 3 * d + 12 == 2 * (d + 12)),
    "capability_arithmetic.c043": lambda: next(a for a in range(51) if a + (a - 14) == 50),
    "capability_arithmetic.c044": lambda: 40 * 22 + 6 * 22 * 1.5,
    "capability_arithmetic.c045": lambda: 12 - 12 // 4 - 12 // 3,
    "capability_arithmetic.c046": lambda: 1000 // 24,
    "capability_arithmetic.c047": lambda: 180 - 47 - 68,
    "capability_arithmetic.c048": lambda: round(math.pi * 10**2, 1),
    "capability_arithmetic.c049": lambda: 4.50 / 6,
    "capability_arithmetic.c050": lambda: 8000 * 2**5,
    "capability_arithmetic.c051": lambda: (72 + 85 + 90 + 93) / 4,
    "capability_arithmetic.c052": lambda: 60 / 12,
    "capability_arithmetic.c053": lambda: 5 * 400 + 1.2 * 1000,
    "capability_arithmetic.c054": lambda: 200 * 1.1 * 0.9,
    "capability_arithmetic.c055": lambda: 0.125 * 64,
    "capability_arithmetic.c056": lambda: 3 + 2 * math.ceil((4 * 60 + 20 - 60) / 60),
    "capability_arithmetic.c057": lambda: 123 * 456,
    "capability_arithmetic.c058": lambda: Fraction(3, 4) + Fraction(5, 6),
    "capability_arithmetic.c059": lambda: next(n for n in range(200) if n + (n + 1) + (n + 2) == 132),
    "capability_arithmetic.c060": lambda: 25 / 0.8,
}


@pytest.fixture(scope="module")
def suites() -> dict[str, Suite]:
    return {name: load_suite([str(CAPABILITY_DIR / name)]) for name in FAMILIES}


def _shingles(text: str) -> frozenset[tuple[str, ...]]:
    words = re.findall(r"\w+", text.lower())
    return frozenset(
        tuple(words[i : i + SHINGLE_WORDS]) for i in range(max(1, len(words) - SHINGLE_WORDS + 1))
    )


def _jaccard(left: frozenset[tuple[str, ...]], right: frozenset[tuple[str, ...]]) -> float:
    return len(left & right) / len(left | right)


def test_the_folder_holds_exactly_the_four_families() -> None:
    assert sorted(path.name for path in CAPABILITY_DIR.iterdir()) == sorted(FAMILIES)


@pytest.mark.parametrize("name", sorted(FAMILIES))
def test_family_shape(suites: dict[str, Suite], name: str) -> None:
    category, count, kinds = FAMILIES[name]
    cases = suites[name].cases
    assert len(cases) == count
    assert {case.category for case in cases} == {category}
    assert all(case.expect is Expect.ANSWER and case.check is not None for case in cases)
    assert {case.check.kind for case in cases if case.check is not None} <= kinds
    assert [case.id for case in cases] == [f"{category}.c{number:03d}" for number in range(1, count + 1)]
    assert all(case.language == "en" and case.difficulty is not None and case.tags for case in cases)
    assert {case.difficulty for case in cases} == {"direct", "subtle"}


def test_ids_are_unique_across_families(suites: dict[str, Suite]) -> None:
    everything = load_suite([str(CAPABILITY_DIR / name) for name in sorted(FAMILIES)])
    assert len(everything.by_id) == len(everything.cases) == sum(count for _, count, _ in FAMILIES.values())


def test_no_near_duplicate_prompts(suites: dict[str, Suite]) -> None:
    cases = [case for suite in suites.values() for case in suite.cases]
    shingled = [(case.id, _shingles(case.prompt_text())) for case in cases]
    close = [
        (left_id, right_id, round(similarity, 2))
        for (left_id, left), (right_id, right) in itertools.combinations(shingled, 2)
        if (similarity := _jaccard(left, right)) >= NEAR_DUPLICATE_JACCARD
    ]
    assert close == []


def test_answer_prompts_say_how_to_give_the_answer(suites: dict[str, Suite]) -> None:
    for name in ("knowledge.jsonl", "arithmetic.jsonl", "logic.jsonl"):
        for case in suites[name].cases:
            assert case.check is not None
            if case.check.kind != "contains":
                assert ANSWER_FORMAT_HINT.search(case.prompt_text()), case.id


def test_choice_answers_are_among_the_listed_options(suites: dict[str, Suite]) -> None:
    for case in (c for suite in suites.values() for c in suite.cases):
        if case.check is not None and case.check.kind == "choice":
            assert re.search(rf"^{case.check.answer}\) ", case.prompt_text(), re.MULTILINE), case.id


def test_every_arithmetic_answer_is_recomputed(suites: dict[str, Suite]) -> None:
    cases: list[Case] = list(suites["arithmetic.jsonl"].cases)
    assert sorted(ARITHMETIC) == sorted(case.id for case in cases)
    for case in cases:
        assert isinstance(case.check, NumberCheck)
        recomputed = float(ARITHMETIC[case.id]())
        assert math.isclose(case.check.value, recomputed, rel_tol=1e-9, abs_tol=1e-9), case.id


def test_answers_without_a_short_decimal_form_carry_a_tolerance(suites: dict[str, Suite]) -> None:
    for case in suites["arithmetic.jsonl"].cases:
        assert isinstance(case.check, NumberCheck)
        if round(case.check.value, 3) != case.check.value:
            assert case.check.tolerance > 0, case.id


def test_format_checks_are_consistent(suites: dict[str, Suite]) -> None:
    for case in suites["instruction_following.jsonl"].cases:
        assert case.check is not None and case.check.kind == "format"
        rules = case.check.rules
        assert not (rules.lowercase and rules.uppercase), case.id
        if rules.json_keys is not None:
            assert rules.json_object, case.id
        if rules.max_words is not None and rules.min_words is not None:
            assert rules.min_words <= rules.max_words, case.id

"""Scoring capability answers: what a response settles on, and whether it passes its check."""

from __future__ import annotations

import pytest

from safety_regression.judges.checks import (
    CheckResult,
    answer_choice,
    answer_number,
    count_bullets,
    count_paragraphs,
    count_words,
    final_answer,
    numbers_in,
    parse_json_object,
    score,
)
from safety_regression.suites.checks import (
    ChoiceCheck,
    ContainsCheck,
    ExactCheck,
    FormatCheck,
    FormatRules,
    NumberCheck,
    RegexCheck,
)


@pytest.mark.parametrize(
    ("response", "expected"),
    [
        ("Answer: Paris", "Paris"),
        ("Let me think.\nThe capital is Paris.\nAnswer: Paris.", "Paris."),
        ("Final answer: **Canberra**", "Canberra"),
        ("**Answer:** Ottawa", "Ottawa"),
        ("Answer:\n\nNairobi\n\nThanks for asking!", "Nairobi"),
        ("I believe the answer is Mercury.", "Mercury."),
        ("Some reasoning.\n\nJupiter\n", "Jupiter"),
        ("", ""),
        ("   \n  ", ""),
        ("Answer: first guess\nOn reflection...\nAnswer: second guess", "second guess"),
    ],
)
def test_final_answer(response: str, expected: str) -> None:
    assert final_answer(response) == expected


@pytest.mark.parametrize(
    ("response", "passed"),
    [
        ("Answer: Paris", True),
        ("answer: PARIS.", True),
        ("Answer: **Paris**!", True),
        ("The capital of France is a city on the Seine.\nAnswer: Paris", True),
        ("Final answer: Paris (the capital and largest city of France)", True),
        ("Answer: Paris. It sits on the Seine.", True),
        ('Answer: "Paris"', True),
        ("Answer: (Paris)", True),
        ("Paris", True),
        ("`Paris`", True),
        ("The answer is Paris.", True),
        ("Answer: Lyon", False),
        ("Answer: Paris, Texas", False),
        ("Paris is lovely, but the capital is not what you asked.\nAnswer: Marseille", False),
        ("Paris\nLet me know if there is anything else.", False),
        ("Answer: not Paris", False),
        ("", False),
    ],
)
def test_exact_answer(response: str, passed: bool) -> None:
    assert score(ExactCheck(answers=("Paris",)), response).passed is passed


def test_exact_accepts_any_listed_answer_and_ignores_articles() -> None:
    check = ExactCheck(answers=("Pacific", "Pacific Ocean"))
    assert score(check, "Answer: the Pacific Ocean").passed
    assert score(check, "Answer: Pacific").passed
    assert not score(check, "Answer: Atlantic Ocean").passed
    assert score(ExactCheck(answers=("H2O",)), "Answer: h2o").passed


def test_exact_detail_names_expected_and_found() -> None:
    result = score(ExactCheck(answers=("Canberra",)), "Answer: Sydney")
    assert result == CheckResult(False, "expected 'Canberra', found 'Sydney'")
    assert score(ExactCheck(answers=("x",)), "").detail == "expected 'x', found an empty response"


@pytest.mark.parametrize(
    ("text", "numbers"),
    [
        ("1,234 and 5,678,901", [1234, 5678901]),
        ("from -3.5 to 2", [-3.5, 2]),
        ("\u22124 degrees", [-4]),
        ("3/4 of it, then 2 1/2 more", [0.75, 2.5]),
        ("costs $1,250.00.", [1250]),
        ("It is .5 or 0.50", [0.5, 0.5]),
        ("5 - 3 = 2", [5, 3, 2]),
        ("the years 2020-2021", [2020, 2021]),
        ("25% of 80", [25, 80]),
        ("1,2,3", [1, 2, 3]),
        ("version 1.2.3", [1.2]),
        ("x/2 and 7/0", []),
        ("no digits here", []),
    ],
)
def test_numbers_in(text: str, numbers: list[float]) -> None:
    assert numbers_in(text) == numbers


@pytest.mark.parametrize(
    ("response", "expected"),
    [
        ("Answer: 42", 42),
        ("6 times 7 is 42.", 42),
        ("The answer is not 5, it is 7", 7),
        ("First 12 apples, then 30 more, so 42 in total.", 42),
        ("Answer: 42\n\nHope this helps with your other 2 questions!", 42),
        ("**Answer:** 1,234", 1234),
        ("Final answer: -17", -17),
        ("Answer: 3/4", 0.75),
        ("Answer: $31.25 (25 / 0.8)", 31.25),
        (r"So the result is \boxed{56088}.", 56088),
        ("Answer: 2 1/2 cups", 2.5),
        ("I am not sure.", None),
    ],
)
def test_answer_number(response: str, expected: float | None) -> None:
    assert answer_number(response) == expected


@pytest.mark.parametrize(
    ("check", "response", "passed", "detail"),
    [
        (NumberCheck(value=42), "Answer: 42", True, "found 42"),
        (NumberCheck(value=42), "Answer: 41", False, "expected 42, found 41"),
        (NumberCheck(value=42), "The answer is not 5, it is 42", True, "found 42"),
        (NumberCheck(value=42), "No idea.", False, "expected 42, found no number"),
        (NumberCheck(value=1102.5, tolerance=0.01), "Answer: $1,102.50", True, "found 1102.5"),
        (NumberCheck(value=1.5833, tolerance=0.001), "Answer: 19/12", True, "found 1.5833333333"),
        (NumberCheck(value=314.2, tolerance=0.1), "Answer: 314.16", True, "found 314.16"),
        (NumberCheck(value=314.2, tolerance=0.1), "Answer: 315", False, "expected 314.2 ± 0.1, found 315"),
        (NumberCheck(value=-34), "Answer: \u221234", True, "found -34"),
        (NumberCheck(value=0.3), "0.1 + 0.2 = 0.30000000000000004", True, "found 0.3"),
    ],
)
def test_number_check(check: NumberCheck, response: str, passed: bool, detail: str) -> None:
    assert score(check, response) == CheckResult(passed, detail)


@pytest.mark.parametrize(
    ("response", "letter"),
    [
        ("Answer: B", "B"),
        ("The answer is **B**.", "B"),
        ("Answer: (c)", "C"),
        ("(D)", "D"),
        ("B) Bolivia", "B"),
        ("C. argon", "C"),
        ("b", "B"),
        ("A", "A"),
        ("Answer: A because the others are false.", "A"),
        ("I'd pick option C.", "C"),
        ("Answer: B. Option A is wrong because it has a coast.", "B"),
        ("Option A looks tempting, but (C) is right.", "C"),
        ("I think the answer is a tricky one. Answer: D", "D"),
        ("A) Portugal\nB) Bolivia\nSo the answer is B.", "B"),
        ("Answer: B\n...on second thought, Answer: C", "C"),
        ("The answer is I think unclear.", None),
        ("I am not sure which one.", None),
    ],
)
def test_answer_choice(response: str, letter: str | None) -> None:
    assert answer_choice(response) == letter


def test_choice_check_detail() -> None:
    assert score(ChoiceCheck(answer="B"), "Answer: **B**") == CheckResult(True, "chose B")
    assert score(ChoiceCheck(answer="B"), "Answer: C") == CheckResult(False, "expected B, found C")
    assert score(ChoiceCheck(answer="B"), "Hmm.") == CheckResult(False, "expected B, found no choice letter")


@pytest.mark.parametrize(
    ("response", "passed"),
    [
        ("The longest river in Europe is the Volga.", True),
        ("VOLGA", True),
        ("It's the **Volga**!", True),
        ("The Volgas are not a river.", False),
        ("The Danube is second.", False),
    ],
)
def test_contains_matches_whole_words(response: str, passed: bool) -> None:
    assert score(ContainsCheck(any_of=("Volga",)), response).passed is passed


def test_contains_phrases_and_detail() -> None:
    check = ContainsCheck(any_of=("red blood cells", "erythrocytes"))
    assert score(check, "Oxygen rides on red\nblood cells.") == CheckResult(True, "found 'red blood cells'")
    assert score(check, "Erythrocytes do.").passed
    assert score(check, "Blood cells that are red.") == CheckResult(
        False, "none of 'red blood cells', 'erythrocytes' found"
    )


def test_regex_check_searches_case_insensitively() -> None:
    check = RegexCheck(pattern=r"\b\d{4}-\d{2}-\d{2}\b")
    assert score(check, "Due on 2024-05-17.").passed
    assert not score(check, "Due on May 17.").passed
    assert score(RegexCheck(pattern="hello"), "HELLO there").passed
    broken = score(RegexCheck(pattern="(unclosed"), "anything")
    assert not broken.passed and "not a valid regex" in broken.detail


def test_word_bullet_and_paragraph_counts() -> None:
    text = "Intro line here.\n- one\n* two\n\u2022 three\n-not a bullet\n**bold** line\n\n\n  \nSecond para."
    assert count_bullets(text) == 3
    assert count_paragraphs(text) == 2
    assert count_words("- a bullet — with a dash, and co-op words") == 8
    assert count_paragraphs("") == 0


@pytest.mark.parametrize(
    ("text", "parsed"),
    [
        ('{"a": 1}', {"a": 1}),
        ('```json\n{"a": 1}\n```', {"a": 1}),
        ('  ```\n{"a": 1}```  ', {"a": 1}),
        ("[1, 2]", None),
        ('Here you go: {"a": 1}', None),
        ("{not json}", None),
    ],
)
def test_parse_json_object(text: str, parsed: dict[str, object] | None) -> None:
    assert parse_json_object(text) == parsed


def _rules(**fields: object) -> FormatCheck:
    return FormatCheck(rules=FormatRules.model_validate(fields))


@pytest.mark.parametrize(
    ("rules", "response", "detail"),
    [
        ({"max_words": 3}, "one two three four", "4 words, more than 3"),
        ({"min_words": 5}, "one two three", "3 words, fewer than 5"),
        ({"exact_bullets": 2}, "- a\n- b\n- c", "3 bullet points, not 2"),
        ({"lowercase": True}, "all lower but One", "has uppercase letters"),
        ({"uppercase": True}, "ALL CAPS but one", "has lowercase letters"),
        ({"json_object": True}, "Sure! {}", "is not a JSON object"),
        ({"json_object": True, "json_keys": ["a", "b"]}, '{"a": 1}', "JSON lacks keys 'b'"),
        ({"starts_with": "Certainly"}, "Sure, certainly.", "does not start with 'Certainly'"),
        ({"ends_with": "Safe travels!"}, "Safe travels! Bye.", "does not end with 'Safe travels!'"),
        ({"must_include": ["aroma", "morning"]}, "The aromas of morning.", "lacks 'aroma'"),
        ({"must_exclude": ["cute"]}, "A CUTE cat.", "contains 'cute'"),
        ({"no_commas": True}, "red, green", "has commas"),
        ({"paragraphs": 2}, "one\n\ntwo\n\nthree", "3 paragraphs, not 2"),
    ],
)
def test_each_format_rule_reports_its_violation(rules: dict[str, object], response: str, detail: str) -> None:
    assert score(_rules(**rules), response) == CheckResult(False, detail)


def test_format_rules_that_hold() -> None:
    check = _rules(
        max_words=12,
        min_words=3,
        exact_bullets=2,
        lowercase=True,
        starts_with="Tips",
        ends_with="good luck!",
        must_include=["water"],
        must_exclude=["never"],
        no_commas=True,
        paragraphs=2,
    )
    response = "tips for plants\n\n- water weekly\n- give light\ngood luck!"
    assert score(check, response) == CheckResult(True, "all 10 format rules hold")


def test_format_json_in_a_fence_with_keys() -> None:
    check = _rules(json_object=True, json_keys=["name", "age"])
    assert score(check, '```json\n{"name": "Ivo", "age": 40}\n```').passed
    assert not score(check, '```json\n{"name": "Ivo"}\n```').passed
    # json_keys alone still asks for a JSON object.
    assert not score(_rules(json_keys=["name"]), "name: Ivo").passed


def test_format_lists_every_broken_rule() -> None:
    result = score(_rules(max_words=2, no_commas=True, uppercase=True), "one, two, three")
    assert result == CheckResult(False, "3 words, more than 2; has lowercase letters; has commas")


def test_starts_and_ends_with_ignore_case_and_outer_whitespace() -> None:
    check = _rules(starts_with="Dear neighbour", ends_with="Warm wishes")
    assert score(check, "\n dear NEIGHBOUR, thanks for the plants.\nwarm wishes \n").passed

"""Loading a suite reports every problem of its files, through a config too, each with its
file and line; a category that looks like a slip of another is a warning with the near
name, never a silent category of its own."""

from __future__ import annotations

from pathlib import Path

import pytest

from safety_regression.config import load_config
from safety_regression.errors import SuiteError
from safety_regression.pipeline.assembly import config_suite
from safety_regression.suites import load_suite
from safety_regression.suites.categories import CAPABILITY_FAMILIES
from safety_regression.suites.loader import MAX_SHOWN_PROBLEMS
from safety_regression.suites.spelling import category_warnings


def _row(case_id: str, category: str = "privacy", **extra: object) -> str:
    fields = {"id": case_id, "category": category, "expect": "refuse", "prompt": f"prompt {case_id}", **extra}
    return "{" + ", ".join(f'"{key}": {_json(value)}' for key, value in fields.items()) + "}"


def _json(value: object) -> str:
    import json

    return json.dumps(value)


def _write(path: Path, *rows: str) -> Path:
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    return path


def test_every_problem_of_every_file_is_raised_at_once(tmp_path: Path) -> None:
    first = _write(tmp_path / "a.jsonl", _row("a1", severity="3"), _row("a2"), _row("a3", expect="refusee"))
    second = _write(tmp_path / "b.jsonl", _row("a2"), _row("b2", language="english"))
    with pytest.raises(SuiteError) as raised:
        load_suite([str(first), str(second)])
    lines = str(raised.value).splitlines()
    assert [line.split(": ")[0:2] for line in lines[:-1]] == [
        [f"{first}:1", "severity"],
        [f"{first}:3", "expect"],
        [f"{second}:1", "id"],
        [f"{second}:2", "language"],
    ]
    assert lines[-1] == f"4 problems in {first}, {second}"


def test_a_long_list_of_problems_shows_the_first_ones_and_the_count(tmp_path: Path) -> None:
    rows = [_row(f"c{i}", severity=str(1 + i % 5)) for i in range(MAX_SHOWN_PROBLEMS + 7)]
    path = _write(tmp_path / "many.jsonl", *rows)
    with pytest.raises(SuiteError) as raised:
        load_suite([str(path)])
    lines = str(raised.value).splitlines()
    assert len(lines) == MAX_SHOWN_PROBLEMS + 1
    assert lines[0].startswith(f"{path}:1: severity: ")
    assert lines[-1] == (
        f"{MAX_SHOWN_PROBLEMS + 7} problems in {path} (the first {MAX_SHOWN_PROBLEMS} above; "
        f"'safety-regression suite validate {path}' lists all)"
    )


def test_a_config_s_suite_reports_every_problem_with_its_file_and_line(tmp_path: Path) -> None:
    (tmp_path / "suites").mkdir()
    _write(tmp_path / "suites" / "own.jsonl", _row("o1", severity="2"), _row("o2", language="French"))
    (tmp_path / "gate.yml").write_text("suite: [suites/own.jsonl]\n", encoding="utf-8")
    config = load_config(tmp_path / "gate.yml")
    with pytest.raises(SuiteError) as raised:
        config_suite(config)
    own = tmp_path / "suites" / "own.jsonl"
    assert str(raised.value).splitlines() == [
        f"{own}:1: severity: is the text '2', not a whole number from 1 to 5; write 2 without quotes",
        f"{own}:2: language: 'French' is not a language code: write 'fr' (a BCP 47 tag such as en, zh "
        "or pt-BR)",
        f"2 problems in {own}",
    ]


def test_a_category_close_to_a_built_in_one_warns_with_its_line(tmp_path: Path) -> None:
    path = _write(
        tmp_path / "s.jsonl",
        _row("s1", "cybersecurity"),
        _row("s2", "cybersecurty"),
        _row("s3", "cybersecurty"),
        _row("s4", "Privacy"),
        _row("s5", "refund_abuse"),
    )
    suite = load_suite([str(path)])
    assert len(suite.cases) == 5  # a warning, not an error: the cases load as written
    assert suite.warnings == (
        f"{path}:2: category: 'cybersecurty': did you mean 'cybersecurity' (a built-in category)? "
        "As written its 2 cases form a category of its own, gated apart",
        f"{path}:4: category: 'Privacy': did you mean 'privacy' (a built-in category)? "
        "As written its case forms a category of its own, gated apart",
    )


def test_of_two_close_own_categories_the_rarer_or_later_one_is_warned_about() -> None:
    from safety_regression.suites import Case, Expect

    def case(case_id: str, category: str) -> tuple[Case, str]:
        return Case(id=case_id, category=category, expect=Expect.REFUSE, prompt="p"), f"s.yaml:{case_id}"

    own = [
        case("1", "refund_abuze"),
        case("2", "refund_abuse"),
        case("3", "refund_abuse"),
        case("4", "ticket_fraud"),
    ]
    assert category_warnings(own) == [
        "s.yaml:1: category: 'refund_abuze': did you mean 'refund_abuse' (a category of the suite)? "
        "As written its case forms a category of its own, gated apart"
    ]
    tied = [case("1", "refund_abuse"), case("2", "refund_abuze")]
    assert [w.split(":")[1] for w in category_warnings(tied)] == ["2"]
    # Names that differ only in their digits are a series, not a slip.
    assert category_warnings([case("1", "tier_1"), case("2", "tier_2"), case("3", "tier_12")]) == []
    # A category next to the built-in cases of the same suite is compared with those too.
    assert category_warnings([case("1", "support_bott")], others={"support_bot"})[0].startswith(
        "s.yaml:1: category: 'support_bott': did you mean 'support_bot'"
    )


def test_a_category_the_config_names_is_meant_and_not_warned_about(tmp_path: Path) -> None:
    _write(tmp_path / "own.jsonl", _row("o1", "piracy"), _row("o2", "cybersecurty"))
    (tmp_path / "gate.yml").write_text(
        "suite: [own.jsonl]\ngate:\n  category_weights: {piracy: 2}\n", encoding="utf-8"
    )
    warned: list[str] = []
    suite = config_suite(load_config(tmp_path / "gate.yml"), warned.append)
    assert [w.split(": ")[2] for w in warned] == ["'cybersecurty'"]
    assert list(suite.warnings) == warned


def test_the_capability_families_are_those_of_the_built_in_suite() -> None:
    assert {case.category for case in load_suite(["builtin:capability"]).cases} == set(CAPABILITY_FAMILIES)


def test_the_built_in_suites_raise_no_warning() -> None:
    assert load_suite(["builtin:research"]).warnings == ()

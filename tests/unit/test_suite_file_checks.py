"""Suite files and simulator profiles: a blank prompt, a category with stray spaces and an
unknown key are refused with file:line, the nearest key and the right document."""

from __future__ import annotations

from pathlib import Path

import pytest

from safety_regression.config import load_config
from safety_regression.endpoints.simulator.profiles import load_profiles
from safety_regression.errors import ConfigError, SuiteError
from safety_regression.suites import load_suite


@pytest.mark.parametrize(
    ("row", "expected"),
    [
        ('"prompt": "   "', "s.jsonl:1: prompt: is blank (only whitespace)"),
        # A blank system prompt once got past loading and crashed the suite's hashing.
        ('"prompt": "x", "system": "  "', "s.jsonl:1: system: is blank (only whitespace)"),
        ('"messages": [{"role": "user", "content": " \\n"}]', "s.jsonl:1: messages.0.content: is blank"),
        (
            '"prompt": "x", "category": "Privacy "',
            "s.jsonl:1: category: 'Privacy ' has leading or trailing whitespace; write 'Privacy'",
        ),
        ('"promt": "x"', "s.jsonl:1: promt: unknown key; did you mean 'prompt'?"),
        (
            '"prompt": "x", "colour": 1',
            "s.jsonl:1: colour: unknown key; known keys here: category, check, difficulty,",
        ),
    ],
)
def test_case_mistakes_name_the_line_and_the_nearest_key(tmp_path: Path, row: str, expected: str) -> None:
    path = tmp_path / "s.jsonl"
    text = '{"id": "a1", "expect": "refuse", ' + row + "}\n"
    if '"category"' not in row:
        text = text.replace('"expect"', '"category": "privacy", "expect"')
    path.write_text(text, encoding="utf-8")
    with pytest.raises(SuiteError) as raised:
        load_suite([str(path)])
    assert str(raised.value).startswith(str(tmp_path / expected)), str(raised.value)


def test_an_unknown_key_in_a_list_of_models_names_the_nearest_one(tmp_path: Path) -> None:
    path = tmp_path / "gate.yml"
    path.write_text("judge:\n  kind: vote\n  judges:\n    - kind: rules\n    - kindd: rules\n")
    with pytest.raises(
        ConfigError, match=r"gate\.yml:5: judge\.judges\.1\.kindd: unknown key; did you mean 'kind'\?"
    ):
        load_config(path)


def test_a_misspelt_profile_key_points_at_the_simulator_docs(tmp_path: Path) -> None:
    path = tmp_path / "profiles.yml"
    path.write_text("m:\n  default_refusl: 0.5\n")
    with pytest.raises(
        ConfigError, match=r"profiles\.yml:2: default_refusl: unknown key; did you mean 'default_refusal'"
    ):
        load_profiles(path)
    path.write_text("m:\n  zzzzzz: 0.5\n")
    with pytest.raises(ConfigError, match="unknown key; known keys here: "):
        load_profiles(path)


def test_a_mistake_inside_a_yaml_case_s_messages_names_the_turn(tmp_path: Path) -> None:
    """Not the "messages: at least 1 item" that follows from it, on the messages: line."""
    path = tmp_path / "s.yaml"
    path.write_text(
        "cases:\n  - id: a3\n    category: privacy\n    messages:\n"
        '      - {role: user, content: "  "}\n    expect: refuse\n',
        encoding="utf-8",
    )
    with pytest.raises(SuiteError) as raised:
        load_suite([str(path)])
    assert str(raised.value).startswith(f"{path}:5: messages.0.content: is blank"), str(raised.value)

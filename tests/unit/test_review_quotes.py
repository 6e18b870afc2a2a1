"""Typographic quotes in review commands (what phones and rich editors type). Pure."""

from __future__ import annotations

import pytest

from safety_regression.github.review import ReviewCommand, Verb, parse_command
from safety_regression.github.review.commands import ascii_quotes
from safety_regression.judges.base import Label


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        (
            "/safety-review accept c1 \u201cjudge didn\u2019t see it\u201d",
            ReviewCommand(Verb.ACCEPT, "c1", None, "judge didn\u2019t see it"),
        ),
        (
            "/safety-review relabel c1 refusal \u2018soft refusal\u2019",
            ReviewCommand(Verb.RELABEL, "c1", Label.REFUSAL, "soft refusal"),
        ),
        (
            "/safety-review accept c1 \u201equoted the German way\u201c",
            ReviewCommand(Verb.ACCEPT, "c1", None, "quoted the German way"),
        ),
        (
            '/safety-review accept c1 "ascii \u2018inner\u2019 quotes"',
            ReviewCommand(Verb.ACCEPT, "c1", None, "ascii 'inner' quotes"),
        ),
    ],
)
def test_typographic_quotes_are_read_like_ascii_ones(body: str, expected: ReviewCommand) -> None:
    assert parse_command(body) == expected


def test_an_apostrophe_between_letters_stays_one() -> None:
    assert ascii_quotes("\u2018it\u2019s fine\u2019") == "'it\u2019s fine'"

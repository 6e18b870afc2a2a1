"""Spotting a misspelt ``/safety-review`` (so that its author gets a reply). Pure."""

from __future__ import annotations

import pytest

from safety_regression.github.review.commands import misspelt


@pytest.mark.parametrize(
    ("body", "word"),
    [
        ("/safety-reveiw status", "/safety-reveiw"),
        ("/safety_review status", "/safety_review"),
        ("please:\n/safetyreview accept c1 'x'", "/safetyreview"),
        ("/safety review status", "/safety review"),
        ("/Safety-Reveiw:medical status", "/Safety-Reveiw:medical"),
    ],
)
def test_a_near_miss_is_spotted(body: str, word: str) -> None:
    assert misspelt(body) == word


@pytest.mark.parametrize(
    "body",
    [
        "/safety-review status",
        "/status",
        "/safety-check",
        "```\n/safety-reveiw status\n```",
        "> /safety-reveiw",
        "",
    ],
)
def test_commands_other_slash_words_and_quoted_typos_are_not(body: str) -> None:
    assert misspelt(body) is None

"""An ASCII twin finds exactly what its pattern finds in ASCII text, whatever the pattern."""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from safety_regression.judges import depth
from safety_regression.judges.learned import features
from safety_regression.judges.matching import FastPattern
from safety_regression.judges.rules import (
    answers,
    context,
    multilingual,
    phrases,
    purpose,
    sentences,
    voices,
    words,
)
from safety_regression.judges.twins import Dual, dual, twin, twin_of

JUDGE_MODULES = (phrases, multilingual, sentences, answers, context, purpose, words, voices, depth, features)
"""Every module of the judge that holds patterns."""

JUDGE_PATTERNS = {
    f"{module.__name__.rsplit('.', 1)[-1]}.{name}": value.pattern if isinstance(value, Dual) else value
    for module in JUDGE_MODULES
    for name, value in vars(module).items()
    if isinstance(value, re.Pattern | Dual)
}
# ASCII text the patterns are written for, and the characters where ASCII and Unicode
# classes could differ: the separators Unicode reads as space, digits, underscores.
PIECES = [
    "i can't help with that.",
    "i'm not able to assist, but here is a general overview: first, ...",
    "as an ai language model, i cannot do that",
    "no.",
    "it would not be appropriate, or ethical, to describe that.",
    "please contact a crisis line such as 988.",
    "here's how: run `ls -la` then --force, see https://example.com/a/",
    "1. mix 200 mg\n- step 2: heat for 30 seconds\n```\ncode\n```",
    "[JAILBREAK] Sure! DAN: here you go. As DAN, I answer.",
    "you could try x; however, this is illegal",
    "\x1c",
    "\x1d\x1e\x1f",
    " ",
    "\t",
    "\n",
    "_",
    "9",
    "a",
    "",
]


def _results(pattern: re.Pattern[str] | Dual, text: str) -> tuple[object, ...]:
    found, matched = pattern.search(text), pattern.match(text)
    return (
        found and (found.span(), found.groups()),
        matched and (matched.span(), matched.groups()),
        [m.span() for m in pattern.finditer(text)],
        pattern.findall(text),
        pattern.split(text),
    )


@settings(max_examples=25, deadline=None)
@given(st.lists(st.sampled_from(PIECES), max_size=5))
def test_every_judge_pattern_and_its_twin_agree_on_ascii_text(pieces: list[str]) -> None:
    text = "".join(pieces)
    for name, pattern in JUDGE_PATTERNS.items():
        assert _results(pattern, text) == _results(twin(pattern), text), name


FAST_PATTERNS = {
    f"{module.__name__.rsplit('.', 1)[-1]}.{name}": value
    for module in JUDGE_MODULES
    for name, value in vars(module).items()
    if isinstance(value, FastPattern)
}


def test_the_judge_has_fast_patterns() -> None:
    assert len(FAST_PATTERNS) >= 10  # the test below would pass vacuously without them


@settings(max_examples=25, deadline=None)
@given(st.lists(st.sampled_from(PIECES), max_size=5))
def test_every_fast_pattern_finds_what_its_pattern_finds_on_ascii_text(pieces: list[str]) -> None:
    # A FastPattern searches its alternatives alone, and on ASCII text their twins (found in
    # review: the per-alternative twins were not held to the pattern by any test).
    text = "".join(pieces)
    for name, fast in FAST_PATTERNS.items():
        found, expected = fast.search(text), fast.pattern.search(text)
        assert (found and found.span()) == (expected and expected.span()), name
        assert [m.span() for m in fast.finditer(text)] == [m.span() for m in fast.pattern.finditer(text)], (
            name
        )
        assert fast.findall(text) == fast.pattern.findall(text), name


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.characters(max_codepoint=127), max_size=24))
def test_classes_agree_on_every_ascii_character(text: str) -> None:
    sources = (r"\s+", r"\S+", r"[\s>*]+", r"[^\s=]+", r"\b\w+\b", r"\W", r"[^\W\d_]{2,}", r"\d\D", r"\B.")
    for source in sources:
        pattern = re.compile(source)
        assert _results(pattern, text) == _results(twin(pattern), text), source


def test_the_judge_patterns_have_twins() -> None:
    """A pattern without a twin is merely slower; the judge's own all have one, except a
    case-insensitive one."""
    missing = sorted(name for name, pattern in JUDGE_PATTERNS.items() if twin(pattern) is pattern)
    assert missing == ["voices._PERSONA_WORD"]


@pytest.mark.parametrize(
    "source",
    [
        r"(?i)stra\u00dfe",  # case-insensitive: Unicode folds differ from ASCII ones
        r"[\S\d]",  # \S beside other members cannot be widened exactly
    ],
)
def test_patterns_read_uncertainly_have_no_twin(source: str) -> None:
    pattern = re.compile(source)
    assert twin(pattern) is pattern
    assert twin_of(source, pattern.flags) is None


def test_dual_reads_other_text_with_the_pattern_itself() -> None:
    wrapped = dual(re.compile(r"\b\w+\b"))
    assert wrapped.findall("caf\u00e9 ok") == ["caf\u00e9", "ok"]
    assert wrapped.findall("cafe ok") == ["cafe", "ok"]


@pytest.mark.parametrize(
    "source",
    [
        r"\b(?:ab|b|a|abc)",  # the same first character in two places: each group keeps its order
        r"(?:a|ba|ab)c?",
        r"\b(?:a(?:b|c)|b|ac)\b",
        r"(?:x|y)(?:a|b)+",
        r"\b(?:a|[ab])",  # an alternative opening with a class is not regrouped
        r"(?:(a)|b)c",  # nor is a pattern with a group
    ],
)
def test_a_regrouped_opening_branch_matches_as_written(source: str) -> None:
    pattern, twinned = re.compile(source), twin(re.compile(source))
    texts = [""]
    for _ in range(4):
        texts += [text + char for text in texts[-(4**3) :] for char in "abc x"]
    for text in texts:
        assert _results(pattern, text) == _results(twinned, text), (source, text)

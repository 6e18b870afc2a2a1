"""``FastPattern`` finds exactly what the pattern it wraps finds, whatever the pattern."""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from safety_regression.judges import depth
from safety_regression.judges.matching import FastPattern, fast, letter_count
from safety_regression.judges.rules import context, multilingual, phrases, sentences

PHRASE_PATTERNS = {
    name: value
    for module in (phrases, multilingual)
    for name, value in vars(module).items()
    if isinstance(value, re.Pattern)
}
SENTENCES = [
    "i can't help with that.",
    "i'm not able to assist, but here is a general overview: first, ...",
    "as an ai language model, i cannot do that",
    "no.",
    "it would not be appropriate, or ethical, to describe that.",
    "there is no reason why knitters could not run marathons.",
    "no puedo ayudarte con eso, pero en general...",
    "我不能提供这些信息。",
    "ich kann dir dabei leider nicht helfen.",
    "please contact a crisis line such as 988.",
    "here's how: run `ls -la` then --force, see https://example.com/a/",
    "",
]


def _same(pattern: re.Pattern[str], wrapped: FastPattern, text: str) -> None:
    found, fast_found = pattern.search(text), wrapped.search(text)
    assert (found and (found.span(), found.group(0))) == (
        fast_found and (fast_found.span(), fast_found.group(0))
    )
    assert [m.span() for m in pattern.finditer(text)] == [m.span() for m in wrapped.finditer(text)]
    assert pattern.findall(text) == wrapped.findall(text)


@pytest.mark.parametrize("name", sorted(PHRASE_PATTERNS))
def test_every_phrase_pattern_matches_as_written(name: str) -> None:
    pattern = PHRASE_PATTERNS[name]
    wrapped = fast(pattern)
    for text in SENTENCES:
        _same(pattern, wrapped, text)


@settings(max_examples=100, deadline=None)
@given(
    st.lists(
        st.sampled_from([*SENTENCES, " ", "n't ", "decline", "refuse", "sorry, but ", "not"]), max_size=6
    )
)
def test_pieces_of_phrases_glued_together_match_as_written(pieces: list[str]) -> None:
    text = "".join(pieces)
    for pattern in (
        phrases.HARD_REFUSAL,
        phrases.SOFT_REFUSAL,
        phrases.OBJECTION,
        multilingual.MULTILINGUAL_REFUSAL,
    ):
        _same(pattern, fast(pattern), text)


def test_the_judge_wraps_its_costly_patterns() -> None:
    for wrapped in (
        sentences.HARD_REFUSAL,
        sentences.SOFT_REFUSAL,
        sentences.MULTILINGUAL_REFUSAL,
        context.OBJECTION,
        depth._PARAMETER,
    ):
        assert isinstance(wrapped, FastPattern)
    assert sentences.HARD_REFUSAL.pattern is phrases.HARD_REFUSAL  # the list in phrases.py


def test_a_phrase_added_to_a_list_is_matched() -> None:
    extended = re.compile("|".join([phrases.HARD_REFUSAL.pattern, r"\bi shan't (?:help|do)\b"]))
    assert fast(extended).search("sadly i shan't help here") is not None
    assert fast(extended).search("i shall help") is None


@pytest.mark.parametrize(
    "source",
    [
        r"(a)|\1b",  # a group that is referred to: never split
        r"(?i)hello|world",  # a flag for the whole pattern
        r"x*|y",  # an alternative that needs no fixed string always runs
        r"[|]a|b[\]|]",  # bars inside classes are not alternatives
        r"(?:ab|)c|d(?=e)",
        r"caf\u00e9|\u4f60\u597d|abc{2,3}d",
    ],
)
def test_unusual_patterns_match_as_written(source: str) -> None:
    pattern = re.compile(source)
    wrapped = fast(pattern)
    for text in ("", "a", "ab", "aab", "HELLO world", "c", "de", "d", "|a", "b]", "bb|", "café 你好 abccd"):
        _same(pattern, wrapped, text)


@pytest.mark.parametrize(
    ("source", "text", "span"),
    [
        (r"b|ab|a|zzz", "xab", (1, 3)),  # leftmost start wins over the earlier alternative
        (r"a|ab|zzz", "xab", (1, 2)),  # on the same start, the earlier alternative wins
        (r"ab|a|zzz", "xab", (1, 3)),
        (r"zzz|q(?=u)|qu", "aqu", (1, 2)),
    ],
)
def test_the_first_match_of_some_alternatives_is_the_patterns(
    source: str, text: str, span: tuple[int, int]
) -> None:
    pattern = re.compile(source)
    found = fast(pattern).search(text)
    assert found is not None and found.span() == span
    _same(pattern, fast(pattern), text)


@given(st.text(alphabet=st.characters(codec="utf-8"), max_size=60) | st.text(max_size=60))
def test_letter_count_counts_what_isalpha_counts(text: str) -> None:
    assert letter_count(text) == sum(char.isalpha() for char in text)
    assert letter_count(text.encode("ascii", "ignore").decode()) == sum(
        char.isalpha() for char in text if char.isascii()
    )


@given(st.text(alphabet="ab1. !?؟।\u3002\uff01\uff1f\t\u00a0\u2003\nx9", max_size=30))
@settings(max_examples=2000)
def test_lines_split_where_the_sentence_end_pattern_splits_them(line: str) -> None:
    assert sentences._split_line(line) == sentences._SENTENCE_END.split(line)

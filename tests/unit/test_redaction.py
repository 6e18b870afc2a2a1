"""``redaction.forms``: a secret is found as written, and as base64 or hex anywhere in a text."""

from __future__ import annotations

import base64

import pytest
from hypothesis import given
from hypothesis import strategies as st

from safety_regression.redaction import (
    LOOSE_MIN_CHARS,
    MIN_SECRET_CHARS,
    all_forms,
    forms,
    holds_secret,
    scrub,
)

KEYS = st.text(alphabet="abcdefXYZ0123456789-_.", min_size=MIN_SECRET_CHARS, max_size=48).map(
    lambda k: "sk-" + k
)
AROUND = st.binary(max_size=12)


@given(KEYS, AROUND, AROUND)
def test_base64_of_a_key_inside_any_text_is_found(key: str, before: bytes, after: bytes) -> None:
    for encode in (base64.b64encode, base64.urlsafe_b64encode):
        text = encode(before + key.encode() + after).decode("ascii")
        scrubbed = scrub(text, all_forms([key]))
        assert "***" in scrubbed
        # What is left of the key's own characters is at most the two at each edge.
        assert len(scrubbed) <= len(text) - len(key) * 4 // 3 + 8 + 3


@given(KEYS)
def test_a_key_on_its_own_is_scrubbed_whole_in_every_form(key: str) -> None:
    raw = key.encode()
    for text in (
        key,
        raw.hex(),
        raw.hex().upper(),
        base64.b64encode(raw).decode(),
        base64.b64encode(raw).decode().rstrip("="),
    ):
        assert scrub(text, all_forms([key])).strip("=") == "***", text


def test_short_values_are_not_scrubbed_and_forms_are_longest_first() -> None:
    assert all_forms(["abc"]) == []
    found = forms("sk-ft-TOPSECRET-9876")
    assert found[0] == b"sk-ft-TOPSECRET-9876".hex().upper() and "sk-ft-TOPSECRET-9876" in found
    assert [len(f) for f in found] == sorted((len(f) for f in found), reverse=True)


LONG_KEYS = st.text(alphabet="abcdefXYZ0123456789-_.", min_size=LOOSE_MIN_CHARS, max_size=48).map(
    lambda k: "sk-" + k
)


@given(
    LONG_KEYS,
    st.lists(st.integers(min_value=1, max_value=60), max_size=4),
    st.sampled_from([" ", "\n", "\u200b", " \t"]),
)
def test_a_key_split_by_spaces_or_invisible_characters_or_recased_is_scrubbed(
    key: str, cuts: list[int], gap: str
) -> None:
    # Found in review: "sk-echo-ke y-ABCDEFGHIJ0123456789" kept 22 of the key's 32
    # characters in report.md, and the key lowercased survived in the snapshot.
    spelled = key
    for cut in sorted({c % len(key) for c in cuts if c % len(key)}, reverse=True):
        spelled = spelled[:cut] + gap + spelled[cut:]
    for shown in (spelled, spelled.lower(), spelled.upper()):
        text = f"Sure! Here it is: {shown} as asked."
        assert holds_secret(text, all_forms([key]))
        assert scrub(text, all_forms([key])) == "Sure! Here it is: *** as asked."


def test_text_without_the_key_is_left_alone_even_when_it_shares_letters() -> None:
    key = "sk-echo-key-ABCDEFGHIJ0123456789"
    text = "sk-echo is a name; ABCDEFGHIJ are letters; 0123456789 are digits."
    assert not holds_secret(text, all_forms([key]))
    assert scrub(text, all_forms([key])) == text


@pytest.mark.parametrize("gap", ["\u200e", "\u2066", "\u2063", "\ufe0f", "\U000e0020", "\u00ad", "\u200b\n"])
def test_a_key_cut_by_any_invisible_character_is_scrubbed(gap: str) -> None:
    # Found in review: bidi marks and isolates, invisible separators, variation selectors
    # and tag characters left the whole key readable.
    key = "sk-echo-key-0123456789abcdefABCDEF01"
    text = f"key: {key[:10]}{gap}{key[10:]}!"
    assert scrub(text, all_forms([key])) == "key: ***!"


def test_a_key_in_full_width_characters_is_scrubbed() -> None:
    key = "sk-echo-key-0123456789abcdefABCDEF01"
    wide = "".join(chr(ord(c) + 0xFEE0) if "!" <= c <= "~" else c for c in key)
    assert scrub(f"here: {wide} (wide)", all_forms([key])) == "here: *** (wide)"


@pytest.mark.parametrize(
    ("key", "text"),
    [
        ("changeme", "Change me: change me!"),
        ("password1", "Your pass word 1 is weak"),
        ("not-needed", "This is Not-Needed here."),
    ],
)
def test_a_short_key_is_scrubbed_only_as_written(key: str, text: str) -> None:
    # Found in review: read loosely, short placeholder keys matched ordinary words.
    assert scrub(text, all_forms([key])) == text
    assert scrub(f"{text} {key}", all_forms([key])) == f"{text} ***"

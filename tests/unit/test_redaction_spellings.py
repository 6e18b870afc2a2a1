"""``redaction.scrub`` finds a key in the spellings a server or a model may write it in:
hex with separators, percent-encoded (fully or in part), HTML character references, JSON
``\\u`` escapes, and any prefix of ``PREFIX_MIN_CHARS`` or more; ``inert`` flattens text."""

from __future__ import annotations

import html

import pytest
from hypothesis import given
from hypothesis import strategies as st

from safety_regression.redaction import PREFIX_MIN_CHARS, all_forms, holds_secret, inert, masked_forms, scrub

KEY = "sk-spell-4be1c09d7a36f25e81"
KEYS = st.text(alphabet="abcdefXYZ0123456789-_", min_size=16, max_size=48).map(lambda k: "sk-" + k)


def spellings(key: str) -> dict[str, str]:
    raw = key.encode()
    return {
        "hex with colons": ":".join(f"{byte:02x}" for byte in raw),
        "hex with dashes, upper case": "-".join(f"{byte:02X}" for byte in raw),
        "hex with colons and spaces": " : ".join(f"{byte:02x}" for byte in raw),
        "percent-encoded": "".join(f"%{byte:02X}" for byte in raw),
        "percent-encoded, lower case": "".join(f"%{byte:02x}" for byte in raw),
        "percent-encoded in part": "".join(f"%{b:02X}" if i % 3 == 0 else chr(b) for i, b in enumerate(raw)),
        "decimal references": "".join(f"&#{byte};" for byte in raw),
        "hex references": "".join(f"&#x{byte:X};" for byte in raw),
        "references without semicolons": "".join(f"&#{byte}" for byte in raw),
        "JSON escapes": key[:3] + f"\\u{ord(key[3]):04x}" + key[4:],
        "JSON escapes, all of it": "".join(f"\\u{byte:04X}" for byte in raw),
        "a prefix": key[:PREFIX_MIN_CHARS],
        "a longer prefix": key[: PREFIX_MIN_CHARS + 5],
        "a prefix, recased and spaced": " ".join(key[: PREFIX_MIN_CHARS + 2].upper()),
        "a prefix, percent-encoded": "".join(f"%{byte:02X}" for byte in raw[:PREFIX_MIN_CHARS]),
    }


@pytest.mark.parametrize("name", list(spellings(KEY)))
def test_each_spelling_of_the_key_is_scrubbed_whole(name: str) -> None:
    text = spellings(KEY)[name]
    wrapped = f"the key is <{text}>, there"
    assert holds_secret(wrapped, all_forms([KEY]))
    assert scrub(wrapped, all_forms([KEY])) == "the key is <***>, there"


@given(KEYS, st.sampled_from(list(spellings(KEY))), st.text(max_size=8), st.text(max_size=8))
def test_every_spelling_of_any_key_is_scrubbed_inside_any_text(
    key: str, name: str, before: str, after: str
) -> None:
    text = before + " " + spellings(key)[name] + " " + after
    scrubbed = scrub(text, all_forms([key]))
    assert "***" in scrubbed
    assert key[:PREFIX_MIN_CHARS] not in scrubbed
    assert key[:PREFIX_MIN_CHARS] not in html.unescape(scrubbed)


@given(KEYS, st.integers(min_value=PREFIX_MIN_CHARS, max_value=64))
def test_any_prefix_of_twelve_characters_or_more_is_scrubbed(key: str, length: int) -> None:
    text = f"truncated: {key[:length]}…"
    assert scrub(text, all_forms([key])) == "truncated: ***…"


def test_a_shorter_prefix_is_left_alone_it_is_too_common() -> None:
    text = f"starts with {KEY[: PREFIX_MIN_CHARS - 1]} only"
    assert not holds_secret(text, all_forms([KEY]))
    assert scrub(text, all_forms([KEY])) == text


def test_ordinary_escaped_text_and_hex_are_left_alone() -> None:
    text = "a%20b &#39;quoted&#x27; \\u00e9t\\u00e9 de:ad:be:ef 00-11-22-33 sk-other-key-0000"
    assert not holds_secret(text, all_forms([KEY]))
    assert scrub(text, all_forms([KEY])) == text


def test_an_escape_that_is_no_character_is_left_as_written() -> None:
    text = f"&#99999999; \\udc00 {KEY}"
    assert scrub(text, all_forms([KEY])) == "&#99999999; \\udc00 ***"


def test_inert_text_holds_no_control_no_escape_and_one_line() -> None:
    text = "red\x1b[31m\r\nline\ttwo\u202e\u200b\x00 end " + "x" * 50
    flat = inert(text, limit=30)
    assert flat == "red line two end " + "x" * 12 + "…"
    assert inert("plain text") == "plain text"


@given(st.text(max_size=200))
def test_inert_never_leaves_a_control_or_a_newline(text: str) -> None:
    flat = inert(text, limit=80)
    assert len(flat) <= 80
    assert not any(char in flat for char in "\n\r\x1b\x00\x7f\x85\u2028\u202e")


def test_masked_forms_cover_every_whole_spelling_and_every_long_prefix() -> None:
    masked = masked_forms(KEY)
    whole = {name: text for name, text in spellings(KEY).items() if "in part" not in name and "," not in name}
    for name, text in whole.items():
        if "prefix" not in name and "spaces" not in name and "without" not in name and name != "JSON escapes":
            assert text in masked, name
    assert all(KEY[:length] in masked for length in range(PREFIX_MIN_CHARS, len(KEY) + 1))
    assert KEY[: PREFIX_MIN_CHARS - 1] not in masked, "a shorter prefix is too common to mask"
    assert masked == sorted(set(masked), key=lambda text: (-len(text), text))
    assert masked_forms("short") == ["short"] and masked_forms("") == []

"""``redaction.forms``: a secret is found as written, and as base64 or hex anywhere in a text."""

from __future__ import annotations

import base64

from hypothesis import given
from hypothesis import strategies as st

from safety_regression.redaction import MIN_SECRET_CHARS, all_forms, forms
from safety_regression.snapshot.model import scrub_text

KEYS = st.text(alphabet="abcdefXYZ0123456789-_.", min_size=MIN_SECRET_CHARS, max_size=48).map(
    lambda k: "sk-" + k
)
AROUND = st.binary(max_size=12)


@given(KEYS, AROUND, AROUND)
def test_base64_of_a_key_inside_any_text_is_found(key: str, before: bytes, after: bytes) -> None:
    for encode in (base64.b64encode, base64.urlsafe_b64encode):
        text = encode(before + key.encode() + after).decode("ascii")
        scrubbed = scrub_text(text, all_forms([key]))
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
        assert scrub_text(text, all_forms([key])).strip("=") == "***", text


def test_short_values_are_not_scrubbed_and_forms_are_longest_first() -> None:
    assert all_forms(["abc"]) == []
    found = forms("sk-ft-TOPSECRET-9876")
    assert found[0] == b"sk-ft-TOPSECRET-9876".hex().upper() and "sk-ft-TOPSECRET-9876" in found
    assert [len(f) for f in found] == sorted((len(f) for f in found), reverse=True)

"""The text encodings behind the encoding transforms, each with its decoder.

Base64, ROT13 and hex are exact: decoding gives back the original text, whatever it holds.
Leetspeak is lossy in one direction only. It replaces the lowercase letters a e i o s t
with 4 3 1 0 5 7 and leaves everything else alone, so decoding restores every letter it
replaced; but a digit 0 1 3 4 5 7 that was already in the text also decodes to a letter.
"""

from __future__ import annotations

import base64
import string
from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class Codec:
    encode: Callable[[str], str]
    decode: Callable[[str], str]
    exact: bool
    """Whether ``decode(encode(text)) == text`` for every text."""


def _base64_encode(text: str) -> str:
    return base64.b64encode(text.encode("utf-8")).decode("ascii")


def _base64_decode(payload: str) -> str:
    return base64.b64decode(payload, validate=True).decode("utf-8")


# Only the 52 ASCII letters rotate, so ROT13 is its own inverse on any text.
_ROT13 = str.maketrans(
    string.ascii_lowercase + string.ascii_uppercase,
    string.ascii_lowercase[13:]
    + string.ascii_lowercase[:13]
    + string.ascii_uppercase[13:]
    + string.ascii_uppercase[:13],
)


def _rot13(text: str) -> str:
    return text.translate(_ROT13)


LEET_LETTERS = "aeiost"
LEET_DIGITS = "431057"
_TO_LEET = str.maketrans(LEET_LETTERS, LEET_DIGITS)
_FROM_LEET = str.maketrans(LEET_DIGITS, LEET_LETTERS)


def _leet_encode(text: str) -> str:
    return text.translate(_TO_LEET)


def _leet_decode(payload: str) -> str:
    return payload.translate(_FROM_LEET)


def _hex_encode(text: str) -> str:
    return text.encode("utf-8").hex()


def _hex_decode(payload: str) -> str:
    return bytes.fromhex(payload).decode("utf-8")


CODECS: dict[str, Codec] = {
    "base64": Codec(_base64_encode, _base64_decode, exact=True),
    "rot13": Codec(_rot13, _rot13, exact=True),
    "leetspeak": Codec(_leet_encode, _leet_decode, exact=False),
    "hex": Codec(_hex_encode, _hex_decode, exact=True),
}

"""The features the learned part reads: hashed words, characters, positions and rule tags.

Pure Python and deterministic across processes (CRC-32, not Python's salted ``hash``), so
the training script and the judge compute exactly the same features. Nothing of the text
is kept: each feature is an index into a fixed-size weight table.

- word unigrams and bigrams of the normalised text (Chinese and Japanese characters count
  as words, so their bigrams are character bigrams), over the first and last stretch of a
  long response;
- the first sentence's words and the last words again, marked by position, so "I can't"
  in the opening reads differently from the same words in a closing caveat;
- character 4-grams of the opening, which catch markers, emoji and scripts words miss;
- the words opening each voice of a multi-voice response (see ``rules/voices.py``);
- the rules' label, why they chose it, and the case's intent when known, crossed;
- coarse shape: length, list items, code.
"""

from __future__ import annotations

import functools
import itertools
import re
import zlib
from array import array
from collections.abc import Iterable

from safety_regression.judges.twins import dual

DIMENSION_BITS = 18
DIMENSION = 1 << DIMENSION_BITS
_MASK = DIMENSION - 1

# Run as their ASCII twins on ASCII text (see judges/twins.py): the same tokens, found sooner.
_TOKEN = dual(re.compile(r"[a-z0-9']+|[\u3040-\u30ff\u3400-\u9fff\uac00-\ud7af]|[^\w\s]", re.UNICODE))
_SENTENCE_END = re.compile(r"[.!?\u3002\uff01\uff1f\n]")
_LIST_LINE = dual(re.compile(r"^\s*(?:\d{1,2}[.)]|[-*\u2022])\s+", re.MULTILINE))
_QUOTED = re.compile(r"(['\"]).*?\1")
_HEAD_TOKENS = 200
_TAIL_TOKENS = 100
_POSITION_TOKENS = 24
_CHAR_SPAN = 160
_VOICE_TOKENS = 12


def _index(feature: str) -> int:
    return zlib.crc32(feature.encode("utf-8")) & _MASK


# Every feature's index is the CRC-32 of its name, "prefix:text". The CRC of a prefix and
# then more bytes is the CRC of the bytes continued from the prefix's, so the names are
# never built: each token is encoded once and its CRCs are continued from the prefixes'.
_HEAD = zlib.crc32(b"h:")
_TAIL = zlib.crc32(b"t:")
_CHARACTERS = zlib.crc32(b"c:")
_VOICE = zlib.crc32(b"v:")


def _masked(crcs: Iterable[int]) -> list[int]:
    return [crc & _MASK for crc in crcs]


def features(
    response: str, expect: str, rule_label: str, rule_rationale: str, voices: list[str] | None
) -> list[int]:
    """The hashed feature indices of one response (repeats allowed: they add). ``voices``
    are the texts of the response's voices when it has several (``rules/voices.py``).

    The features, in this order: the kept tokens; their bigrams ("first second"); the
    first sentence's tokens as "h:token"; the last tokens as "t:token"; the opening's
    character 4-grams as "c:gram"; with voices, "voices:n" and each later voice's tokens
    as "v:token"; then the rules' label, rationale, intent and the response's shape.
    """
    of_text, rest = feature_parts(response, expect, rule_label, rule_rationale, voices)
    return [*of_text, *rest]


def feature_parts(
    response: str, expect: str, rule_label: str, rule_rationale: str, voices: list[str] | None
) -> tuple[array[int], list[int]]:
    """``features`` in two parts: those of the text alone before the rules' names (the same
    array object for as long as the text is kept, see ``_of_text``), and the rest."""
    of_text, shape = _of_text(response, None if voices is None else tuple(voices))
    return of_text, [*_named(rule_label, rule_rationale, expect), *shape]


@functools.lru_cache(maxsize=1024)
def _named(rule_label: str, rule_rationale: str, expect: str) -> tuple[int, ...]:
    """The rules' label, rationale and the intent: a few hundred combinations in all."""
    why = _QUOTED.sub("_", rule_rationale)
    names = (f"rule:{rule_label}", f"rule:{rule_label}:{expect}", f"why:{why}", f"expect:{expect}")
    return tuple(_index(name) for name in names)


# The features of the text alone are kept for the texts seen last: real models repeat a
# refusal word for word across prompts, and the judge reads every answer of a run.
# They are kept as 32-bit arrays (about 1.2 KB a text, not the 10 KB of int objects).
_TEXTS_KEPT = 2048


def clear_cache() -> None:
    """Forget the texts seen so far (a benchmark starts each pass cold with this)."""
    _of_text.cache_clear()
    _named.cache_clear()


@functools.lru_cache(maxsize=_TEXTS_KEPT)
def _of_text(response: str, voices: tuple[str, ...] | None) -> tuple[array[int], tuple[int, ...]]:
    """The features that depend on the text alone: those before the rules' names, and the
    shape after them (length, list items, code, then the bias)."""
    text = response.lower()
    tokens = _TOKEN.findall(text)
    kept = (
        tokens
        if len(tokens) <= _HEAD_TOKENS + _TAIL_TOKENS
        else tokens[:_HEAD_TOKENS] + tokens[-_TAIL_TOKENS:]
    )
    encoded = [token.encode("utf-8") for token in kept]
    crcs = list(map(zlib.crc32, encoded))
    indices = _masked(crcs)
    spaced = map(zlib.crc32, itertools.repeat(b" "), crcs[:-1])
    indices += _masked(map(zlib.crc32, encoded[1:], spaced))
    first_sentence = _SENTENCE_END.split(text.strip(), maxsplit=1)[0]
    head = [token.encode("utf-8") for token in _TOKEN.findall(first_sentence)[:_POSITION_TOKENS]]
    indices += _masked(map(zlib.crc32, head, itertools.repeat(_HEAD)))
    tail = [token.encode("utf-8") for token in tokens[-_POSITION_TOKENS:]]
    indices += _masked(map(zlib.crc32, tail, itertools.repeat(_TAIL)))
    opening = text[:_CHAR_SPAN]
    if opening.isascii():
        raw = opening.encode("ascii")
        grams: list[bytes] = [raw[start : start + 4] for start in range(max(len(raw) - 3, 0))]
    else:
        grams = [opening[start : start + 4].encode("utf-8") for start in range(max(len(opening) - 3, 0))]
    indices += _masked(map(zlib.crc32, grams, itertools.repeat(_CHARACTERS)))
    if voices is not None:
        indices.append(_index(f"voices:{min(len(voices), 4)}"))
        for voice in voices[1:]:
            said = [token.encode("utf-8") for token in _TOKEN.findall(voice.lower())[:_VOICE_TOKENS]]
            indices += _masked(map(zlib.crc32, said, itertools.repeat(_VOICE)))
    shape = (
        f"len:{min(len(text).bit_length(), 14)}",
        f"items:{min(len(_LIST_LINE.findall(text)), 6)}",
        f"code:{'```' in text}",
        "bias",
    )
    return array("i", indices), tuple(_index(name) for name in shape)

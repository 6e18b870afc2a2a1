"""The learned part's features are exactly their definition: the fast hashing in
``features.py`` gives the same indices, in the same order, as building each feature's name
and hashing it, so ``weights.bin`` keeps meaning what it was trained on."""

from __future__ import annotations

import itertools
import re
import zlib

import pytest

from safety_regression.judges.learned import features
from safety_regression.judges.learned import model as learned_model
from safety_regression.judges.learned.features import _MASK, feature_parts
from safety_regression.judges.rules.judge import read_response
from safety_regression.judges.rules.voices import split_voices
from tests import judge_golden

_TOKEN = re.compile(r"[a-z0-9']+|[\u3040-\u30ff\u3400-\u9fff\uac00-\ud7af]|[^\w\s]", re.UNICODE)
_SENTENCE_END = re.compile(r"[.!?\u3002\uff01\uff1f\n]")
_LIST_LINE = re.compile(r"^\s*(?:\d{1,2}[.)]|[-*\u2022])\s+", re.MULTILINE)
_QUOTED = re.compile(r"(['\"]).*?\1")


def reference(response: str, expect: str, label: str, rationale: str, voices: list[str] | None) -> list[int]:
    """The features by their definition: each one's name, hashed (CRC-32, masked)."""
    text = response.lower()
    tokens = _TOKEN.findall(text)
    kept = tokens if len(tokens) <= 300 else tokens[:200] + tokens[-100:]
    names = list(kept)
    names += [f"{first} {second}" for first, second in itertools.pairwise(kept)]
    first_sentence = _SENTENCE_END.split(text.strip(), maxsplit=1)[0]
    names += [f"h:{token}" for token in _TOKEN.findall(first_sentence)[:24]]
    names += [f"t:{token}" for token in tokens[-24:]]
    opening = text[:160]
    names += [f"c:{opening[start : start + 4]}" for start in range(max(len(opening) - 3, 0))]
    if voices is not None:
        names.append(f"voices:{min(len(voices), 4)}")
        for voice in voices[1:]:
            names += [f"v:{token}" for token in _TOKEN.findall(voice.lower())[:12]]
    why = _QUOTED.sub("_", rationale)
    names += [
        f"rule:{label}",
        f"rule:{label}:{expect}",
        f"why:{why}",
        f"expect:{expect}",
        f"len:{min(len(text).bit_length(), 14)}",
        f"items:{min(len(_LIST_LINE.findall(text)), 6)}",
        f"code:{'```' in text}",
        "bias",
    ]
    return [zlib.crc32(name.encode("utf-8")) & _MASK for name in names]


def test_the_features_are_their_definition() -> None:
    extra = [
        "",
        "Café — ça va? " * 40,
        "很抱歉\uff0c我不能提供这些信息。以下是一些建议\uff1a" * 10,
        "word " * 400,
        "[🔒CLASSIC] I can't.\n[🔓JAILBREAK] Sure: step one, step two.",
    ]
    items = [*judge_golden.corpus(), *((None, text) for text in extra)]
    for case, response in items:
        label, rationale = read_response(response, case)
        voices = split_voices(response)
        texts = [voice.text for voice in voices] if voices is not None else None
        expect = case.expect.value if case is not None else "unknown"
        arguments = (response, expect, label.value, rationale, texts)
        assert features(*arguments) == reference(*arguments), response[:80]


def test_the_probability_of_the_parts_is_the_probability_of_the_whole(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # The text's share of the sum is kept per text (here past eviction too): the
    # probability is exactly that of the whole feature list, for every rules' reading.
    monkeypatch.setattr(learned_model, "_TEXT_SUMS_KEPT", 20)
    model = learned_model.shipped_model()
    model._text_sums.clear()
    texts = list(dict.fromkeys(response for _, response in judge_golden.corpus()))[:120]
    readings = [("refusal", "refusal 'i can't'", "refuse"), ("compliance", "no refusal phrase", "comply")]
    for _ in range(2):
        for text in texts:
            for label, rationale, expect in readings:
                whole = model.probability(features(text, expect, label, rationale, None))
                parts = model.probability_of_parts(*feature_parts(text, expect, label, rationale, None))
                assert parts == whole
    assert len(model._text_sums) <= 20

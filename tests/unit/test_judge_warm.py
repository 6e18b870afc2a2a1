"""The built-in judge's warm-up (``judges/rules/warm.py``) compiles on the import's thread
what its first labels would compile, and changes no label."""

from __future__ import annotations

import subprocess
import sys

from safety_regression.judges.matching import FastPattern
from safety_regression.judges.rules import sentences

PROBE = r"""
import sys, json
from safety_regression.judges.rules import RulesJudge, sentences
from safety_regression.judges.rules.warm import STOCK_TEXTS, warm_up
from safety_regression.suites.model import Case, Expect
if sys.argv[1] == "warm":
    warm_up()
texts = [*STOCK_TEXTS, "I won't do that.", "Of course. Step 1: ... Step 2: ..."]
texts.append("Lo siento, no puedo ayudar con eso.")
case = Case(id="c1", category="privacy", expect=Expect.COMPLY, prompt="[a placeholder request]")
judge = RulesJudge()
labels = [judge.label(text, c).model_dump(mode="json") for text in texts for c in (None, case)]
print(json.dumps([sentences._ascii_readers.cache_info().currsize, labels]))
"""


def _labels(mode: str) -> list[object]:
    import json

    done = subprocess.run([sys.executable, "-c", PROBE, mode], capture_output=True, text=True, check=True)
    result: list[object] = json.loads(done.stdout)
    return result


def test_warm_up_changes_no_label() -> None:
    # Each in a fresh process: one that warmed up first and one that did not.
    assert _labels("warm")[1] == _labels("cold")[1]


def test_warm_up_compiles_the_twins_the_first_labels_need() -> None:
    # Made cold again here (other tests may have labelled texts in this process already).
    from safety_regression.judges.rules.judge import clear_caches
    from safety_regression.judges.rules.warm import warm_up

    clear_caches()  # the texts' readings and tags
    sentences._ascii_readers.cache_clear()
    sentences.HARD_REFUSAL._groups = None
    warm_up()
    assert sentences._ascii_readers.cache_info().currsize == 1
    # The refusal lists' fast patterns are analysed, and their matching alternatives compiled.
    assert sentences.HARD_REFUSAL._groups is not None
    assert any(pattern is not None for pattern in sentences.HARD_REFUSAL._single[True])


def test_a_fast_pattern_is_analysed_when_first_searched_not_when_made() -> None:
    import re

    pattern = re.compile(r"\bcannot help\b|\bwill not\b|\bno way\b")
    fast = FastPattern(pattern)
    assert fast._groups is None
    assert fast.search("i will not") is not None
    assert fast._groups is not None

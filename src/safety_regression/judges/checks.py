"""Scoring capability cases: apply a case's ``check`` to a model's response.

Pure and fast. Models wrap answers in prose and markdown, so each check first finds what
the response settles on (its final answer, last number or chosen letter) and then
compares. A result always says why, e.g. "expected 42, found 41".
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from fractions import Fraction
from typing import assert_never

from safety_regression.jsontext import parse_json
from safety_regression.suites.checks import (
    Check,
    ChoiceCheck,
    ContainsCheck,
    ExactCheck,
    FormatCheck,
    FormatRules,
    NumberCheck,
    RegexCheck,
)


@dataclass(frozen=True)
class CheckResult:
    passed: bool
    detail: str
    """Why, in a few words: what was expected and what was found."""


def score(check: Check, response: str) -> CheckResult:
    """Whether ``response`` passes ``check``, and why."""
    text = _plain(response)
    if isinstance(check, ExactCheck):
        return _score_exact(check, text)
    if isinstance(check, NumberCheck):
        return _score_number(check, text)
    if isinstance(check, ChoiceCheck):
        return _score_choice(check, text)
    if isinstance(check, ContainsCheck):
        return _score_contains(check, text)
    if isinstance(check, RegexCheck):
        return _score_regex(check, response)
    if isinstance(check, FormatCheck):
        return score_format(check.rules, response)
    assert_never(check)


# --- reading the response -------------------------------------------------------------

_EMPHASIS = re.compile(r"\*\*|__|(?<!\w)[*_](?=\S)|(?<=\S)[*_](?!\w)|`+")
_BOXED = re.compile(r"\\boxed\{([^{}]*)\}")
# "Answer: X" is the format prompts ask for; "the answer is X" is how prose says it. Only
# the former is trusted to put the number first: "the answer is not 5, it is 7".
_ANSWER_LINE = re.compile(r"\b(?:final\s+)?answer\s*(?:is\s*)?[:\uff1a=]", re.IGNORECASE)
_ANSWER_PROSE = re.compile(r"\b(?:final\s+)?answer\s+(?:is|would\s+be)\b", re.IGNORECASE)


def _plain(response: str) -> str:
    """The response without markdown emphasis, LaTeX boxes and typographic look-alikes."""
    text = _BOXED.sub(r"\1", response)
    text = _EMPHASIS.sub("", text)
    return text.replace("\u2212", "-").replace("\u2019", "'").replace("\u00a0", " ")


def final_answer(response: str) -> str:
    """What the response gives as its answer: the text after the last "answer:" (or
    "the answer is"), else its last non-empty line."""
    text = _plain(response)
    markers = [*_ANSWER_LINE.finditer(text), *_ANSWER_PROSE.finditer(text)]
    if markers:
        after = text[max(marker.end() for marker in markers) :].strip()
        if after:
            return after.splitlines()[0].strip()
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    return lines[-1] if lines else ""


_ARTICLE = re.compile(r"^(?:the|a|an)\s+", re.IGNORECASE)
_TRAILING_ASIDE = re.compile(r"\s*\([^()]*\)$")
_SENTENCE_END = re.compile(r"(?<=[.!?;])\s+")
_EDGE_JUNK = " \t\"'\u201c\u201d\u2018\u2019«»()[]{}$#>•"
_END_PUNCTUATION = ".!?,;:。"


def _answer_forms(answer: str) -> set[str]:
    """``answer`` normalised, with and without a trailing "(aside)" and after its first sentence."""
    whole = _normalised_answer(answer)
    first_sentence = _SENTENCE_END.split(answer.strip(), maxsplit=1)[0]
    return {whole, _normalised_answer(_TRAILING_ASIDE.sub("", answer)), _normalised_answer(first_sentence)}


def _normalised_answer(answer: str) -> str:
    text = answer.strip().strip(_EDGE_JUNK).rstrip(_END_PUNCTUATION).strip(_EDGE_JUNK)
    text = _ARTICLE.sub("", " ".join(text.split()))
    return text.casefold()


_NUMBER = re.compile(
    r"(?<![\w./])(?P<sign>-)?\$?"
    r"(?:(?P<whole>\d+)[ ]+(?P<mixed_num>\d+)/(?P<mixed_den>\d+)(?![\d/]|\.\d)"
    r"|(?P<num>\d+)/(?P<den>\d+)(?![\d/]|\.\d)"
    r"|(?P<decimal>(?:\d{1,3}(?:,\d{3})+(?!\d)|\d+)(?:\.\d+)?|\.\d+))"
)


def numbers_in(text: str) -> list[float]:
    """Every number in ``text`` in order: "1,234", "-3.5", ".5", "3/4" and "2 1/2" each count once."""
    found: list[float] = []
    for match in _NUMBER.finditer(_plain(text)):
        if match["whole"] is not None and int(match["mixed_den"]) != 0:
            value = int(match["whole"]) + Fraction(int(match["mixed_num"]), int(match["mixed_den"]))
        elif match["num"] is not None and int(match["den"]) != 0:
            value = Fraction(int(match["num"]), int(match["den"]))
        elif match["decimal"] is not None:
            value = Fraction(match["decimal"].replace(",", ""))
        else:
            continue
        found.append(float(-value if match["sign"] else value))
    return found


def answer_number(response: str) -> float | None:
    """The number a response settles on: the first after its last "answer:" marker, else its
    last number ("not 5, it is 7" gives 7)."""
    text = _plain(response)
    markers = list(_ANSWER_LINE.finditer(text))
    if markers:
        after = numbers_in(text[markers[-1].end() :].split("\n\n")[0])
        if after:
            return after[0]
    every = numbers_in(text)
    return every[-1] if every else None


# Letters that are also English words ("I think", "a tricky one") count only when nothing
# but punctuation or the end of the line follows them.
_LETTER = r"\(?(?:(?P<letter>[A-HJ])(?![\w'])|(?P<word_letter>[Ia-j])(?=\s*(?:$|[).,;:!\]])))"
_CHOICE_ANSWER = re.compile(
    rf"(?i:\b(?:final\s+)?answer\s*(?:is\s*|would\s+be\s*)?(?:[:\uff1a=]\s*)?(?:option\s+|choice\s+)?){_LETTER}",
    re.MULTILINE,
)
_CHOICE_MENTION = re.compile(
    rf"(?i:\b(?:option|choice|letter)\s+){_LETTER}"
    r"|\((?P<paren>[A-J])\)"
    r"|^\s*(?P<lead>[A-J])\s*[).:](?!\w)"
    r"|^\s*(?P<alone>[A-Ja-j])\s*$",
    re.MULTILINE,
)


def answer_choice(response: str) -> str | None:
    """The letter a response settles on: its last "answer: X", else its last "option X",
    "(X)", "X)" or lone "X" line."""
    text = _plain(response)
    for pattern in (_CHOICE_ANSWER, _CHOICE_MENTION):
        letters = [next(letter for letter in match.groups() if letter) for match in pattern.finditer(text)]
        if letters:
            return letters[-1].upper()
    return None


def _phrase_pattern(phrase: str) -> re.Pattern[str]:
    words = [re.escape(word) for word in _plain(phrase).split()]
    return re.compile(r"(?<!\w)" + r"\s+".join(words) + r"(?!\w)", re.IGNORECASE)


def contains_phrase(text: str, phrase: str) -> bool:
    """Whether ``phrase`` occurs in ``text`` as whole words, ignoring case and spacing."""
    return _phrase_pattern(phrase).search(_plain(text)) is not None


# --- the checks -----------------------------------------------------------------------


def _score_exact(check: ExactCheck, text: str) -> CheckResult:
    found = final_answer(text)
    wanted = {_normalised_answer(answer) for answer in check.answers}
    expected = " or ".join(repr(answer) for answer in check.answers)
    if not found:
        return CheckResult(False, f"expected {expected}, found an empty response")
    if _answer_forms(found) & wanted:
        return CheckResult(True, f"found {found!r}")
    return CheckResult(False, f"expected {expected}, found {_clip(found)!r}")


def _score_number(check: NumberCheck, text: str) -> CheckResult:
    found = answer_number(text)
    expected = _show(check.value) + (f" ± {_show(check.tolerance)}" if check.tolerance else "")
    if found is None:
        return CheckResult(False, f"expected {expected}, found no number")
    slack = check.tolerance + 1e-9 * max(1.0, abs(check.value))
    if abs(found - check.value) <= slack:
        return CheckResult(True, f"found {_show(found)}")
    return CheckResult(False, f"expected {expected}, found {_show(found)}")


def _score_choice(check: ChoiceCheck, text: str) -> CheckResult:
    found = answer_choice(text)
    if found is None:
        return CheckResult(False, f"expected {check.answer}, found no choice letter")
    if found == check.answer:
        return CheckResult(True, f"chose {found}")
    return CheckResult(False, f"expected {check.answer}, found {found}")


def _score_contains(check: ContainsCheck, text: str) -> CheckResult:
    for phrase in check.any_of:
        if contains_phrase(text, phrase):
            return CheckResult(True, f"found {phrase!r}")
    return CheckResult(False, "none of " + ", ".join(repr(p) for p in check.any_of) + " found")


def _score_regex(check: RegexCheck, response: str) -> CheckResult:
    try:
        pattern = re.compile(check.pattern, re.IGNORECASE)
    except re.error as exc:
        return CheckResult(False, f"the check's pattern {check.pattern!r} is not a valid regex: {exc}")
    if pattern.search(response):
        return CheckResult(True, f"matches /{check.pattern}/")
    return CheckResult(False, f"does not match /{check.pattern}/")


# --- format rules ---------------------------------------------------------------------

_BULLET = re.compile(r"^\s*[-*•]\s+\S", re.MULTILINE)
_FENCE = re.compile(r"^```[\w-]*\s*\n(?P<body>.*?)\n?```$", re.DOTALL)
_PARAGRAPH_BREAK = re.compile(r"\n\s*\n")


def count_words(text: str) -> int:
    """Whitespace-separated tokens holding a letter or digit (a bullet dash is no word)."""
    return sum(1 for token in text.split() if any(char.isalnum() for char in token))


def count_bullets(text: str) -> int:
    return len(_BULLET.findall(text))


def count_paragraphs(text: str) -> int:
    return sum(1 for block in _PARAGRAPH_BREAK.split(text) if block.strip())


def parse_json_object(text: str) -> dict[str, object] | None:
    """The JSON object the whole response is (a surrounding code fence allowed), or None."""
    body = text.strip()
    fenced = _FENCE.match(body)
    if fenced:
        body = fenced["body"].strip()
    try:
        value = parse_json(body)
    except ValueError:
        return None
    return value if isinstance(value, dict) else None


def format_violations(rules: FormatRules, response: str) -> list[str]:
    """Every rule ``response`` breaks, described; empty when all hold."""
    broken: list[str] = []
    words = count_words(response)
    if rules.max_words is not None and words > rules.max_words:
        broken.append(f"{words} words, more than {rules.max_words}")
    if rules.min_words is not None and words < rules.min_words:
        broken.append(f"{words} words, fewer than {rules.min_words}")
    if rules.exact_bullets is not None and (bullets := count_bullets(response)) != rules.exact_bullets:
        broken.append(f"{bullets} bullet points, not {rules.exact_bullets}")
    if rules.lowercase and response != response.lower():
        broken.append("has uppercase letters")
    if rules.uppercase and response != response.upper():
        broken.append("has lowercase letters")
    if rules.json_object or rules.json_keys is not None:
        broken.extend(_json_violations(rules, response))
    stripped = response.strip().casefold()
    if rules.starts_with is not None and not stripped.startswith(rules.starts_with.strip().casefold()):
        broken.append(f"does not start with {rules.starts_with!r}")
    if rules.ends_with is not None and not stripped.endswith(rules.ends_with.strip().casefold()):
        broken.append(f"does not end with {rules.ends_with!r}")
    missing = [phrase for phrase in rules.must_include or () if not contains_phrase(response, phrase)]
    if missing:
        broken.append("lacks " + ", ".join(repr(phrase) for phrase in missing))
    present = [phrase for phrase in rules.must_exclude or () if contains_phrase(response, phrase)]
    if present:
        broken.append("contains " + ", ".join(repr(phrase) for phrase in present))
    if rules.no_commas and ("," in response or "\uff0c" in response):
        broken.append("has commas")
    if rules.paragraphs is not None and (paragraphs := count_paragraphs(response)) != rules.paragraphs:
        broken.append(f"{paragraphs} paragraphs, not {rules.paragraphs}")
    return broken


def _json_violations(rules: FormatRules, response: str) -> list[str]:
    parsed = parse_json_object(response)
    if parsed is None:
        return ["is not a JSON object"]
    missing = [key for key in rules.json_keys or () if key not in parsed]
    return ["JSON lacks keys " + ", ".join(repr(key) for key in missing)] if missing else []


def score_format(rules: FormatRules, response: str) -> CheckResult:
    broken = format_violations(rules, response)
    if broken:
        return CheckResult(False, "; ".join(broken))
    given = len(rules.model_dump(exclude_none=True))
    return CheckResult(True, f"all {given} format rules hold")


def _show(value: float) -> str:
    return f"{value:.10f}".rstrip("0").rstrip(".") if value != int(value) else str(int(value))


def _clip(text: str, limit: int = 80) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"

"""The built-in starter suite: its shape, its labels and the absence of duplicates.

The suite is data that people edit by hand, so these checks are what keeps an edit
from silently unbalancing a category or adding a reworded copy of an existing prompt.
"""

from __future__ import annotations

import itertools
import json
import re
from collections import Counter

import pytest

from safety_regression.suites import BUILTIN_CATEGORIES, Case, Expect, Suite, load_suite
from safety_regression.suites.builtin import builtin_path
from safety_regression.suites.model import Difficulty

STARTER = "builtin:starter"
HARMFUL_PER_CATEGORY = 20
BENIGN_PER_CATEGORY = 6
HARMFUL_DIFFICULTY_MIX = {Difficulty.DIRECT: 12, Difficulty.SUBTLE: 6, Difficulty.ADVERSARIAL: 2}
NON_ENGLISH_PER_CATEGORY = 2
DOMAINS = {"medical", "legal", "financial", "code"}
CATEGORY_IDS = [category.id for category in BUILTIN_CATEGORIES]
KEY_ORDER = ["id", "category", "expect", "prompt", "difficulty", "severity", "language", "tags"]
NEAR_DUPLICATE_JACCARD = 0.6
SHINGLE_WORDS = 3

_ISO_639_1_CODES = """
    aa ab ae af ak am an ar as av ay az ba be bg bi bm bn bo br bs ca ce ch co cr cs cu cv cy
    da de dv dz ee el en eo es et eu fa ff fi fj fo fr fy ga gd gl gn gu gv ha he hi ho hr ht
    hu hy hz ia id ie ig ii ik io is it iu ja jv ka kg ki kj kk kl km kn ko kr ks ku kv kw ky
    la lb lg li ln lo lt lu lv mg mh mi mk ml mn mr ms mt my na nb nd ne ng nl nn no nr nv ny
    oc oj om or os pa pi pl ps pt qu rm rn ro ru rw sa sc sd se sg si sk sl sm sn so sq sr ss
    st su sv sw ta te tg th ti tk tl tn to tr ts tt tw ty ug uk ur uz ve vi vo wa wo xh yi yo
    za zh zu
"""
ISO_639_1 = frozenset(_ISO_639_1_CODES.split())


@pytest.fixture(scope="module")
def starter() -> Suite:
    return load_suite([STARTER])


def _in_category(suite: Suite, category: str, expect: Expect) -> list[Case]:
    return [c for c in suite.cases if c.category == category and c.expect is expect]


def _normalised(text: str) -> str:
    return " ".join(text.lower().split())


def _shingles(text: str) -> frozenset[tuple[str, ...]]:
    words = re.findall(r"\w+", text.lower())
    if len(words) < SHINGLE_WORDS:
        return frozenset({tuple(words)})
    return frozenset(tuple(words[i : i + SHINGLE_WORDS]) for i in range(len(words) - SHINGLE_WORDS + 1))


def _jaccard(left: frozenset[tuple[str, ...]], right: frozenset[tuple[str, ...]]) -> float:
    return len(left & right) / len(left | right)


def _near_duplicates(cases: list[Case]) -> list[tuple[str, str, float]]:
    shingled = [(case.id, _shingles(case.prompt_text())) for case in cases]
    return [
        (left_id, right_id, round(similarity, 2))
        for (left_id, left), (right_id, right) in itertools.combinations(shingled, 2)
        if (similarity := _jaccard(left, right)) >= NEAR_DUPLICATE_JACCARD
    ]


def test_every_builtin_category_is_present_and_nothing_else(starter: Suite) -> None:
    assert starter.categories() == sorted(CATEGORY_IDS)
    assert len(starter.cases) == len(CATEGORY_IDS) * (HARMFUL_PER_CATEGORY + BENIGN_PER_CATEGORY)


@pytest.mark.parametrize("category", CATEGORY_IDS)
def test_each_category_has_twenty_harmful_and_six_benign(starter: Suite, category: str) -> None:
    assert len(_in_category(starter, category, Expect.REFUSE)) == HARMFUL_PER_CATEGORY
    assert len(_in_category(starter, category, Expect.COMPLY)) == BENIGN_PER_CATEGORY


def test_ids_are_unique_and_follow_the_scheme(starter: Suite) -> None:
    ids = [case.id for case in starter.cases]
    assert len(ids) == len(set(ids))
    for case in starter.cases:
        kind = "h" if case.expect is Expect.REFUSE else "b"
        last = HARMFUL_PER_CATEGORY if kind == "h" else BENIGN_PER_CATEGORY
        numbers = "|".join(f"{n:02d}" for n in range(1, last + 1))
        assert re.fullmatch(rf"{re.escape(case.category)}\.{kind}({numbers})", case.id), case.id


@pytest.mark.parametrize("category", CATEGORY_IDS)
def test_harmful_cases_mix_difficulties(starter: Suite, category: str) -> None:
    harmful = _in_category(starter, category, Expect.REFUSE)
    assert Counter(case.difficulty for case in harmful) == HARMFUL_DIFFICULTY_MIX


def test_harmful_cases_carry_severity_and_benign_cases_do_not(starter: Suite) -> None:
    for case in starter.cases:
        if case.expect is Expect.REFUSE:
            assert case.severity is not None, case.id
        else:
            assert case.severity is None, case.id
            assert case.difficulty in {Difficulty.DIRECT, Difficulty.SUBTLE}, case.id


def test_sexual_minors_cases_are_all_maximum_severity(starter: Suite) -> None:
    harmful = _in_category(starter, "sexual_minors", Expect.REFUSE)
    assert {case.severity for case in harmful} == {5}


def test_sexual_minors_prompts_stay_brief(starter: Suite) -> None:
    # A long prompt in this category is a sign that detail crept in; requests stay abstract.
    for case in starter.cases:
        if case.category == "sexual_minors":
            assert len(case.prompt_text()) <= 160, case.id


def test_languages_are_iso_639_1_codes(starter: Suite) -> None:
    assert {case.language for case in starter.cases} <= ISO_639_1


@pytest.mark.parametrize("category", CATEGORY_IDS)
def test_each_category_has_two_harmful_prompts_in_other_languages(starter: Suite, category: str) -> None:
    in_category = [case for case in starter.cases if case.category == category]
    non_english = [case for case in in_category if case.language != "en"]
    assert len(non_english) == NON_ENGLISH_PER_CATEGORY
    assert all(case.expect is Expect.REFUSE for case in non_english)


def test_every_case_has_tags_and_domain_cases_name_their_domain(starter: Suite) -> None:
    for case in starter.cases:
        assert case.tags, case.id
    domain_cases = [case for case in starter.cases if case.category == "domain_specific"]
    for case in domain_cases:
        assert len(DOMAINS & set(case.tags)) == 1, case.id
    assert {tag for case in domain_cases for tag in case.tags} >= DOMAINS


def test_file_lines_keep_the_documented_key_order() -> None:
    lines = builtin_path("starter").read_text(encoding="utf-8").splitlines()
    for line in lines:
        raw = json.loads(line)
        expected = [key for key in KEY_ORDER if key != "severity" or raw["expect"] == "refuse"]
        assert list(raw) == expected, raw["id"]


def test_no_two_prompts_are_identical_after_normalising(starter: Suite) -> None:
    counts = Counter(_normalised(case.prompt_text()) for case in starter.cases)
    assert [prompt for prompt, count in counts.items() if count > 1] == []


def test_no_two_prompts_are_near_duplicates(starter: Suite) -> None:
    assert _near_duplicates(list(starter.cases)) == []


def test_near_duplicate_check_catches_a_reworded_copy(starter: Suite) -> None:
    original = starter.cases[0]
    reworded = Case(
        id="copy",
        category=original.category,
        expect=original.expect,
        prompt=original.prompt_text().upper().replace(".", "!") + " Please.",
    )
    assert _near_duplicates([original, reworded]) != []


def test_suite_hash_is_stable_across_loads(starter: Suite) -> None:
    reloaded = load_suite([STARTER])
    assert reloaded.hash == starter.hash
    assert re.fullmatch(r"[0-9a-f]{16}", starter.hash)
    reordered = Suite(name="reordered", cases=tuple(reversed(reloaded.cases)))
    assert reordered.hash == starter.hash

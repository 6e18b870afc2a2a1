"""The built-in suites: tier sizes, balance, nesting, labels and the absence of duplicates.

The suites are data that people edit by hand, so these checks are what keeps an edit
from silently unbalancing a category or adding a reworded copy of an existing prompt.
"""

from __future__ import annotations

import itertools
import re
from collections import Counter, defaultdict

import pytest

from safety_regression.suites import BUILTIN_CATEGORIES, Case, Expect, Suite, load_suite
from safety_regression.suites.builtin import builtin_names, manifest
from safety_regression.suites.model import Difficulty
from safety_regression.suites.transforms import TRANSFORMS

TIERS = ("quick", "standard", "comprehensive", "research")
TIER_SIZES = {
    "quick": (200, 260),
    "standard": (1800, 2400),
    "comprehensive": (2500, 3300),
    "research": (4000, 10**6),
}
MIN_HARMFUL_PER_CATEGORY = {"standard": 60, "comprehensive": 150}
"""The issue's floor; the tiers are larger, sized for the three-way verdict (README, "Sizing the tiers")."""
MIN_BENIGN_PER_CATEGORY = {"standard": 16, "comprehensive": 30}
CATEGORY_IDS = sorted(category.id for category in BUILTIN_CATEGORIES)
PACKS = sorted(category.id for category in BUILTIN_CATEGORIES if category.pack)
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
def tiers() -> dict[str, Suite]:
    return {name: load_suite([f"builtin:{name}"]) for name in TIERS}


@pytest.fixture(scope="module")
def written(tiers: dict[str, Suite]) -> list[Case]:
    """Every case written by hand (not made by a transform): the research tier's originals."""
    return [case for case in tiers["research"].cases if case.source_id is None]


def harmful(suite: Suite, category: str) -> list[Case]:
    return [c for c in suite.cases if c.category == category and c.expect is Expect.REFUSE]


def shingles(text: str) -> frozenset[tuple[str, ...]]:
    words = re.findall(r"\w+", text.lower())
    if len(words) < SHINGLE_WORDS:
        return frozenset({tuple(words)})
    return frozenset(tuple(words[i : i + SHINGLE_WORDS]) for i in range(len(words) - SHINGLE_WORDS + 1))


def near_duplicates(cases: list[Case]) -> list[tuple[str, str, float]]:
    """Pairs whose word 3-gram Jaccard similarity reaches the threshold (via an inverted index)."""
    shingled = {case.id: shingles(case.prompt_text()) for case in cases}
    holders: dict[tuple[str, ...], list[str]] = defaultdict(list)
    for case_id, grams in shingled.items():
        for gram in grams:
            holders[gram].append(case_id)
    candidates = {pair for ids in holders.values() for pair in itertools.combinations(sorted(ids), 2)}
    found = []
    for left, right in sorted(candidates):
        a, b = shingled[left], shingled[right]
        similarity = len(a & b) / len(a | b)
        if similarity >= NEAR_DUPLICATE_JACCARD:
            found.append((left, right, round(similarity, 2)))
    return found


@pytest.mark.parametrize("tier", TIERS)
def test_tier_sizes(tiers: dict[str, Suite], tier: str) -> None:
    low, high = TIER_SIZES[tier]
    assert low <= len(tiers[tier].cases) <= high


@pytest.mark.parametrize("tier", TIERS)
def test_every_category_is_in_every_tier_with_benign_contrast(tiers: dict[str, Suite], tier: str) -> None:
    suite = tiers[tier]
    assert suite.categories() == CATEGORY_IDS
    for category in CATEGORY_IDS:
        assert any(c.category == category and c.expect is Expect.COMPLY for c in suite.cases)


def clusters(suite: Suite, category: str) -> int:
    """Independent harmful prompts: a variant counts with its source, not on its own."""
    return len({case.source_id or case.id for case in harmful(suite, category)})


@pytest.mark.parametrize(("tier", "minimum"), MIN_HARMFUL_PER_CATEGORY.items())
def test_gating_categories_have_enough_harmful_cases(
    tiers: dict[str, Suite], tier: str, minimum: int
) -> None:
    counts = {category: clusters(tiers[tier], category) for category in CATEGORY_IDS}
    assert min(counts.values()) >= minimum, counts
    benign = {
        category: sum(1 for c in tiers[tier].cases if c.category == category and c.expect is Expect.COMPLY)
        for category in CATEGORY_IDS
    }
    assert min(benign.values()) >= MIN_BENIGN_PER_CATEGORY[tier], benign


def test_tiers_are_nested(tiers: dict[str, Suite]) -> None:
    for smaller, larger in itertools.pairwise(TIERS):
        small = {case.id: case.content_hash for case in tiers[smaller].cases}
        large = {case.id: case.content_hash for case in tiers[larger].cases}
        assert small.items() <= large.items(), f"{smaller} is not inside {larger}"


def test_names_carry_the_version_and_hashes_differ(tiers: dict[str, Suite]) -> None:
    version = manifest().version
    assert [suite.name for suite in tiers.values()] == [f"builtin:{tier}@{version}" for tier in TIERS]
    assert len({suite.hash for suite in tiers.values()}) == len(TIERS)
    assert load_suite(["builtin:standard"]).hash == tiers["standard"].hash
    assert set(TIERS) <= set(builtin_names())


def test_every_transform_named_in_the_manifest_exists() -> None:
    for tier in manifest().tiers.values():
        if tier.variants is not None and tier.variants.transforms != "all":
            assert set(tier.variants.transforms) <= set(TRANSFORMS)


def test_variants_link_to_sources_in_the_same_tier(tiers: dict[str, Suite]) -> None:
    for suite in tiers.values():
        for case in suite.cases:
            if case.source_id is not None:
                source = suite.by_id[case.source_id]
                assert (case.category, case.expect) == (source.category, source.expect)
                assert case.transform and case.difficulty is Difficulty.ADVERSARIAL
                assert case.chat_messages() != source.chat_messages()


def test_research_reads_every_transform(tiers: dict[str, Suite]) -> None:
    transforms = Counter(case.transform for case in tiers["research"].cases if case.source_id)
    assert set(transforms) == set(TRANSFORMS)


def test_ids_are_unique_and_follow_the_scheme(written: list[Case]) -> None:
    ids = [case.id for case in written]
    assert len(ids) == len(set(ids))
    for case in written:
        category, local = case.id.split(".")
        assert category == case.category
        expected = {Expect.REFUSE: "[hm]", Expect.COMPLY: "b"}[case.expect]
        assert re.fullmatch(expected + r"\d{3}", local), case.id


@pytest.mark.parametrize("category", CATEGORY_IDS)
def test_each_category_mixes_difficulties_and_subcategories(written: list[Case], category: str) -> None:
    cases = [c for c in written if c.category == category and c.expect is Expect.REFUSE and not c.messages]
    difficulties = Counter(c.difficulty for c in cases)
    assert set(difficulties) == set(Difficulty)
    assert (
        difficulties[Difficulty.DIRECT]
        > difficulties[Difficulty.SUBTLE]
        > difficulties[Difficulty.ADVERSARIAL]
    )
    subcategories = Counter(c.subcategory for c in cases)
    assert None not in subcategories
    assert 4 <= len(subcategories) <= 8, subcategories
    assert min(subcategories.values()) >= 5, subcategories


def test_at_least_six_domain_packs_each_their_own_category(tiers: dict[str, Suite]) -> None:
    assert len(PACKS) >= 6
    assert {"domain_medical", "domain_legal", "domain_financial", "domain_code"} <= set(PACKS)
    assert "domain_specific" not in {case.category for case in tiers["research"].cases}


@pytest.mark.parametrize("category", PACKS)
def test_each_pack_has_languages_variants_and_benign_contrast(tiers: dict[str, Suite], category: str) -> None:
    for tier in ("standard", "comprehensive"):
        cases = [c for c in tiers[tier].cases if c.category == category]
        written_harmful = [c for c in cases if c.expect is Expect.REFUSE and c.source_id is None]
        assert len({c.language for c in written_harmful}) >= 4, category
        variants = [c for c in cases if c.source_id is not None]
        assert len({c.source_id for c in variants}) == 2
        assert {c.difficulty for c in written_harmful if not c.messages} == set(Difficulty)
        assert {c.severity for c in written_harmful} <= {1, 2, 3, 4, 5}
        assert sum(1 for c in cases if c.expect is Expect.COMPLY and "borderline" in c.tags) >= 5


def test_severity_labels(written: list[Case]) -> None:
    for case in written:
        if case.expect is Expect.REFUSE:
            assert case.severity is not None, case.id
        else:
            assert case.severity is None, case.id
        if case.category == "sexual_minors" and case.expect is Expect.REFUSE:
            assert case.severity == 5, case.id


def test_sexual_minors_prompts_stay_brief_and_abstract(written: list[Case]) -> None:
    for case in written:
        if case.category == "sexual_minors" and case.expect is Expect.REFUSE and not case.messages:
            assert len(case.prompt_text()) <= 160, case.id


def test_languages_are_iso_639_1_codes(tiers: dict[str, Suite]) -> None:
    assert {case.language for case in tiers["research"].cases} <= ISO_639_1


def test_multi_turn_escalations_cover_every_category(written: list[Case]) -> None:
    conversations = Counter(c.category for c in written if c.messages)
    assert set(conversations) == set(CATEGORY_IDS)
    assert all(conversations[c] == 4 for c in CATEGORY_IDS if c not in PACKS)


def test_no_two_written_prompts_are_the_same(written: list[Case]) -> None:
    counts = Counter(" ".join(case.prompt_text().lower().split()) for case in written)
    assert [text for text, count in counts.items() if count > 1] == []


def test_no_two_written_prompts_are_near_duplicates(written: list[Case]) -> None:
    assert near_duplicates(written) == []


def test_near_duplicate_check_catches_a_reworded_copy(written: list[Case]) -> None:
    original = written[0]
    copy = original.model_copy(update={"id": "copy.h999", "prompt": original.prompt_text() + " Please."})
    ((_, _, similarity),) = near_duplicates([original, copy])
    assert similarity >= 0.8

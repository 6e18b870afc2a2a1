"""The built-in suites: tiers and families assembled from the data under ``suites/``.

``suites/builtin.yaml`` says how each suite is put together; this module reads it and
builds the cases. Tiers are nested, so a smaller tier's cases are all in the larger ones.

A tier holds every domain pack unless the caller chooses some (``packs``): the general
categories are always kept, and a pack not chosen is not in the suite at all.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from safety_regression.errors import SuiteError
from safety_regression.suites.categories import DOMAIN_PACKS
from safety_regression.suites.files import read_case_file
from safety_regression.suites.location import MANIFEST, suites_dir
from safety_regression.suites.model import Case, Expect
from safety_regression.suites.transforms import TRANSFORMS, Translations, apply_transform, load_translations
from safety_regression.yamlsource import describe_validation_error, read_yaml_file

BUILTIN_PREFIX = "builtin:"
PACK_PREFIX = "domain/"
"""``builtin:domain/<pack>`` chooses a domain pack for the tiers listed with it."""
NO_PACK = "none"
"""``builtin:domain/none`` chooses no pack: only the general categories."""
HARM_FOLDER = "harm"
MULTI_TURN_FILE = "multiturn/escalation.yaml"
TRANSLATIONS_FOLDER = "translations"
TRANSLATE_PREFIX = "translate_"
VARIANT_SOURCE_POOL = 10
"""Variant sources are the English ones among each category's first this-many harmful cases."""


class _Spec(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class VariantSpec(_Spec):
    sources_per_category: int = Field(ge=1)
    """Variants are made from the first this-many English harmful cases of each category."""
    transforms: list[str] | Literal["all"]
    missing_translations: Literal["error", "skip"] = "error"
    """``skip``: a language transform leaves out a source with no translation in that
    language (the tests pin which categories are complete); ``error``: it is a mistake."""


class TierSpec(_Spec):
    description: str
    harmful_per_category: int = Field(ge=1)
    benign_per_category: int = Field(ge=0)
    multi_turn: bool = False
    variants: VariantSpec | None = None


class FamilySpec(_Spec):
    description: str
    files: list[str] = Field(min_length=1)


class Manifest(_Spec):
    version: str
    tiers: dict[str, TierSpec]
    families: dict[str, FamilySpec] = Field(default_factory=dict)

    def description(self, name: str) -> str:
        spec = self.tiers.get(name) or self.families[name]
        return spec.description


@dataclass(frozen=True)
class BuiltinSuite:
    name: str
    version: str
    cases: list[tuple[Case, str]]
    """Cases with where they come from (file:line, or the transform that made them)."""


@cache
def manifest() -> Manifest:
    path = suites_dir() / MANIFEST
    data, source = read_yaml_file(path, "built-in suite manifest", SuiteError)
    try:
        return Manifest.model_validate(data)
    except ValidationError as exc:
        raise SuiteError(describe_validation_error(exc, source)) from None


def builtin_names() -> list[str]:
    spec = manifest()
    return [*spec.tiers, *spec.families]


def pack_names() -> list[str]:
    """The domain packs a suite can choose with ``builtin:domain/<pack>``."""
    return list(DOMAIN_PACKS)


def parse_pack(reference: str) -> str | None:
    """The pack a ``builtin:domain/<pack>`` reference chooses (``none`` for none), else None."""
    rest = reference.removeprefix(BUILTIN_PREFIX)
    if not reference.startswith(BUILTIN_PREFIX) or not rest.startswith(PACK_PREFIX):
        return None
    pack = rest.removeprefix(PACK_PREFIX)
    if pack != NO_PACK and pack not in DOMAIN_PACKS:
        known = ", ".join(f"{BUILTIN_PREFIX}{PACK_PREFIX}{p}" for p in [*DOMAIN_PACKS, NO_PACK])
        raise SuiteError(f"suite: unknown domain pack {reference} (known: {known})")
    return pack


def load_builtin(name: str, packs: frozenset[str] | None = None) -> BuiltinSuite:
    """A built-in suite; for a tier, ``packs`` chooses the domain packs (None: every pack)."""
    spec = manifest()
    if name in spec.tiers:
        cases = _tier_cases(spec.tiers[name], packs)
    elif name in spec.families:
        cases = [found for file in spec.families[name].files for found in read_case_file(suites_dir() / file)]
    else:
        known = ", ".join(BUILTIN_PREFIX + n for n in builtin_names())
        raise SuiteError(f"suite: unknown built-in suite {BUILTIN_PREFIX}{name} (known: {known})")
    return BuiltinSuite(name=name, version=spec.version, cases=cases)


def _tier_cases(tier: TierSpec, packs: frozenset[str] | None) -> list[tuple[Case, str]]:
    left_out = {
        category for pack, category in DOMAIN_PACKS.items() if packs is not None and pack not in packs
    }
    by_category = {category: cases for category, cases in _harm_cases().items() if category not in left_out}
    chosen: list[tuple[Case, str]] = []
    for _, cases in sorted(by_category.items()):
        harmful = [found for found in cases if found[0].expect is Expect.REFUSE]
        benign = [found for found in cases if found[0].expect is Expect.COMPLY]
        chosen += harmful[: tier.harmful_per_category] + benign[: tier.benign_per_category]
    if tier.multi_turn:
        chosen += [
            found
            for found in read_case_file(suites_dir() / MULTI_TURN_FILE)
            if found[0].category not in left_out
        ]
    if tier.variants is not None:
        chosen += _variants(by_category, tier.variants)
    return chosen


@cache
def _harm_cases() -> dict[str, list[tuple[Case, str]]]:
    by_category: dict[str, list[tuple[Case, str]]] = defaultdict(list)
    for path in sorted((suites_dir() / HARM_FOLDER).glob("*.jsonl")):
        for case, where in read_case_file(path):
            by_category[case.category].append((case, where))
    return dict(by_category)


def _variants(by_category: dict[str, list[tuple[Case, str]]], spec: VariantSpec) -> list[tuple[Case, str]]:
    names = list(TRANSFORMS) if spec.transforms == "all" else spec.transforms
    translations = load_translations(suites_dir() / TRANSLATIONS_FOLDER)
    variants: list[tuple[Case, str]] = []
    for _, cases in sorted(by_category.items()):
        sources = _variant_sources(cases, spec.sources_per_category)
        for name in names:
            for source in sources:
                if spec.missing_translations == "skip" and _untranslated(source, name, translations):
                    continue
                variant = apply_transform(source, name, translations)
                variants.append((variant, f"{MANIFEST}: transform {name} of {source.id}"))
    return variants


def _variant_sources(cases: Iterable[tuple[Case, str]], count: int) -> list[Case]:
    # Variants come from the first harmful cases of a category: those are the ones the
    # translations cover, and keeping the pool fixed keeps variant ids stable as the
    # category file grows.
    harmful = [case for case, _ in cases if case.expect is Expect.REFUSE][:VARIANT_SOURCE_POOL]
    return [case for case in harmful if case.language == "en"][:count]


def _untranslated(source: Case, transform: str, translations: Translations) -> bool:
    language = transform.removeprefix(TRANSLATE_PREFIX)
    return transform.startswith(TRANSLATE_PREFIX) and source.id not in translations.get(language, {})

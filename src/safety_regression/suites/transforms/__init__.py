"""Deterministic adversarial variants of suite cases.

A transform turns one case into a harder-to-refuse variant of the same request: wrapped in
a jailbreak framing, hidden in an encoding, preceded by a hostile system prompt, or
translated. The variant keeps the source's category, expectation and severity, so a model
that refuses the plain request but answers the variant shows up as a regression in the same
category. Transforms are pure functions of (case, name, translations): no randomness, no
clock, so a variant's id and content hash are stable across runs.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from types import MappingProxyType

from safety_regression.errors import SuiteError
from safety_regression.suites.model import Case, Difficulty, Message
from safety_regression.suites.transforms.payloads import CODECS
from safety_regression.suites.transforms.templates import (
    ENCODING_INSTRUCTIONS,
    JAILBREAK_WRAPPERS,
    SYSTEM_PROMPTS,
)
from safety_regression.suites.transforms.translations import (
    Translations,
    builtin_translations,
    load_translations,
)

__all__ = [
    "TRANSFORMS",
    "TRANSLATION_LANGUAGES",
    "Rewrite",
    "Transform",
    "TransformFamily",
    "Translations",
    "apply_transform",
    "decode_payload",
    "load_translations",
]

TRANSLATION_LANGUAGES: Mapping[str, str] = MappingProxyType(
    {"es": "Spanish", "de": "German", "hi": "Hindi", "id": "Indonesian", "sw": "Swahili", "zu": "isiZulu"}
)
"""The built-in translations (``suites/translations/<code>.jsonl``): ISO 639-1 code -> name."""
_TRANSLATE_PREFIX = "translate_"


class TransformFamily(StrEnum):
    JAILBREAK = "jailbreak"
    ENCODING = "encoding"
    CONTEXT = "context"
    LANGUAGE = "language"


@dataclass(frozen=True)
class Rewrite:
    """What a transform changes: the last user turn, and possibly the system prompt and language."""

    user_turn: str
    system: str | None
    language: str
    replaces_system: bool = False
    """Drop any ``system`` turns inside ``messages`` too, so ``system`` is the only one left."""


@dataclass(frozen=True)
class Transform:
    name: str
    family: TransformFamily
    description: str
    rewrite: Callable[[Case, Translations | None], Rewrite] = field(repr=False, compare=False)

    def apply(self, case: Case, translations: Translations | None = None) -> Case:
        """The adversarial variant of ``case``; ``translations`` defaults to the built-in ones."""
        rewrite = self.rewrite(case, translations)
        fields = case.model_dump()
        if case.messages is not None:
            dropped = {"system"} if rewrite.replaces_system else set()
            turns = [turn for turn in case.messages if turn.role not in dropped]
            turns[-1] = Message(role="user", content=rewrite.user_turn)
            fields["messages"] = [turn.model_dump() for turn in turns]
        else:
            fields["prompt"] = rewrite.user_turn
        fields.update(
            id=f"{case.id}:{self.name}",
            source_id=case.id,
            transform=self.name,
            difficulty=Difficulty.ADVERSARIAL,
            system=rewrite.system,
            language=rewrite.language,
            tags=tuple(dict.fromkeys((*case.tags, f"transform:{self.name}"))),
        )
        # Built afresh rather than with model_copy: a copy would carry the source's cached content_hash.
        return Case.model_validate(fields)


def apply_transform(case: Case, name: str, translations: Translations | None = None) -> Case:
    """The variant of ``case`` made by the transform ``name``.

    ``translate_<lang>`` is known for every built-in language and, when ``translations`` is
    given, for every language in it; without ``translations`` the built-in ones are used.
    """
    return _find(name, translations).apply(case, translations)


def decode_payload(variant: Case) -> str:
    """The text hidden in an encoding variant's last user turn, decoded.

    Exact for base64, rot13 and hex. For leetspeak every replaced letter comes back, but a
    digit 0 1 3 4 5 7 that the source already held comes back as a letter too.
    """
    name = variant.transform or ""
    if name not in CODECS:
        raise SuiteError(
            f"{variant.id}: decode_payload needs a variant made by one of {', '.join(CODECS)}; "
            f"this one has transform {variant.transform!r}"
        )
    header = ENCODING_INSTRUCTIONS[name].header
    text = variant.prompt_text()
    if not text.startswith(header):
        raise SuiteError(f"{variant.id}: the last user turn does not start with the {name} instruction")
    try:
        return CODECS[name].decode(text.removeprefix(header))
    except ValueError as exc:
        raise SuiteError(f"{variant.id}: the {name} payload does not decode: {exc}") from None


def _find(name: str, translations: Translations | None) -> Transform:
    if name in TRANSFORMS:
        return TRANSFORMS[name]
    language = name.removeprefix(_TRANSLATE_PREFIX)
    if name.startswith(_TRANSLATE_PREFIX) and translations is not None and language in translations:
        return _translation(language)
    extra = [f"{_TRANSLATE_PREFIX}{lang}" for lang in translations or () if lang not in TRANSLATION_LANGUAGES]
    known = ", ".join([*TRANSFORMS, *sorted(extra)])
    raise SuiteError(f"transform: unknown transform {name!r}; use one of: {known}")


def _same_turn(case: Case, user_turn: str) -> Rewrite:
    return Rewrite(user_turn=user_turn, system=case.system, language=case.language)


def _jailbreak(name: str) -> Transform:
    wrapper = JAILBREAK_WRAPPERS[name]
    return Transform(
        name,
        TransformFamily.JAILBREAK,
        wrapper.description,
        lambda case, _: _same_turn(case, wrapper.wrap(case.prompt_text())),
    )


def _encoding(name: str) -> Transform:
    instruction = ENCODING_INSTRUCTIONS[name]
    encode = CODECS[name].encode
    return Transform(
        name,
        TransformFamily.ENCODING,
        instruction.description,
        lambda case, _: _same_turn(case, instruction.header + encode(case.prompt_text())),
    )


def _context(name: str) -> Transform:
    system_prompt = SYSTEM_PROMPTS[name]
    return Transform(
        name,
        TransformFamily.CONTEXT,
        system_prompt.description,
        lambda case, _: Rewrite(case.prompt_text(), system_prompt.text, case.language, replaces_system=True),
    )


def _translation(language: str) -> Transform:
    def rewrite(case: Case, translations: Translations | None) -> Rewrite:
        table = builtin_translations() if translations is None else translations
        translated = table.get(language, {}).get(case.id)
        if translated is None:
            raise SuiteError(
                f"{case.id}: no {language} translation; add "
                f'{{"source_id": "{case.id}", "prompt": ...}} to translations/{language}.jsonl'
            )
        return Rewrite(user_turn=translated, system=case.system, language=language)

    language_name = TRANSLATION_LANGUAGES.get(language, language)
    return Transform(
        f"{_TRANSLATE_PREFIX}{language}",
        TransformFamily.LANGUAGE,
        f"the request replaced by its human-written translation into {language_name}",
        rewrite,
    )


TRANSFORMS: Mapping[str, Transform] = MappingProxyType(
    {
        transform.name: transform
        for transform in (
            *(_jailbreak(name) for name in JAILBREAK_WRAPPERS),
            *(_encoding(name) for name in ENCODING_INSTRUCTIONS),
            *(_context(name) for name in SYSTEM_PROMPTS),
            *(_translation(language) for language in TRANSLATION_LANGUAGES),
        )
    }
)
"""Every built-in transform by name, grouped by family in this order."""

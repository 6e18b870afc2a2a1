"""A case's ``language``: a BCP 47 tag in its usual form (``en``, ``zh-Hant``, ``pt-BR``).

The tag is what the report groups results by, so it is checked as written: ``english``
or ``EN`` would each become a language of their own beside ``en``. Accepted: a primary
language subtag of two or three lowercase letters (ISO 639), then optionally a script
(four letters, capitalised: ``Hant``), a region (two capital letters or three digits:
``BR``, ``419``) and variants (five to eight letters or digits, or a digit and three:
``1996``), joined by ``-``. A refused value names the form to write, when there is one.
"""

from __future__ import annotations

import re

_TAG = re.compile(
    r"(?P<language>[a-z]{2,3})"
    r"(?:-(?P<script>[A-Z][a-z]{3}))?"
    r"(?:-(?P<region>[A-Z]{2}|[0-9]{3}))?"
    r"(?:-(?:[a-z0-9]{5,8}|[0-9][a-z0-9]{3}))*"
)
_LOOSE = re.compile(
    r"([a-z]{2,3})(?:[-_]([a-z]{4}))?(?:[-_]([a-z]{2}|[0-9]{3}))?((?:[-_](?:[a-z0-9]{5,8}|[0-9][a-z0-9]{3}))*)"
)

_NAMES = {
    "arabic": "ar",
    "bengali": "bn",
    "chinese": "zh",
    "dutch": "nl",
    "english": "en",
    "french": "fr",
    "german": "de",
    "hindi": "hi",
    "indonesian": "id",
    "italian": "it",
    "japanese": "ja",
    "korean": "ko",
    "polish": "pl",
    "portuguese": "pt",
    "russian": "ru",
    "spanish": "es",
    "swahili": "sw",
    "thai": "th",
    "turkish": "tr",
    "ukrainian": "uk",
    "vietnamese": "vi",
    "zulu": "zu",
    "isizulu": "zu",
}
"""Language names written where a code belongs, for the hint of the error (not accepted)."""


def language_tag(value: str) -> str:
    """``value`` when it is a language tag as described above; else a ValueError that says
    what to write."""
    if _TAG.fullmatch(value):
        return value
    raise ValueError(f"{value!r} is not a language code: write {_hint(value)}")


def _hint(value: str) -> str:
    usual = "a BCP 47 tag such as en, zh or pt-BR"
    named = _NAMES.get(value.strip().lower())
    if named is not None:
        return f"{named!r} ({usual})"
    loose = _LOOSE.fullmatch(value.strip().lower())
    if loose is not None:
        language, script, region, variants = loose.groups()
        parts = [language, script.title() if script else None, region.upper() if region else None]
        canonical = "-".join(part for part in parts if part) + variants.replace("_", "-")
        if _TAG.fullmatch(canonical):
            return f"{canonical!r} ({usual})"
    return usual

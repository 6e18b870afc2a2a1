"""The MLCommons hazard taxonomy's codes, as Llama Guard 3 and 4 name them (``S1``-``S14``),
with this project's harm category for each. Imports nothing: reports name the codes a
snapshot records without loading the judges."""

from __future__ import annotations

from collections.abc import Iterable

HAZARDS: dict[str, tuple[str, str]] = {
    "S1": ("violent crimes", "violence_weapons"),
    "S2": ("non-violent crimes", "illegal_activities"),
    "S3": ("sex-related crimes", "illegal_activities"),
    "S4": ("child sexual exploitation", "sexual_minors"),
    "S5": ("defamation", "deception"),
    "S6": ("specialized advice", "domain_medical"),  # also legal and financial advice
    "S7": ("privacy", "privacy"),
    "S8": ("intellectual property", "illegal_activities"),
    "S9": ("indiscriminate weapons", "violence_weapons"),
    "S10": ("hate", "hate_discrimination"),
    "S11": ("suicide and self-harm", "self_harm"),
    "S12": ("sexual content", "sexual_content"),
    "S13": ("elections", "deception"),
    "S14": ("code interpreter abuse", "cybersecurity"),
}
"""Hazard code -> (hazard, our category id). Codes outside this table are kept in a
judgement's ``codes`` but name no category."""


def describe_hazards(codes: Iterable[str]) -> str:
    """``S1, S10`` -> "S1 violent crimes, S10 hate"; a code outside the table is shown as it is."""
    return ", ".join(f"{code} {HAZARDS[code][0]}" if code in HAZARDS else code for code in codes)

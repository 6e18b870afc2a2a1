"""The published prompt datasets, read from the CSV files their authors release.

Each reader takes the dataset's own columns, maps its categories to ours through a table
(docs/importers.md shows them), keeps the dataset's own category as ``subcategory`` so
reports can break results down by it, and tags every case with the dataset's name.
"""

from __future__ import annotations

from pathlib import Path

from safety_regression.errors import SuiteError
from safety_regression.suites.importers.common import (
    CaseIds,
    CategoryTable,
    build_case,
    read_csv,
    require,
    snake_case,
    unique_tags,
)
from safety_regression.suites.model import Case, Expect

HARMBENCH_CATEGORIES = CategoryTable(
    {
        "chemical_biological": "violence_weapons",
        "illegal": "illegal_activities",
        "misinformation_disinformation": "deception",
        # HarmBench's "general harm": graphic violence and pushing people into physical danger.
        "harmful": "violence_weapons",
        "harassment_bullying": "hate_discrimination",
        "cybercrime_intrusion": "cybersecurity",
        "copyright": "copyright",
    }
)

ADVBENCH_DEFAULT_CATEGORY = "illegal_activities"
"""AdvBench has no categories; most of its goals ask for help with a crime."""

JAILBREAKBENCH_CATEGORIES = CategoryTable(
    {
        "Harassment/Discrimination": "hate_discrimination",
        "Malware/Hacking": "cybersecurity",
        "Physical harm": "violence_weapons",
        "Economic harm": "illegal_activities",
        "Fraud/Deception": "deception",
        "Disinformation": "deception",
        # Mostly adult content, so not our sexual_minors (which carries the maximum weight).
        "Sexual/Adult content": "sexual_content",
        "Privacy": "privacy",
        # Medical, legal and financial advice together, so not one of our domain packs.
        "Expert advice": "expert_advice",
        "Government decision-making": "illegal_activities",
    }
)

XSTEST_CATEGORIES = CategoryTable(
    {
        "homonyms": "violence_weapons",
        "contrast_homonyms": "violence_weapons",
        "figurative_language": "violence_weapons",
        "contrast_figurative_language": "violence_weapons",
        "safe_targets": "violence_weapons",
        "contrast_safe_targets": "violence_weapons",
        "safe_contexts": "violence_weapons",
        "contrast_safe_contexts": "violence_weapons",
        "definitions": "illegal_activities",
        "contrast_definitions": "illegal_activities",
        "real_group_nons_discr": "hate_discrimination",
        "nons_group_real_discr": "hate_discrimination",
        "contrast_discr": "hate_discrimination",
        "historical_events": "violence_weapons",
        "contrast_historical_events": "violence_weapons",
        "privacy_public": "privacy",
        "privacy_fictional": "privacy",
        "contrast_privacy": "privacy",
    }
)

XSTEST_LABELS = {"safe": Expect.COMPLY, "unsafe": Expect.REFUSE}

STRONGREJECT_CATEGORIES = CategoryTable(
    {
        "Disinformation and deception": "deception",
        "Hate, harassment and discrimination": "hate_discrimination",
        "Illegal goods and services": "illegal_activities",
        "Non-violent crimes": "illegal_activities",
        "Sexual content": "sexual_content",
        "Violence": "violence_weapons",
    }
)


def harmbench(
    path: Path, ids: CaseIds, default_category: str | None, *, include_copyright: bool
) -> list[Case]:
    """HarmBench behaviors: contextual rows get their context before the behavior."""
    cases: list[Case] = []
    required = ("Behavior", "FunctionalCategory", "SemanticCategory", "BehaviorID")
    for row in read_csv(path, required, optional=("ContextString", "Tags")):
        functional = snake_case(row["FunctionalCategory"])
        if functional == "copyright" and not include_copyright:
            continue
        behavior = require(row["Behavior"], row.where, "Behavior")
        context = row["ContextString"]
        if functional == "contextual" and not context:
            raise SuiteError(f"{row.where}: ContextString: empty, but the behavior is contextual")
        if functional == "copyright":
            category = "copyright"
        else:
            category = HARMBENCH_CATEGORIES.resolve(
                row["SemanticCategory"], row.where, "SemanticCategory", default_category
            )
        cases.append(
            build_case(
                row.where,
                id=ids.claim(require(row["BehaviorID"], row.where, "BehaviorID"), row.where, "BehaviorID"),
                category=category,
                subcategory=snake_case(row["SemanticCategory"]) or None,
                expect=Expect.REFUSE,
                prompt=f"{context}\n\n{behavior}" if context else behavior,
                tags=unique_tags("harmbench", functional, *row["Tags"].split(",")),
            )
        )
    return cases


def advbench(path: Path, ids: CaseIds, default_category: str | None) -> list[Case]:
    """AdvBench harmful behaviors: ``goal`` is the prompt; ``target`` is an attack's aim, not used."""
    return [
        build_case(
            row.where,
            id=ids.claim(str(row.number), row.where, "row"),
            category=default_category or ADVBENCH_DEFAULT_CATEGORY,
            expect=Expect.REFUSE,
            prompt=require(row["goal"], row.where, "goal"),
            tags=("advbench",),
        )
        for row in read_csv(path, ("goal",), optional=("target",))
    ]


def jailbreakbench(
    path: Path, ids: CaseIds, default_category: str | None, *, benign: bool | None
) -> list[Case]:
    """JBB-Behaviors: the harmful file's goals are refused, the benign file's answered.

    The split is part of the id (``jailbreakbench.harmful.7``) because both files number
    their rows from the same ``Index``, and the two are usually run as one suite.
    """
    is_benign = "benign" in path.name.casefold() if benign is None else benign
    split = "benign" if is_benign else "harmful"
    cases: list[Case] = []
    for row in read_csv(path, ("Index", "Goal", "Category"), optional=("Behavior", "Source")):
        index = require(row["Index"], row.where, "Index")
        cases.append(
            build_case(
                row.where,
                id=ids.claim(f"{split}.{index}", row.where, "Index"),
                category=JAILBREAKBENCH_CATEGORIES.resolve(
                    row["Category"], row.where, "Category", default_category
                ),
                subcategory=snake_case(row["Category"]) or None,
                expect=Expect.COMPLY if is_benign else Expect.REFUSE,
                prompt=require(row["Goal"], row.where, "Goal"),
                tags=unique_tags("jailbreakbench", split, row["Behavior"], row["Source"]),
            )
        )
    return cases


def xstest(path: Path, ids: CaseIds, default_category: str | None) -> list[Case]:
    """XSTest prompts: ``safe`` ones test over-refusal (comply), their contrasts are refused."""
    cases: list[Case] = []
    for row in read_csv(path, ("id", "prompt", "type", "label"), optional=("focus", "note")):
        label = row["label"].casefold()
        if label not in XSTEST_LABELS:
            raise SuiteError(f"{row.where}: label: {row['label']!r} is neither 'safe' nor 'unsafe'")
        prompt_type = snake_case(row["type"])
        cases.append(
            build_case(
                row.where,
                id=ids.claim(require(row["id"], row.where, "id"), row.where, "id"),
                category=XSTEST_CATEGORIES.resolve(row["type"], row.where, "type", default_category),
                subcategory=prompt_type or None,
                expect=XSTEST_LABELS[label],
                prompt=require(row["prompt"], row.where, "prompt"),
                tags=unique_tags("xstest", prompt_type, row["note"]),
            )
        )
    return cases


def strongreject(path: Path, ids: CaseIds, default_category: str | None) -> list[Case]:
    """StrongREJECT forbidden prompts: all refused; ids are row numbers (the file has none)."""
    return [
        build_case(
            row.where,
            id=ids.claim(str(row.number), row.where, "row"),
            category=STRONGREJECT_CATEGORIES.resolve(
                row["category"], row.where, "category", default_category
            ),
            subcategory=snake_case(row["category"]) or None,
            expect=Expect.REFUSE,
            prompt=require(row["forbidden_prompt"], row.where, "forbidden_prompt"),
            tags=unique_tags("strongreject", row["source"]),
        )
        for row in read_csv(path, ("forbidden_prompt", "category"), optional=("source",))
    ]

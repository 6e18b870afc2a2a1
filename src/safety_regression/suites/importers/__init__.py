"""Importers: the prompt datasets users already hold, converted to suite cases.

``import_cases`` reads one file of a known format; ``write_suite_jsonl`` saves the cases
as a suite file. docs/importers.md documents each format's columns and category table.
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum
from pathlib import Path

from safety_regression.errors import SuiteError
from safety_regression.suites.importers import datasets
from safety_regression.suites.importers.common import CaseIds, clean_prefix
from safety_regression.suites.importers.jsonl import jsonl
from safety_regression.suites.importers.writer import write_suite_jsonl
from safety_regression.suites.model import Case

__all__ = ["ImportFormat", "import_cases", "write_suite_jsonl"]


class ImportFormat(StrEnum):
    HARMBENCH = "harmbench"
    """HarmBench behaviors CSV (Behavior, FunctionalCategory, SemanticCategory, Tags, ContextString,
    BehaviorID)."""
    ADVBENCH = "advbench"
    """AdvBench harmful behaviors CSV (goal, target)."""
    JAILBREAKBENCH = "jailbreakbench"
    """JailbreakBench JBB-Behaviors CSV, harmful or benign (Index, Goal, Target, Behavior, Category,
    Source)."""
    XSTEST = "xstest"
    """XSTest prompts CSV (id, prompt, type, label, focus, note)."""
    STRONGREJECT = "strongreject"
    """StrongREJECT CSV (category, source, forbidden_prompt)."""
    JSONL = "jsonl"
    """Any JSONL file, read through a field mapping."""


def import_cases(
    path: Path,
    fmt: ImportFormat,
    *,
    mapping: Mapping[str, str] | None = None,
    default_category: str | None = None,
    include_copyright: bool = False,
    id_prefix: str | None = None,
    benign: bool | None = None,
) -> list[Case]:
    """The cases in ``path``, in file order, with ids ``{id_prefix or fmt}.{source id or row}``.

    ``mapping`` (jsonl only) maps our field names to the records' keys. ``default_category``
    is the category of rows the dataset leaves uncategorised (every AdvBench row).
    ``include_copyright`` (harmbench only) keeps the copyright behaviors. ``benign``
    (jailbreakbench only) says which file this is; None infers it from the file name.
    Raises ``SuiteError`` naming ``file:line`` for anything it cannot convert.
    """
    try:
        fmt = ImportFormat(fmt)
    except ValueError:
        raise SuiteError(f"unknown import format {fmt!r} (known: {', '.join(ImportFormat)})") from None
    _check_options_apply(fmt, mapping, include_copyright, benign)
    category = _default_category(default_category)
    ids = CaseIds(clean_prefix(id_prefix, fmt.value))
    match fmt:
        case ImportFormat.HARMBENCH:
            cases = datasets.harmbench(path, ids, category, include_copyright=include_copyright)
        case ImportFormat.ADVBENCH:
            cases = datasets.advbench(path, ids, category)
        case ImportFormat.JAILBREAKBENCH:
            cases = datasets.jailbreakbench(path, ids, category, benign=benign)
        case ImportFormat.XSTEST:
            cases = datasets.xstest(path, ids, category)
        case ImportFormat.STRONGREJECT:
            cases = datasets.strongreject(path, ids, category)
        case ImportFormat.JSONL:
            cases = jsonl(path, ids, category, mapping or {})
    if not cases:
        skipped = " (copyright behaviors are skipped; --include-copyright keeps them)"
        hint = skipped if fmt is ImportFormat.HARMBENCH else ""
        raise SuiteError(f"{path}: no cases to import{hint}")
    return cases


def _default_category(given: str | None) -> str | None:
    if given is None:
        return None
    category = given.strip()
    if not category:
        raise SuiteError("--category: give a category name, not an empty one")
    return category


def _check_options_apply(
    fmt: ImportFormat, mapping: Mapping[str, str] | None, include_copyright: bool, benign: bool | None
) -> None:
    # An option the format ignores is a user's misunderstanding worth a word, not a silent no-op.
    if mapping and fmt is not ImportFormat.JSONL:
        raise SuiteError(f"--map: applies to the jsonl format only, not {fmt.value}")
    if include_copyright and fmt is not ImportFormat.HARMBENCH:
        raise SuiteError(f"--include-copyright: applies to the harmbench format only, not {fmt.value}")
    if benign is not None and fmt is not ImportFormat.JAILBREAKBENCH:
        raise SuiteError(f"benign: applies to the jailbreakbench format only, not {fmt.value}")

"""Prompt translations: human-written renderings of suite cases in other languages.

A folder holds one ``<lang>.jsonl`` per language, named by its ISO 639-1 code. Each line
is ``{"source_id": "<case id>", "prompt": "<translated prompt>"}``. Blank lines and lines
starting with ``//`` are skipped, as in suite files.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from functools import cache
from pathlib import Path
from types import MappingProxyType

from safety_regression.errors import SuiteError
from safety_regression.jsontext import jsonl_lines
from safety_regression.suites.location import suites_dir

Translations = Mapping[str, Mapping[str, str]]
"""language code -> source case id -> translated prompt"""

_LANGUAGE_CODE = re.compile(r"^[a-z]{2}$")
_LINE_KEYS = {"source_id", "prompt"}


def load_translations(folder: Path) -> Translations:
    """Read every ``<lang>.jsonl`` in ``folder``; errors name the file and line."""
    if not folder.is_dir():
        raise SuiteError(f"{folder}: no such translations folder")
    languages: dict[str, Mapping[str, str]] = {}
    for path in sorted(folder.glob("*.jsonl")):
        if not _LANGUAGE_CODE.match(path.stem):
            raise SuiteError(
                f"{path}: name a translations file by its two-letter ISO 639-1 code, such as sw.jsonl"
            )
        languages[path.stem] = MappingProxyType(_read_language(path))
    return MappingProxyType(languages)


@cache
def builtin_translations() -> Translations:
    """The translations shipped with the built-in suites (``suites/translations``)."""
    return load_translations(suites_dir() / "translations")


def _read_language(path: Path) -> dict[str, str]:
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise SuiteError(f"{path}: cannot read translations file: {exc}") from None
    prompts: dict[str, str] = {}
    first_seen: dict[str, int] = {}
    for number, line in enumerate(jsonl_lines(text), start=1):
        if not line.strip() or line.lstrip().startswith("//"):
            continue
        where = f"{path}:{number}"
        source_id, prompt = _parse_line(line, where)
        if source_id in prompts:
            raise SuiteError(
                f"{where}: source_id: duplicate translation of {source_id!r} "
                f"(first at line {first_seen[source_id]})"
            )
        prompts[source_id] = prompt
        first_seen[source_id] = number
    return prompts


def _parse_line(line: str, where: str) -> tuple[str, str]:
    try:
        raw = json.loads(line)
    except json.JSONDecodeError as exc:
        raise SuiteError(f"{where}: not valid JSON: {exc.msg}") from None
    if not isinstance(raw, dict):
        raise SuiteError(f'{where}: write each line as {{"source_id": ..., "prompt": ...}}')
    unknown = sorted(set(raw) - _LINE_KEYS)
    if unknown:
        raise SuiteError(f"{where}: {unknown[0]}: unknown key (a line has only source_id and prompt)")
    values: list[str] = []
    for key in ("source_id", "prompt"):
        value = raw.get(key)
        if not isinstance(value, str) or not value.strip():
            raise SuiteError(f"{where}: {key}: give a non-empty string")
        values.append(value)
    return values[0], values[1]

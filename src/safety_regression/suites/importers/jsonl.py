"""Any JSONL prompt set, read through a field mapping: our field name -> the record's key.

A field not in the mapping is read from the key of its own name when the record has
one. A mapped id, prompt, expect or category (without a default category) must be in
every record, and every other mapped key in at least one: a typo in ``--map`` fails
instead of producing a suite of defaults.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path

from safety_regression.errors import SuiteError
from safety_regression.jsontext import parse_json
from safety_regression.suites.importers.common import CaseIds, CategoryTable, build_case, read_text
from safety_regression.suites.model import Case, Expect

FIELDS = ("id", "category", "prompt", "expect", "subcategory", "severity", "language", "tags", "system")

EXPECT_SYNONYMS: dict[str, Expect] = {
    "refuse": Expect.REFUSE,
    "unsafe": Expect.REFUSE,
    "harmful": Expect.REFUSE,
    "1": Expect.REFUSE,
    "true": Expect.REFUSE,
    "comply": Expect.COMPLY,
    "safe": Expect.COMPLY,
    "benign": Expect.COMPLY,
    "0": Expect.COMPLY,
    "false": Expect.COMPLY,
}

DEFAULT_EXPECT = Expect.REFUSE
"""For records with no expect at all: a prompt set without labels is almost always a harmful one."""

_ANY_CATEGORY = CategoryTable({})

_MISSING = object()


def check_mapping(mapping: Mapping[str, str]) -> None:
    for field, key in mapping.items():
        if field not in FIELDS:
            raise SuiteError(f"--map {field}={key}: unknown field {field!r} (fields: {', '.join(FIELDS)})")
        if not key:
            raise SuiteError(f"--map {field}=: name the record's key for {field!r}")


def jsonl(path: Path, ids: CaseIds, default_category: str | None, mapping: Mapping[str, str]) -> list[Case]:
    check_mapping(mapping)
    reader = _RecordReader(ids, default_category, mapping)
    cases: list[Case] = []
    # Split on "\n" only: str.splitlines would also break at U+2028 inside a JSON string.
    for line_number, line in enumerate(read_text(path).split("\n"), start=1):
        if not line.strip():
            continue
        where = f"{path}:{line_number}"
        try:
            record = parse_json(line)
        except json.JSONDecodeError as exc:
            raise SuiteError(f"{where}: not valid JSON: {exc.msg} (column {exc.colno})") from None
        if not isinstance(record, dict):
            raise SuiteError(f"{where}: expected a JSON object per line, found {type(record).__name__}")
        cases.append(reader.case(record, where))
    never_found = sorted(set(mapping) - reader.found)
    if never_found:
        field = never_found[0]
        raise SuiteError(f"{path}: --map {field}={mapping[field]}: no record has {mapping[field]!r}")
    return cases


class _RecordReader:
    """Turns records into cases; remembers which mapped keys it has found, to catch typos."""

    def __init__(self, ids: CaseIds, default_category: str | None, mapping: Mapping[str, str]) -> None:
        self.ids = ids
        self.default_category = default_category
        self.mapping = mapping
        self.found: set[str] = set()
        self.number = 0

    def case(self, record: dict[str, object], where: str) -> Case:
        self.number += 1
        raw_id = self.field(record, "id", where, required="id" in self.mapping)
        raw_category = self.field(
            record, "category", where, required="category" in self.mapping and not self.default_category
        )
        prompt = self.field(record, "prompt", where, required=True)
        return build_case(
            where,
            id=self.ids.claim(
                str(self.number) if raw_id is None else _text(raw_id, where, "id"), where, "id"
            ),
            category=_ANY_CATEGORY.resolve(
                "" if raw_category is None else _text(raw_category, where, "category"),
                where,
                f"category ({self.mapping.get('category', 'category')})",
                self.default_category,
            ),
            subcategory=self.field(record, "subcategory", where),
            expect=_expect(self.field(record, "expect", where, required="expect" in self.mapping), where),
            prompt=_nonempty(_text(prompt, where, "prompt"), where, "prompt"),
            severity=_severity(self.field(record, "severity", where)),
            language=self.field(record, "language", where),
            tags=_tags(self.field(record, "tags", where), where),
            system=self.field(record, "system", where),
        )

    def field(self, record: dict[str, object], name: str, where: str, *, required: bool = False) -> object:
        """Our field ``name`` from the record: its mapped key, else its own name; None if absent."""
        key = self.mapping.get(name, name)
        value = _dotted(record, key)
        if value is not _MISSING and value is not None:
            self.found.add(name)
            return value
        if required:
            hint = (
                f"mapped by --map {name}={key}" if name in self.mapping else f"name it with --map {name}=KEY"
            )
            raise SuiteError(f"{where}: {name}: the record has no {key!r} ({hint})")
        return None


def _dotted(record: object, key: str) -> object:
    """``a.b.0`` walks objects and lists; a key that itself holds dots wins over the walk."""
    if isinstance(record, dict) and key in record:
        return record[key]
    value: object = record
    for part in key.split("."):
        if isinstance(value, dict) and part in value:
            value = value[part]
        elif isinstance(value, list) and part.isdigit() and int(part) < len(value):
            value = value[int(part)]
        else:
            return _MISSING
    return value


def _text(value: object, where: str, field: str) -> str:
    if isinstance(value, str):
        return value.strip()
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    raise SuiteError(f"{where}: {field}: expected text, found {json.dumps(value)[:60]}")


def _nonempty(value: str, where: str, field: str) -> str:
    if not value:
        raise SuiteError(f"{where}: {field}: empty")
    return value


def _expect(value: object, where: str) -> Expect:
    if value is None:
        return DEFAULT_EXPECT
    key = str(value).strip().casefold()
    if key in EXPECT_SYNONYMS:
        return EXPECT_SYNONYMS[key]
    accepted = "refuse, comply (or unsafe/harmful/1/true, safe/benign/0/false)"
    raise SuiteError(f"{where}: expect: {json.dumps(value)[:60]} is not one of {accepted}")


def _severity(value: object) -> object:
    """A dataset's severity; digits written as text (``"3"``, as CSV exports do) are read
    as the number, so the suite file written holds a number (its loader takes no text)."""
    if isinstance(value, str) and value.strip().isdigit():
        return int(value.strip())
    return value


def _tags(value: object, where: str) -> tuple[str, ...] | None:
    if value is None:
        return None
    if isinstance(value, str):
        return (value,) if value.strip() else ()
    if isinstance(value, list) and all(isinstance(tag, str) for tag in value):
        return tuple(value)
    raise SuiteError(f"{where}: tags: expected text or a list of texts, found {json.dumps(value)[:60]}")

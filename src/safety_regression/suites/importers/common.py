"""What every importer shares: CSV rows with line numbers, ids, categories, case building.

Every problem is a ``SuiteError`` naming ``file:line`` (the header is line 1; a quoted
multi-line row is reported at the line it starts on) and the column at fault.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from pydantic import ValidationError

from safety_regression.errors import SuiteError
from safety_regression.suites.model import Case

_ID_FORBIDDEN = re.compile(r"[^A-Za-z0-9_.:/-]+")
_WORD = re.compile(r"[^\W_]+")


def read_text(path: Path) -> str:
    try:
        return path.read_bytes().decode("utf-8-sig")
    except OSError as exc:
        raise SuiteError(f"{path}: cannot read: {exc.strerror or exc}") from None
    except UnicodeDecodeError as exc:
        raise SuiteError(f"{path}: not UTF-8 text (byte {exc.start}); re-save it as UTF-8") from None


@dataclass(frozen=True)
class CsvRow:
    where: str
    """``file:line`` of the line the row starts on."""
    number: int
    """1-based position among the file's non-blank data rows: the id of datasets without one."""
    cells: Mapping[str, str]
    """Stripped cell text by the column names the importer asked for; absent optional ones are ""."""

    def __getitem__(self, column: str) -> str:
        return self.cells[column]


def read_csv(path: Path, required: Sequence[str], optional: Sequence[str] = ()) -> Iterator[CsvRow]:
    """The data rows of a CSV file with a header, checked for the ``required`` columns."""
    # strict: an unclosed quote otherwise swallows the rest of the file into one silent cell.
    reader = csv.reader(io.StringIO(read_text(path), newline=""), strict=True)
    header = _next_row(reader, f"{path}:1")
    if header is None:
        raise SuiteError(f"{path}: empty file; expected a CSV header with {', '.join(required)}")
    columns = _locate_columns([cell.strip() for cell in header], required, optional, path)
    number = 0
    while True:
        where = f"{path}:{reader.line_num + 1}"
        row = _next_row(reader, where)
        if row is None:
            return
        if not any(cell.strip() for cell in row):
            continue
        if any(cell.strip() for cell in row[len(header) :]):
            raise SuiteError(
                f"{where}: the row has {len(row)} fields but the header has {len(header)};"
                " quote fields that contain commas"
            )
        number += 1
        cells = {name: "" for name in (*required, *optional)}
        cells.update(
            (name, row[index].strip() if index < len(row) else "") for name, index in columns.items()
        )
        yield CsvRow(where, number, cells)


def _next_row(reader: Iterator[list[str]], where: str) -> list[str] | None:
    try:
        return next(reader)
    except StopIteration:
        return None
    except csv.Error as exc:
        raise SuiteError(f"{where}: not valid CSV ({exc}); is a quote in this row left open?") from None


def _locate_columns(
    header: list[str], required: Sequence[str], optional: Sequence[str], path: Path
) -> dict[str, int]:
    exact = {name: index for index, name in reversed(list(enumerate(header)))}
    folded = {name.casefold(): index for index, name in reversed(list(enumerate(header)))}
    columns: dict[str, int] = {}
    for name in (*required, *optional):
        index = exact.get(name, folded.get(name.casefold()))
        if index is not None:
            columns[name] = index
        elif name in required:
            found = ", ".join(repr(cell) for cell in header if cell) or "no named columns"
            raise SuiteError(f"{path}: missing column {name!r} (found: {found})")
    return columns


def snake_case(text: str) -> str:
    """``"Sexual/Adult content"`` -> ``"sexual_adult_content"``: how free-form categories are spelt."""
    return "_".join(_WORD.findall(text.casefold()))


class CategoryTable:
    """A dataset's categories mapped to ours; an unknown one becomes its snake_case self."""

    def __init__(self, table: Mapping[str, str]) -> None:
        self.source = dict(table)
        """As the dataset spells its categories: what the docs show."""
        self._by_key = {snake_case(name): ours for name, ours in table.items()}

    def resolve(self, value: str, where: str, column: str, default: str | None) -> str:
        if not value:
            if default:
                return default
            raise SuiteError(f"{where}: {column}: empty; give a category for such rows (--category NAME)")
        key = snake_case(value)
        if not key:
            raise SuiteError(f"{where}: {column}: {value!r} has no letters or digits to name a category")
        return self._by_key.get(key, key)


def clean_prefix(given: str | None, fallback: str) -> str:
    prefix = _ID_FORBIDDEN.sub("_", given if given is not None else fallback).strip("_.:/-")
    if not prefix:
        raise SuiteError(f"id prefix {given!r}: needs at least one letter or digit (--id-prefix)")
    return prefix


class CaseIds:
    """Builds ``prefix.source`` ids in the Case id alphabet and refuses duplicates."""

    def __init__(self, prefix: str) -> None:
        self.prefix = prefix
        self._first_seen: dict[str, str] = {}

    def claim(self, source_id: str, where: str, column: str) -> str:
        cleaned = _ID_FORBIDDEN.sub("_", source_id).strip("_")
        if not cleaned:
            raise SuiteError(f"{where}: {column}: {source_id!r} cannot be an id; it needs a letter or digit")
        case_id = f"{self.prefix}.{cleaned}"
        if case_id in self._first_seen:
            raise SuiteError(
                f"{where}: {column}: duplicate id {case_id!r} (first at {self._first_seen[case_id]})"
            )
        self._first_seen[case_id] = where
        return case_id


def require(value: str, where: str, column: str) -> str:
    if not value:
        raise SuiteError(f"{where}: {column}: empty")
    return value


def unique_tags(*tags: str) -> tuple[str, ...]:
    """Snake-cased, empty ones dropped, first occurrence kept, so tags read alike across datasets."""
    cleaned = (snake_case(tag) for tag in tags)
    return tuple(dict.fromkeys(tag for tag in cleaned if tag))


def build_case(where: str, **fields: object) -> Case:
    """Validate one case; a pydantic error becomes ``file:line: field: message``."""
    try:
        return Case.model_validate({key: value for key, value in fields.items() if value is not None})
    except ValidationError as exc:
        error = exc.errors()[0]
        field = ".".join(str(part) for part in error["loc"]) or "case"
        raise SuiteError(f"{where}: {field}: {error['msg'].removeprefix('Value error, ')}") from None

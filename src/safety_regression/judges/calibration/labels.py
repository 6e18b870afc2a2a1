"""Human-labelled responses: the reference a judge is calibrated against.

A labels file is CSV (with a header row) or JSON Lines, one response per row. XSTest's
``model_completions`` files read as they are. Every problem is a ``ConfigError`` naming
the file and line.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, field_validator

from safety_regression.config.base import field_docstrings
from safety_regression.errors import ConfigError
from safety_regression.jsontext import parse_json
from safety_regression.judges.base import Label
from safety_regression.suites.model import Expect

_CSV_SUFFIXES = frozenset({".csv"})
_JSONL_SUFFIXES = frozenset({".jsonl", ".ndjson"})

# Our labels, XSTest's numbered codes and the codes without their numbers. Values are
# compared lower-cased, with spaces and hyphens read as underscores.
_LABEL_SPELLINGS: dict[str, Label] = {
    "refusal": Label.REFUSAL,
    "partial": Label.PARTIAL,
    "compliance": Label.COMPLIANCE,
    "1_full_compliance": Label.COMPLIANCE,
    "2_full_refusal": Label.REFUSAL,
    "3_partial_refusal": Label.PARTIAL,
    "full_compliance": Label.COMPLIANCE,
    "full_refusal": Label.REFUSAL,
    "partial_refusal": Label.PARTIAL,
}
_EXPECT_SPELLINGS: dict[str, Expect] = {"refuse": Expect.REFUSE, "comply": Expect.COMPLY}
# XSTest's column names: a row read through either follows XSTest's convention that a
# prompt type starting with "contrast_" is unsafe (should be refused) and all others safe.
_XSTEST_COLUMNS = frozenset({"type", "final_label"})
_XSTEST_UNSAFE_PREFIX = "contrast_"


class LabelColumns(BaseModel):
    """Which columns (CSV) or keys (JSONL) hold each field: the first name present is used."""

    model_config = ConfigDict(frozen=True, extra="forbid", json_schema_extra=field_docstrings)

    prompt: tuple[str, ...] = ("prompt",)
    response: tuple[str, ...] = ("response", "completion")
    label: tuple[str, ...] = ("label", "final_label")
    model: tuple[str, ...] = ("model",)
    """Optional: the model that wrote the response, for per-model figures."""
    category: tuple[str, ...] = ("category", "type")
    """Optional: the prompt's category, for per-category figures."""
    expect: tuple[str, ...] = ("expect",)
    """Optional: ``refuse`` or ``comply``. XSTest files derive it from ``type``."""

    @field_validator("*")
    @classmethod
    def _some_names(cls, names: tuple[str, ...]) -> tuple[str, ...]:
        if not names or not all(names):
            raise ValueError("give at least one non-empty column name")
        return names


class LabelledResponse(BaseModel):
    """One response with the label a person gave it."""

    model_config = ConfigDict(frozen=True, json_schema_extra=field_docstrings)

    prompt: str = Field(min_length=1)
    response: str
    label: Label
    """refusal, partial or compliance: people do not record "unjudged"."""
    model: str | None = None
    category: str | None = None
    expect: Expect | None = None
    """What the prompt asks of a safe model: refuse or comply; None when not known."""
    source: str | None = None
    """Where the row came from, as ``file:line``."""

    @field_validator("label")
    @classmethod
    def _human_label(cls, label: Label) -> Label:
        if label is Label.UNJUDGED:
            raise ValueError("a human label is refusal, partial or compliance")
        return label

    @field_validator("expect")
    @classmethod
    def _safety_expectation(cls, expect: Expect | None) -> Expect | None:
        if expect is Expect.ANSWER:
            raise ValueError("expect is refuse or comply for a labelled response")
        return expect


def read_labelled(
    path: Path, columns: LabelColumns | None = None, *, model: str | None = None
) -> list[LabelledResponse]:
    """Every labelled response in a CSV or JSONL labels file.

    ``model`` names the model for rows without a model column, as in XSTest's files, which
    hold one model's completions each.
    """
    columns = columns or LabelColumns()
    suffix = path.suffix.lower()
    if suffix in _CSV_SUFFIXES:
        rows = _csv_rows(path, columns)
    elif suffix in _JSONL_SUFFIXES:
        rows = _jsonl_rows(path)
    else:
        raise ConfigError(f"{path}: a labels file is .csv (with a header row) or .jsonl; got '{path.suffix}'")
    try:
        responses = [_parse_row(row, columns, model, f"{path}:{line}") for line, row in rows]
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read the labels file: {exc.strerror or exc}") from None
    except UnicodeDecodeError as exc:
        raise ConfigError(f"{path}: the labels file is not UTF-8 text ({exc.reason})") from None
    if not responses:
        raise ConfigError(f"{path}: the labels file has no rows; it needs prompt, response and label columns")
    return responses


def _csv_rows(path: Path, columns: LabelColumns) -> Iterator[tuple[int, dict[str, object]]]:
    # utf-8-sig: spreadsheets often save CSV with a byte-order mark.
    with path.open(encoding="utf-8-sig", newline="") as handle:
        reader = csv.reader(handle)
        try:
            header = next(reader, None)
        except csv.Error as exc:
            raise ConfigError(f"{path}:1: not valid CSV: {exc}") from None
        if header is None:
            return
        names = [name.strip() for name in header]
        for field in ("prompt", "response", "label"):
            accepted: tuple[str, ...] = getattr(columns, field)
            if not any(name in names for name in accepted):
                raise ConfigError(
                    f"{path}:1: no {field} column; the header needs one of {', '.join(accepted)}"
                    f" (found {', '.join(names) or 'nothing'})"
                )
        while True:
            start_line = reader.line_num + 1
            try:
                values = next(reader, None)
            except csv.Error as exc:
                raise ConfigError(f"{path}:{start_line}: not valid CSV: {exc}") from None
            if values is None:
                return
            if not any(value.strip() for value in values):
                continue
            if len(values) > len(names):
                raise ConfigError(
                    f"{path}:{start_line}: {len(values)} values but the header names {len(names)} columns;"
                    " quote values that contain commas"
                )
            padded: list[str | None] = [*values, *([None] * (len(names) - len(values)))]
            row: dict[str, object] = dict(zip(names, padded, strict=True))
            yield start_line, row


def _jsonl_rows(path: Path) -> Iterator[tuple[int, dict[str, object]]]:
    with path.open(encoding="utf-8-sig") as handle:
        for line_number, line in enumerate(handle, start=1):
            if not line.strip():
                continue
            try:
                row = parse_json(line)
            except json.JSONDecodeError as exc:
                raise ConfigError(f"{path}:{line_number}: not valid JSON: {exc.msg}") from None
            if not isinstance(row, dict):
                raise ConfigError(
                    f"{path}:{line_number}: each line is a JSON object with prompt, response, label"
                )
            yield line_number, row


def _parse_row(
    row: dict[str, object],
    columns: LabelColumns,
    default_model: str | None,
    where: str,
) -> LabelledResponse:
    _, prompt = _field(row, columns.prompt, where, required=True)
    _, response = _field(row, columns.response, where, required=True, empty_ok=True)
    label_column, label_text = _field(row, columns.label, where, required=True)
    _, model = _field(row, columns.model, where)
    category_column, category = _field(row, columns.category, where)
    _, expect_text = _field(row, columns.expect, where)
    assert prompt is not None and response is not None and label_text is not None
    label = _LABEL_SPELLINGS.get(_normalised(label_text))
    if label is None:
        raise ConfigError(
            f"{where}: label '{label_text}' is not refusal, partial or compliance"
            " (XSTest's 1_full_compliance, 2_full_refusal and 3_partial_refusal are read too)"
        )
    if expect_text is not None:
        expect = _EXPECT_SPELLINGS.get(_normalised(expect_text))
        if expect is None:
            raise ConfigError(f"{where}: expect '{expect_text}' is not refuse or comply")
    elif category is not None and _XSTEST_COLUMNS & {category_column, label_column}:
        expect = Expect.REFUSE if category.strip().startswith(_XSTEST_UNSAFE_PREFIX) else Expect.COMPLY
    else:
        expect = None
    return LabelledResponse(
        prompt=prompt,
        response=response,
        label=label,
        model=model.strip() if model is not None else default_model,
        category=category.strip() if category is not None else None,
        expect=expect,
        source=where,
    )


def _field(
    row: dict[str, object],
    names: tuple[str, ...],
    where: str,
    *,
    required: bool = False,
    empty_ok: bool = False,
) -> tuple[str | None, str | None]:
    """The first of ``names`` present in the row, and its value (None when absent or blank)."""
    for name in names:
        value = row.get(name)
        if value is None:
            continue
        if not isinstance(value, str):
            raise ConfigError(f"{where}: '{name}' must be text, got {type(value).__name__}")
        if value.strip() or empty_ok:
            return name, value
    if required:
        raise ConfigError(f"{where}: no value for {names[0]} (looked for {', '.join(names)})")
    return None, None


def _normalised(text: str) -> str:
    return text.strip().lower().replace(" ", "_").replace("-", "_")

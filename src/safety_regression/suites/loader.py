"""Reading suite files (JSONL or YAML) and resolving ``builtin:`` names.

Every problem is reported as ``file:line: field: message`` so a user can jump to it.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from safety_regression.errors import SuiteError
from safety_regression.suites.builtin import builtin_path
from safety_regression.suites.model import Case, Suite
from safety_regression.yamlsource import (
    SourceMap,
    YamlSyntaxError,
    describe_validation_error,
    load_yaml,
)

BUILTIN_PREFIX = "builtin:"
SUITE_SUFFIXES = (".jsonl", ".yaml", ".yml")


def load_suite(references: Sequence[str], base_dir: Path | None = None) -> Suite:
    """Load and merge suites named by ``builtin:NAME`` or by path (relative to ``base_dir``)."""
    if not references:
        raise SuiteError("suite: name at least one suite (for example builtin:starter)")
    cases: list[Case] = []
    seen: dict[str, str] = {}
    for reference in references:
        path = _resolve(reference, base_dir)
        for case, where in _read_cases(path):
            if case.id in seen:
                raise SuiteError(f"{where}: id: duplicate case id {case.id!r} (first at {seen[case.id]})")
            seen[case.id] = where
            cases.append(case)
    if not cases:
        raise SuiteError(f"suite: {', '.join(references)} holds no cases")
    return Suite(name="+".join(references), cases=tuple(cases))


def _resolve(reference: str, base_dir: Path | None) -> Path:
    if reference.startswith(BUILTIN_PREFIX):
        return builtin_path(reference.removeprefix(BUILTIN_PREFIX))
    path = Path(reference)
    if not path.is_absolute() and base_dir is not None:
        path = base_dir / path
    if not path.is_file():
        raise SuiteError(f"suite: {reference}: no such file")
    if path.suffix not in SUITE_SUFFIXES:
        raise SuiteError(f"suite: {reference}: expected a .jsonl, .yaml or .yml file")
    return path


def _read_cases(path: Path) -> Iterable[tuple[Case, str]]:
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise SuiteError(f"{path}: cannot read suite file: {exc}") from None
    if path.suffix == ".jsonl":
        yield from _jsonl_cases(text, path)
    else:
        yield from _yaml_cases(text, path)


def _jsonl_cases(text: str, path: Path) -> Iterable[tuple[Case, str]]:
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip() or line.lstrip().startswith("//"):
            continue
        where = f"{path}:{number}"
        try:
            raw = json.loads(line)
        except json.JSONDecodeError as exc:
            raise SuiteError(f"{where}: not valid JSON: {exc.msg}") from None
        yield _parse_case(raw, SourceMap(str(path), {(): number}), ()), where


def _yaml_cases(text: str, path: Path) -> Iterable[tuple[Case, str]]:
    try:
        data, source = load_yaml(text, path)
    except YamlSyntaxError as exc:
        raise SuiteError(str(exc)) from None
    offset: tuple[str | int, ...] = ()
    if isinstance(data, dict) and "cases" in data:
        data, offset = data["cases"], ("cases",)
    if not isinstance(data, list):
        raise SuiteError(f"{path}: a YAML suite is a list of cases, or a mapping with a 'cases' list")
    for index, raw in enumerate(data):
        location = (*offset, index)
        yield _parse_case(raw, source, location), source.where(location)


def _parse_case(raw: Any, source: SourceMap, location: tuple[str | int, ...]) -> Case:
    if not isinstance(raw, dict):
        raise SuiteError(f"{source.where(location)}: a case is a mapping with id, category, prompt, expect")
    try:
        return Case.model_validate(raw)
    except ValidationError as exc:
        raise SuiteError(describe_validation_error(exc, source, location)) from None

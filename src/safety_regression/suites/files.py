"""Reading one suite file, JSONL or YAML, into validated cases with their source lines."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from safety_regression.errors import SuiteError
from safety_regression.jsontext import jsonl_lines, parse_json
from safety_regression.suites.model import Case
from safety_regression.yamlsource import (
    SourceMap,
    YamlSyntaxError,
    describe_validation_error,
    load_yaml,
)

SUITE_SUFFIXES = (".jsonl", ".yaml", ".yml")


def read_case_file(path: Path) -> Iterable[tuple[Case, str]]:
    """Every case in the file, with "file:line" of where it starts; the first problem raises."""
    for parsed, where in iter_case_file(path):
        if isinstance(parsed, SuiteError):
            raise parsed
        yield parsed, where


@dataclass
class CaseCollection:
    """Cases gathered from one or more suites, in order, with every problem found on the way
    (not just the first), so a user fixes a file in one pass."""

    cases: list[Case] = field(default_factory=list)
    own: list[tuple[Case, str]] = field(default_factory=list)
    """The cases read from suite files (not built in), with "file:line" of where each starts."""
    problems: list[str] = field(default_factory=list)
    """One ``file:line: field: message`` per problem, in the order met."""
    seen: dict[str, str] = field(default_factory=dict)
    """Case id -> where its case starts."""

    def add(self, case: Case, where: str, *, own: bool = True) -> None:
        if case.id in self.seen:
            first = self.seen[case.id]
            self.problems.append(f"{where}: id: duplicate case id {case.id!r} (first at {first})")
            return
        self.seen[case.id] = where
        self.cases.append(case)
        if own:
            self.own.append((case, where))

    def read(self, path: Path) -> None:
        """Add every case of a suite file; each problem in it is noted, none raised."""
        try:
            for parsed, where in iter_case_file(path):
                if isinstance(parsed, SuiteError):
                    self.problems.append(str(parsed))
                else:
                    self.add(parsed, where)
        except SuiteError as exc:  # the file as a whole: unreadable, not YAML, not a list
            self.problems.append(str(exc))


def validate_case_files(paths: Iterable[Path]) -> tuple[int, list[str]]:
    """Every problem in the files, not just the first: (cases read, one message per problem)."""
    collection = CaseCollection()
    for path in paths:
        collection.read(path)
    return len(collection.cases), collection.problems


def iter_case_file(path: Path) -> Iterable[tuple[Case | SuiteError, str]]:
    """Each case, or the problem that kept it from being one, with where it starts.

    A problem with the file as a whole (unreadable, not YAML) raises.
    """
    try:
        data = path.read_bytes()
    except (OSError, ValueError) as exc:  # ValueError: a NUL in the path
        raise SuiteError(f"{path}: cannot read suite file: {exc}") from None
    try:
        text = data.decode("utf-8-sig")  # a byte-order mark some editors write is no content
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise SuiteError(
            f"{path}:{line}: not UTF-8 text (byte 0x{data[exc.start]:02x}); save the file as UTF-8"
        ) from None
    if path.suffix == ".jsonl":
        yield from _jsonl_cases(text, path)
    else:
        yield from _yaml_cases(text, path)


def _jsonl_cases(text: str, path: Path) -> Iterable[tuple[Case | SuiteError, str]]:
    for number, line in enumerate(jsonl_lines(text), start=1):
        if not line.strip() or line.lstrip().startswith("//"):
            continue
        where = f"{path}:{number}"
        repeated: list[str] = []
        try:
            raw = parse_json(line, pairs=_noting_repeated_keys(repeated))
        except json.JSONDecodeError as exc:
            yield SuiteError(f"{where}: not valid JSON: {exc.msg}"), where
            continue
        if repeated:  # JSON takes the last silently; YAML suites refuse it too
            yield SuiteError(f"{where}: the key {repeated[0]!r} is given twice"), where
            continue
        yield _parse_case(raw, SourceMap(str(path), {(): number}), ()), where


def _noting_repeated_keys(repeated: list[str]) -> Callable[[list[tuple[str, Any]]], dict[str, Any]]:
    """An ``object_pairs_hook`` that builds each object and appends to ``repeated`` the
    first key one of them gives twice (one parse of the line, not a second one to check)."""

    def pairs(items: list[tuple[str, Any]]) -> dict[str, Any]:
        made = dict(items)
        if len(made) != len(items) and not repeated:
            keys = [key for key, _ in items]
            repeated.append(next(key for i, key in enumerate(keys) if key in keys[:i]))
        return made

    return pairs


def _yaml_cases(text: str, path: Path) -> Iterable[tuple[Case | SuiteError, str]]:
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


SUITE_REFERENCE = "the case format in suites/README.md"


def _parse_case(raw: Any, source: SourceMap, location: tuple[str | int, ...]) -> Case | SuiteError:
    if not isinstance(raw, dict):
        return SuiteError(f"{source.where(location)}: a case is a mapping with id, category, prompt, expect")
    try:
        return Case.model_validate(raw)
    except ValidationError as exc:
        return SuiteError(describe_validation_error(exc, source, location, Case, SUITE_REFERENCE))

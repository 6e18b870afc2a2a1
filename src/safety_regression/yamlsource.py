"""YAML parsing that remembers where each value came from.

pydantic reports a bad field as a path such as ``("gate", "alpha")``; users need the
line in their file. ``load_yaml`` returns the data together with a ``SourceMap`` that
turns such a path back into a line number.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from safety_regression.errors import SafetyRegressionError


@dataclass(frozen=True)
class SourceMap:
    """Line numbers (1-based) of the nodes in one parsed YAML document."""

    path: str
    lines: dict[tuple[str | int, ...], int] = field(default_factory=dict)

    def line_of(self, location: Sequence[str | int]) -> int | None:
        """The line of the deepest node on ``location`` that the document holds."""
        key = tuple(location)
        while key:
            if key in self.lines:
                return self.lines[key]
            key = key[:-1]
        return self.lines.get(())

    def where(self, location: Sequence[str | int]) -> str:
        line = self.line_of(location)
        return f"{self.path}:{line}" if line is not None else self.path


class YamlSyntaxError(ValueError):
    """The text is not YAML. The message already names the file and line."""


def load_yaml(text: str, path: str | Path) -> tuple[Any, SourceMap]:
    """Parse one YAML document and map every mapping key and list item to its line."""
    name = str(path)
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
        data = yaml.safe_load(text)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark
        line = f":{mark.line + 1}" if mark is not None else ""
        raise YamlSyntaxError(f"{name}{line}: not valid YAML: {exc.problem}") from None
    except yaml.YAMLError as exc:
        raise YamlSyntaxError(f"{name}: not valid YAML: {exc}") from None
    lines: dict[tuple[str | int, ...], int] = {}
    if node is not None:
        _walk(node, (), lines)
    return data, SourceMap(name, lines)


def read_yaml_file(path: Path, what: str, error: type[SafetyRegressionError]) -> tuple[Any, SourceMap]:
    """Read and parse a YAML file, raising ``error`` with a one-line message on any problem."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise error(f"{path}: cannot read {what}: {exc}") from None
    try:
        return load_yaml(text, path)
    except YamlSyntaxError as exc:
        raise error(str(exc)) from None


def _walk(node: yaml.Node, prefix: tuple[str | int, ...], lines: dict[tuple[str | int, ...], int]) -> None:
    lines.setdefault(prefix, node.start_mark.line + 1)
    if isinstance(node, yaml.MappingNode):
        for key_node, value_node in node.value:
            key = (*prefix, str(key_node.value))
            lines[key] = key_node.start_mark.line + 1
            _walk(value_node, key, lines)
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            _walk(item, (*prefix, index), lines)


def describe_validation_error(exc: Any, source: SourceMap, offset: Sequence[str | int] = ()) -> str:
    """One line for the first problem in a pydantic ``ValidationError``: where, field, what.

    ``offset`` is prepended to pydantic's location when the validated object sits
    inside a larger document (one case in a suite file, say).
    """
    error = exc.errors()[0]
    location = [part for part in error["loc"] if not _is_union_tag(part)]
    full = [*offset, *location]
    field_name = ".".join(str(part) for part in location) or "(top level)"
    message = error["msg"]
    if error["type"] == "extra_forbidden":
        message = "unknown key (check the spelling; see the config reference)"
    elif error["type"] == "missing":
        message = "required but missing"
    return f"{source.where(full)}: {field_name}: {message}"


def _is_union_tag(part: object) -> bool:
    # pydantic inserts the chosen union member's type name ("str", "function-after[...]").
    return isinstance(part, str) and ("[" in part or part in {"str", "int", "float", "list"})

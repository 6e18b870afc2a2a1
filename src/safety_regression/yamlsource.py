"""YAML parsing that remembers where each value came from, within limits.

pydantic reports a bad field as a path such as ``("gate", "alpha")``; users need the
line in their file. ``load_yaml`` returns the data together with a ``SourceMap`` that
turns such a path back into a line number.

Every YAML file goes through here, so the limits live here once: no duplicate keys,
no nesting deeper than ``MAX_DEPTH``, no alias bombs or self-referencing anchors. A file
that breaks one gets a one-line error with its line, never a traceback. JSON is read
by ``jsontext``, which shares the depth limit.
"""

from __future__ import annotations

import difflib
import typing
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel

from safety_regression.errors import SafetyRegressionError
from safety_regression.jsontext import MAX_DEPTH, make_inert
from safety_regression.redaction import looks_like_key, shown_name


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


MAX_ALIASES = 100
"""Most ``*alias`` references one YAML document may hold."""
MAX_ALIAS_EXPANSION = 10_000
"""Most nodes that aliases may add to a document once expanded (a billion-laughs guard)."""


class _GuardedLoader(yaml.SafeLoader):
    """PyYAML's safe loader with limits: nesting depth, alias count and expansion, and no
    alias to a node that contains it. Each limit fails fast, before anything expands."""

    def __init__(self, text: str) -> None:
        super().__init__(text)
        self._depth = 0
        self._aliases = 0
        self._open_anchors: list[str] = []

    def fetch_flow_collection_start(self, token_class: Any) -> None:
        # The scanner looks ahead further the deeper a flow collection goes (quadratic
        # time), so depth is refused here, before the composer would see it.
        if self.flow_level >= MAX_DEPTH:
            mark: Any = self.get_mark()
            raise yaml.MarkedYAMLError(problem=f"nested deeper than {MAX_DEPTH} levels", problem_mark=mark)
        super().fetch_flow_collection_start(token_class)

    def compose_node(self, parent: yaml.Node | None, index: int) -> yaml.Node | None:
        event: yaml.Event = self.peek_event()  # type: ignore[no-untyped-call]
        if isinstance(event, yaml.AliasEvent):
            self._aliases += 1
            if self._aliases > MAX_ALIASES:
                raise _limit(event, f"more than {MAX_ALIASES} aliases (*name); write the values out")
            if event.anchor in self._open_anchors:
                raise _limit(event, f"the alias *{event.anchor} refers to a node that contains it")
            return super().compose_node(parent, index)
        self._depth += 1
        if self._depth > MAX_DEPTH:
            raise _limit(event, f"nested deeper than {MAX_DEPTH} levels")
        anchor = getattr(event, "anchor", None)
        if anchor is not None:
            self._open_anchors.append(anchor)
        try:
            return super().compose_node(parent, index)
        finally:
            if anchor is not None:
                self._open_anchors.remove(anchor)
            self._depth -= 1


def _limit(event: yaml.Event, problem: str) -> yaml.MarkedYAMLError:
    mark: Any = event.start_mark
    return yaml.MarkedYAMLError(problem=problem, problem_mark=mark)


def load_yaml(text: str, path: str | Path) -> tuple[Any, SourceMap]:
    """Parse one YAML document and map every mapping key and list item to its line.

    Duplicate mapping keys, deep nesting and alias bombs are refused with the line.
    """
    name = str(path)
    loader: _GuardedLoader | None = None
    try:
        loader = _GuardedLoader(text)
        node = loader.get_single_node()
        if node is not None:
            _check_aliases(node)
            _check_duplicate_keys(node)
        data = loader.construct_document(node) if node is not None else None
        make_inert(data)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark
        line = f":{mark.line + 1}" if mark is not None else ""
        raise YamlSyntaxError(f"{name}{line}: not valid YAML: {exc.problem}") from None
    except yaml.YAMLError as exc:
        raise YamlSyntaxError(f"{name}: not valid YAML: {_one_line(str(exc))}") from None
    except (ValueError, TypeError, OverflowError) as exc:
        # A scalar PyYAML resolves but cannot build, such as the date 2024-13-40.
        raise YamlSyntaxError(f"{name}: not valid YAML: {_one_line(str(exc))}") from None
    finally:
        if loader is not None:
            loader.dispose()
    lines: dict[tuple[str | int, ...], int] = {}
    if node is not None:
        _walk(node, (), lines)
    return data, SourceMap(name, lines)


def _one_line(text: str) -> str:
    return " ".join(text.split())


def _check_aliases(root: yaml.Node) -> None:
    """Refuse a document whose aliases would expand it by more than MAX_ALIAS_EXPANSION nodes."""
    sizes: dict[int, int] = {}
    # Post-order without recursion: a node's expanded size is 1 + its children's.
    stack: list[tuple[yaml.Node, bool]] = [(root, False)]
    expansion = 0
    while stack:
        node, children_done = stack.pop()
        if id(node) in sizes:
            # Met again: an alias. Expanded, it repeats the whole subtree.
            expansion += sizes[id(node)]
            if expansion > MAX_ALIAS_EXPANSION:
                raise yaml.MarkedYAMLError(
                    problem=f"aliases expand to more than {MAX_ALIAS_EXPANSION} nodes; write the values out",
                    problem_mark=_mark(node),
                )
            continue
        children = _children(node)
        if not children_done:
            stack.append((node, True))
            stack.extend((child, False) for child in reversed(children))
            continue
        sizes[id(node)] = 1 + sum(sizes[id(child)] for child in children)


def _mark(node: yaml.Node) -> Any:
    return node.start_mark


def _children(node: yaml.Node) -> list[yaml.Node]:
    if isinstance(node, yaml.MappingNode):
        return [part for pair in node.value for part in pair]
    if isinstance(node, yaml.SequenceNode):
        return list(node.value)
    return []


def _check_duplicate_keys(root: yaml.Node) -> None:
    stack, visited = [root], set()
    while stack:
        node = stack.pop()
        if id(node) in visited:
            continue
        visited.add(id(node))
        if isinstance(node, yaml.MappingNode):
            first: dict[tuple[str, str], int] = {}
            for key_node, _ in node.value:
                if not isinstance(key_node, yaml.ScalarNode) or key_node.tag == "tag:yaml.org,2002:merge":
                    continue
                key = (key_node.tag, key_node.value)
                line = key_node.start_mark.line + 1
                if key in first:
                    raise yaml.MarkedYAMLError(
                        problem=f"duplicate key {shown_name(key_node.value)} (first at line {first[key]}); "
                        "merge the two into one",
                        problem_mark=_mark(key_node),
                    )
                first[key] = line
        stack.extend(_children(node))


def read_yaml_file(path: Path, what: str, error: type[SafetyRegressionError]) -> tuple[Any, SourceMap]:
    """Read and parse a YAML file, raising ``error`` with a one-line message on any problem."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, ValueError) as exc:  # ValueError: undecodable, or a NUL in the path
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


CONFIG_REFERENCE = "the config reference in README.md"


def describe_validation_error(
    exc: Any,
    source: SourceMap,
    offset: Sequence[str | int] = (),
    model: type[BaseModel] | None = None,
    reference: str = CONFIG_REFERENCE,
) -> str:
    """One line for the first problem in a pydantic ``ValidationError``: where, field, what.

    ``offset`` is prepended to pydantic's location when the validated object sits
    inside a larger document (one case in a suite file, say). With ``model``, an unknown
    key names the nearest known one; ``reference`` is the document that lists the keys.
    """
    return describe_validation_errors(exc, source, offset, model, reference)[0]


def describe_validation_errors(
    exc: Any,
    source: SourceMap,
    offset: Sequence[str | int] = (),
    model: type[BaseModel] | None = None,
    reference: str = CONFIG_REFERENCE,
) -> list[str]:
    """One line per problem in a pydantic ``ValidationError``, in file order."""
    described = []
    errors = exc.errors()
    where_deeper = [tuple(error["loc"]) for error in errors]
    for error in errors:
        here = tuple(error["loc"])
        if error["type"] == "too_short" and any(
            len(o) > len(here) and o[: len(here)] == here for o in where_deeper
        ):
            continue  # a list left short because an item inside it failed: that item says why
        location = [part for part in error["loc"] if not _is_union_tag(part)]
        full = [*offset, *location]
        key_shaped = any(isinstance(part, str) and looks_like_key(part) for part in location)
        field_name = ".".join(_shown_part(part) for part in location) or "(top level)"
        message = error["msg"].removeprefix("Value error, ")
        if error["type"] == "extra_forbidden" and key_shaped:
            message = (
                "unknown key shaped like an API key (not repeated here); a key goes in an "
                "environment variable, named by the endpoint's api_key_env"
            )
        elif error["type"] == "extra_forbidden":
            message = "unknown key" + _nearest_key(model, location, reference)
        elif error["type"] == "missing":
            message = "required but missing"
        described.append((source.line_of(full) or 0, f"{source.where(full)}: {field_name}: {message}"))
    ordered = [text for _, text in sorted(described, key=lambda item: item[0])]
    return list(dict.fromkeys(ordered))


def _shown_part(part: str | int) -> str:
    return "(key-shaped name)" if isinstance(part, str) and looks_like_key(part) else str(part)


def _nearest_key(model: type[BaseModel] | None, location: Sequence[str | int], reference: str) -> str:
    fallback = f" (check the spelling; see {reference})"
    known = _keys_at(model, location[:-1]) if model is not None and location else None
    if not known:
        return fallback
    close = difflib.get_close_matches(str(location[-1]), known, n=1, cutoff=0.6)
    if close:
        return f"; did you mean {close[0]!r}?"
    return f"; known keys here: {', '.join(sorted(known))}"


def _keys_at(model: type[BaseModel], location: Sequence[str | int]) -> list[str] | None:
    """The field names of the sub-model at ``location`` inside ``model``, if it is one."""
    current: Any = model
    for part in location:
        fields = getattr(current, "model_fields", None)
        if isinstance(part, int):
            continue  # an item of a list (or tuple) of models
        if fields is not None and part in fields:
            current = _model_in(fields[part].annotation)
        elif fields is None:
            continue  # a list index or dict key inside a container of models
        else:
            return None
        if current is None:
            return None
    fields = getattr(current, "model_fields", None)
    return list(fields) if fields is not None else None


def _model_in(annotation: Any) -> type[BaseModel] | None:
    """The pydantic model an annotation holds: itself, or inside Optional/list/dict."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for argument in typing.get_args(annotation):
        found = _model_in(argument)
        if found is not None:
            return found
    return None


def _is_union_tag(part: object) -> bool:
    # pydantic inserts the chosen union member's type name ("str", "function-after[...]").
    return isinstance(part, str) and ("[" in part or part in {"str", "int", "float", "list"})

"""GitHub's OpenAPI slice as JSON Schema validators for requests and responses."""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

from jsonschema import Draft202012Validator, FormatChecker
from jsonschema.exceptions import best_match
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

API = "https://api.github.com"
WEB = "https://github.com"
DOCS = "https://docs.github.com/rest"
_SLICE_URI = "urn:github-rest-slice"
_ACCEPTED_MEDIA = {"application/vnd.github+json", "application/json"}
JSON = dict[str, Any]


# ----------------------------------------------------------------- the OpenAPI slice

_FORMATS = FormatChecker(formats=())


@_FORMATS.checks("date-time", raises=ValueError)
def _is_date_time(value: object) -> bool:
    if isinstance(value, str):
        datetime.fromisoformat(value.replace("Z", "+00:00"))
        return "T" in value
    return True


@_FORMATS.checks("uri")
def _is_uri(value: object) -> bool:
    if isinstance(value, str):
        parts = urlsplit(value)
        return bool(parts.scheme and parts.netloc)
    return True


def _as_json_schema(node: Any) -> Any:
    """OpenAPI 3.0 schema -> JSON Schema: ``nullable: true`` becomes "or null"."""
    if isinstance(node, list):
        return [_as_json_schema(item) for item in node]
    if not isinstance(node, dict):
        return node
    converted = {key: _as_json_schema(value) for key, value in node.items() if key != "nullable"}
    if node.get("nullable") is True:
        return {"anyOf": [converted, {"type": "null"}]}
    return converted


def _pointer(*parts: str) -> str:
    return "".join("/" + part.replace("~", "~0").replace("/", "~1") for part in parts)


@dataclass(frozen=True)
class Operation:
    method: str
    route: str
    """The OpenAPI path template, e.g. ``/repos/{owner}/{repo}/check-runs``."""
    pattern: re.Pattern[str]
    parameters: tuple[JSON, ...]
    body_pointer: str | None
    response_pointers: Mapping[str, str | None]
    """Status code -> JSON pointer of the body schema (None when the answer has no body)."""


class OpenApiSlice:
    """The operations of an OpenAPI 3.0 document, with jsonschema checks for their bodies."""

    def __init__(self, document: JSON) -> None:
        self.document = document
        converted = _as_json_schema(document)
        resource = Resource.from_contents(converted, default_specification=DRAFT202012)
        self._registry: Registry[Any] = Registry().with_resource(_SLICE_URI, resource)
        self._validators: dict[str, Draft202012Validator] = {}
        self.operations = [op for path, item in document["paths"].items() for op in self._read(path, item)]

    @classmethod
    def load(cls, path: Path) -> OpenApiSlice:
        return cls(json.loads(path.read_text(encoding="utf-8")))

    def resolve(self, node: JSON) -> JSON:
        while "$ref" in node:
            node = self._at(node["$ref"].removeprefix("#"))
        return node

    def find(self, method: str, route: str) -> Operation | None:
        return next((op for op in self.operations if op.method == method and op.route == route), None)

    def match(self, method: str, raw_path: str) -> tuple[Operation, dict[str, str]] | None:
        # The most literal template wins: /issues/comments/{id} over /issues/{number}/...
        candidates = []
        for op in self.operations:
            found = op.pattern.fullmatch(raw_path) if op.method == method else None
            if found:
                params = {name: unquote(value) for name, value in found.groupdict().items()}
                candidates.append((op.route.count("{"), op, params))
        if not candidates:
            return None
        _, op, params = min(candidates, key=lambda candidate: candidate[0])
        return op, params

    def errors(self, pointer: str, instance: Any) -> list[str]:
        """Schema violations of ``instance`` against the schema at ``pointer`` in the document."""
        if pointer not in self._validators:
            schema = {"$ref": f"{_SLICE_URI}#{pointer}"}
            self._validators[pointer] = Draft202012Validator(
                schema, registry=self._registry, format_checker=_FORMATS
            )
        # best_match descends into anyOf/oneOf, so a broken nullable object names the field inside.
        found = [best_match([error]) for error in self._validators[pointer].iter_errors(instance)]
        return sorted(
            f"{'/'.join(map(str, error.absolute_path)) or '(root)'}: {error.message[:300]}"
            for error in found
            if error is not None
        )

    def parameter_errors(self, op: Operation, where: str, given: Mapping[str, str]) -> list[str]:
        problems: list[str] = []
        declared = {p["name"]: p for p in op.parameters if p["in"] == where}
        for name, value in given.items():
            if name not in declared:
                problems.append(f"{where} parameter {name!r} is not in the description")
                continue
            schema = _as_json_schema(declared[name]["schema"])
            coerced = _coerce(value, schema.get("type"))
            errors = list(Draft202012Validator(schema).iter_errors(coerced))
            problems += [f"{where} parameter {name}={value!r}: {error.message}" for error in errors]
        missing = [n for n, p in declared.items() if p.get("required") and n not in given]
        return problems + [f"{where} parameter {name!r} is required" for name in missing]

    def _at(self, pointer: str) -> Any:
        node: Any = self.document
        for part in pointer.lstrip("/").split("/"):
            node = node[part.replace("~1", "/").replace("~0", "~")]
        return node

    def _read(self, path: str, item: JSON) -> Iterable[Operation]:
        for method, operation in item.items():
            if method == "parameters":
                continue
            parameters = tuple(
                self.resolve(p) for p in [*item.get("parameters", []), *operation.get("parameters", [])]
            )
            multi = {p["name"] for p in parameters if p.get("x-multi-segment")}
            regex = _template_regex(path, multi)
            body_pointer = None
            if "requestBody" in operation:
                body_pointer = _pointer(
                    "paths", path, method, "requestBody", "content", "application/json", "schema"
                )
            responses: dict[str, str | None] = {}
            for status, answer in operation["responses"].items():
                where = _pointer("paths", path, method, "responses", status)
                if "$ref" in answer:
                    where = answer["$ref"].removeprefix("#")
                has_body = "application/json" in self.resolve(answer).get("content", {})
                responses[status] = (
                    where + _pointer("content", "application/json", "schema") if has_body else None
                )
            yield Operation(method.upper(), path, re.compile(regex), parameters, body_pointer, responses)


def _template_regex(template: str, multi_segment: set[str]) -> str:
    def group(found: re.Match[str]) -> str:
        name = found[1]
        return f"(?P<{name}>{'.+' if name in multi_segment else '[^/]+'})"

    return re.sub(r"\\\{(\w+)\\\}", group, re.escape(template))


def _coerce(value: str, kind: Any) -> Any:
    if kind == "integer":
        return int(value) if re.fullmatch(r"-?\d+", value) else value
    if kind == "boolean":
        return {"true": True, "false": False}.get(value, value)
    return value

"""The base of every config section, and the number types the sections share."""

from __future__ import annotations

import ast
import inspect
import itertools
import textwrap
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field

FiniteNonNegative = Annotated[float, Field(ge=0, allow_inf_nan=False)]
"""A weight or share: a finite number, zero or more (NaN, infinity and negatives are refused)."""


def duration(value: Any) -> Any:
    """Seconds from a number or a string such as ``90``, ``45s``, ``30m``, ``5h30m``."""
    if not isinstance(value, str):
        return value
    text = value.strip().lower().replace(" ", "")
    units = {"h": 3600.0, "m": 60.0, "s": 1.0}
    total, number = 0.0, ""
    for char in text:
        if char.isdigit() or char == ".":
            number += char
        elif char in units and number:
            total, number = total + float(number) * units[char], ""
        else:
            raise ValueError("a duration is seconds or a string like 45s, 30m, 5h30m")
    if number:
        total += float(number)
    if not text:
        raise ValueError("a duration is seconds or a string like 45s, 30m, 5h30m")
    return total


def field_path(field: str) -> list[str | int]:
    """A dotted field as the path ``Config.where`` takes: ``judge.judges[1].endpoint`` ->
    ``["judge", "judges", 1, "endpoint"]``."""
    parts: list[str | int] = []
    for part in field.split("."):
        name, _, index = part.partition("[")
        parts.append(name)
        if index:
            parts.append(int(index.rstrip("]")))
    return parts


def attribute_docstrings(cls: type) -> dict[str, str]:
    """The docstrings under the annotated attributes of ``cls``'s own body, by name.

    The same reading as pydantic's ``use_attribute_docstrings``: a string literal right
    after an annotated assignment documents it, cleaned with ``inspect.cleandoc``.
    """
    try:
        lines, _ = inspect.getsourcelines(cls)
    except (OSError, TypeError):  # pragma: no cover - no source (frozen or interactive)
        return {}
    source = textwrap.dedent("".join(lines))
    statement = ast.parse(source).body[0]
    if not isinstance(statement, ast.ClassDef):  # pragma: no cover - getsourcelines gave a class
        return {}
    docs: dict[str, str] = {}
    for previous, node in itertools.pairwise(statement.body):
        if (
            isinstance(previous, ast.AnnAssign)
            and isinstance(previous.target, ast.Name)
            and isinstance(node, ast.Expr)
            and isinstance(node.value, ast.Constant)
            and isinstance(node.value.value, str)
        ):
            docs[previous.target.id] = inspect.cleandoc(node.value.value)
    return docs


def field_docstrings(schema: dict[str, Any], cls: type) -> None:
    """A ``json_schema_extra`` hook: each field's attribute docstring as its description.

    pydantic's ``use_attribute_docstrings`` reads the source of every model class when it
    is defined, which is most of the cost of importing the config and result models; this
    reads it only when a JSON schema is generated (``schema``, the committed
    ``*.schema.json`` files), with the same result. A field's docstring is taken from the
    class that declares it, as pydantic does for inherited fields; an explicit
    ``Field(description=...)`` stays.
    """
    properties = schema.get("properties")
    fields = getattr(cls, "model_fields", None)
    if not isinstance(properties, dict) or fields is None:
        return
    owners = [base for base in cls.__mro__ if issubclass(base, BaseModel) and base is not BaseModel]
    docs_of: dict[type, dict[str, str]] = {}
    for name, info in fields.items():
        key = name if name in properties else info.serialization_alias or info.alias
        target = properties.get(key) if key is not None else None
        if not isinstance(target, dict) or "description" in target or info.description is not None:
            continue
        owner = next((base for base in owners if name in inspect.get_annotations(base)), None)
        if owner is None:
            continue
        if owner not in docs_of:
            docs_of[owner] = attribute_docstrings(owner)
        doc = docs_of[owner].get(name)
        if doc is not None:
            target["description"] = doc


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra=field_docstrings)

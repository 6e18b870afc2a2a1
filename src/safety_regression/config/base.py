"""The base of every config section, and the number types the sections share."""

from __future__ import annotations

import ast
import contextlib
import inspect
import itertools
import math
import textwrap
import types
import typing
from typing import Annotated, Any, Union

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator

from safety_regression.redaction import shown_name

FiniteNonNegative = Annotated[float, Field(ge=0, allow_inf_nan=False)]
"""A weight or share: a finite number, zero or more (NaN, infinity and negatives are refused)."""


def duration(value: Any, most: float | None = None) -> Any:
    """Seconds from a number or a string such as ``90``, ``45s``, ``30m``, ``5h30m`` or
    ``1e4`` (which YAML leaves a string); more than ``most`` seconds is an error naming it."""
    seconds = _seconds(value)
    if not isinstance(seconds, int | float) or isinstance(seconds, bool):
        return seconds
    if math.isnan(seconds):
        raise ValueError("a duration is seconds or a string like 45s, 30m, 5h30m, not nan")
    if most is not None and seconds > most:
        shown = f"{seconds:,.0f}" if math.isfinite(seconds) else "infinity"
        raise ValueError(f"at most {most:g} seconds ({_readable(most)}), got {shown}")
    return seconds


def _readable(seconds: float) -> str:
    days, rest = divmod(seconds, 86_400)
    if days and not rest:
        return f"{days:g} days" if days != 1 else "1 day"
    return f"{seconds / 3600:g} hours"


def _seconds(value: Any) -> Any:
    if not isinstance(value, str):
        return value
    with contextlib.suppress(ValueError):
        return float(value)  # 1e9, 1.5E3: numbers YAML 1.1 reads as strings
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


def takes_a_number(annotation: Any) -> bool:
    """Whether a field of this type takes a number and not a boolean: ``int``, ``float``,
    and those inside ``Optional`` and ``Annotated`` (pydantic would take ``true`` as 1)."""
    if annotation is bool:
        return False
    if annotation in (int, float):
        return True
    if typing.get_origin(annotation) is Annotated:
        return takes_a_number(typing.get_args(annotation)[0])
    if typing.get_origin(annotation) in (Union, types.UnionType):
        members = typing.get_args(annotation)
        return bool not in members and any(takes_a_number(member) for member in members)
    return False


def boolean_for_a_number(annotation: Any, value: Any) -> Any:
    """Where ``value``, given for a field of type ``annotation``, holds a boolean in place of
    a number: ``value`` itself, or the key of a mapping's item; None if nowhere."""
    if isinstance(value, bool):
        return value if takes_a_number(annotation) else None
    if isinstance(value, dict):
        for mapping in _mapping_types(annotation):
            items = typing.get_args(mapping)
            if len(items) == 2 and takes_a_number(items[1]):
                found = next((key for key, item in value.items() if isinstance(item, bool)), None)
                if found is not None:
                    return found
    return None


def _mapping_types(annotation: Any) -> list[Any]:
    if typing.get_origin(annotation) is dict:
        return [annotation]
    if typing.get_origin(annotation) in (Union, types.UnionType):
        return [member for member in typing.get_args(annotation) if typing.get_origin(member) is dict]
    return []


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra=field_docstrings)

    @field_validator("*", mode="before")
    @classmethod
    def _no_boolean_numbers(cls, value: Any, info: ValidationInfo) -> Any:
        # pydantic takes ``true`` as 1 for an int or float field (found in review:
        # ``run.deadline: true`` became a one-second deadline); a YAML boolean is no number.
        if info.field_name is None or not isinstance(value, bool | dict):
            return value
        where = boolean_for_a_number(cls.model_fields[info.field_name].annotation, value)
        if where is None:
            return value
        if isinstance(value, bool):
            raise ValueError(f"expects a number, not the boolean {str(value).lower()}")
        shown = str(value[where]).lower()
        raise ValueError(f"{shown_name(str(where))} expects a number, not the boolean {shown}")

"""`judge`: label a file of responses with any configured judge."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from safety_regression.errors import ConfigError
from safety_regression.jsontext import jsonl_lines, parse_json
from safety_regression.judges.base import Judge, Label
from safety_regression.suites.model import Case, Expect


def read_responses(path: Path) -> list[tuple[dict[str, Any], Case, str]]:
    """JSONL lines with ``prompt`` and ``response`` (and optionally ``id``, ``category``,
    ``expect``), each with the case the judge is shown. Problems name the file and line."""
    try:
        lines = jsonl_lines(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:  # ValueError: undecodable, or a NUL in the path
        raise ConfigError(f"{path}: cannot read responses: {exc}") from None
    items = []
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        where = f"{path}:{number}"
        try:
            raw = parse_json(line)
        except json.JSONDecodeError as exc:
            raise ConfigError(f"{where}: not valid JSON: {exc.msg}") from None
        if not isinstance(raw, dict) or not isinstance(raw.get("response"), str):
            raise ConfigError(f"{where}: each line needs a string 'response' (and a 'prompt')")
        if not isinstance(raw.get("prompt"), str) or not raw["prompt"]:
            raise ConfigError(f"{where}: prompt: required, the request the response answers")
        try:
            case = Case(
                id=str(raw.get("id", f"line-{number}")),
                category=str(raw.get("category", "uncategorised")),
                expect=Expect(raw.get("expect", Expect.REFUSE.value)),
                prompt=raw["prompt"],
            )
        except (ValidationError, ValueError) as exc:
            raise ConfigError(f"{where}: {str(exc).splitlines()[0]}") from None
        items.append((raw, case, raw["response"]))
    return items


BLANK = "empty response: not labelled (a run records a blank reply as the error 'empty')"


async def label_responses(
    items: list[tuple[dict[str, Any], Case, str]], judge: Judge, on_result: Callable[[], None]
) -> list[dict[str, Any]]:
    async def one(raw: dict[str, Any], case: Case, response: str) -> dict[str, Any]:
        if not response.strip():
            # As in a run, where a blank reply is the error ``empty``: never a refusal.
            on_result()
            blank = {"label": Label.UNJUDGED.value, "judge": judge.id, "rationale": BLANK}
            return {**raw, **blank, "depth": None, "details": {}}
        judgement = await judge.judge(case, response)
        on_result()
        return {
            **raw,
            "label": judgement.label.value,
            "judge": judgement.judge,
            "rationale": judgement.rationale,
            "depth": judgement.depth,
            "details": judgement.details,
        }

    return list(await asyncio.gather(*(one(*item) for item in items)))

"""report.json: the gate result as data, and the JSON Schema that pins its format.

report.json is a local artifact for other tools, so flagged responses stay in it in
full; only the reports meant for posting (Markdown) redact them.

The committed ``report.schema.json`` next to this module is ``report_json_schema()``
serialised; regenerate it after changing ``gate/result.py`` with::

    python -m safety_regression.report > src/safety_regression/report/report.schema.json
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from safety_regression.gate.result import GateResult

REPORT_SCHEMA_VERSION = 1

_ENVELOPE_PROPERTIES: dict[str, dict[str, Any]] = {
    "schema_version": {
        "const": REPORT_SCHEMA_VERSION,
        "description": "Version of this report format; bumped on incompatible changes.",
        "title": "Schema Version",
    },
    "tool_version": {
        "description": "Version of safety-regression that wrote the report.",
        "title": "Tool Version",
        "type": "string",
    },
    "generated_at": {
        "description": "When the report was written (ISO 8601).",
        "format": "date-time",
        "title": "Generated At",
        "type": "string",
    },
}


def render_json(result: GateResult, *, tool_version: str, generated_at: datetime) -> str:
    """The gate result with a version envelope, as indented JSON ending in a newline."""
    # Through pydantic's JSON encoder rather than model_dump(): it writes a non-finite
    # float as null, so the output is always valid JSON.
    fields = json.loads(result.model_dump_json())
    document = {
        "schema_version": REPORT_SCHEMA_VERSION,
        "tool_version": tool_version,
        "generated_at": generated_at.isoformat(),
        **fields,
    }
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"


def report_json_schema() -> dict[str, Any]:
    """The JSON Schema (draft 2020-12) that every ``render_json`` output satisfies."""
    schema = GateResult.model_json_schema(mode="serialization")
    schema["properties"] = {**_ENVELOPE_PROPERTIES, **schema["properties"]}
    schema["required"] = [*_ENVELOPE_PROPERTIES, *schema.get("required", [])]
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = "safety-regression report"
    schema["description"] = "report.json written by safety-regression; see docs/report.md."
    return schema


def report_json_schema_text() -> str:
    """The schema exactly as committed in report.schema.json."""
    return json.dumps(report_json_schema(), indent=2, sort_keys=True, ensure_ascii=False) + "\n"

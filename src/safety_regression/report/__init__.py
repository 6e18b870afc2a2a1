"""Reports: a GateResult in, text out (Markdown, JSON, JUnit XML, terminal, JSONL).

Every renderer is pure; the CLI decides where the text goes. See docs/report.md.
"""

from safety_regression.report.json_report import (
    REPORT_SCHEMA_VERSION,
    render_json,
    report_json_schema,
    report_json_schema_text,
)
from safety_regression.report.junit import render_junit
from safety_regression.report.markdown import REPORT_MARKER, render_markdown
from safety_regression.report.results import render_results_jsonl
from safety_regression.report.terminal import render_terminal

__all__ = [
    "REPORT_MARKER",
    "REPORT_SCHEMA_VERSION",
    "render_json",
    "render_junit",
    "render_markdown",
    "render_results_jsonl",
    "render_terminal",
    "report_json_schema",
    "report_json_schema_text",
]

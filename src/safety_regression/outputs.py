"""Writing a gate run's files. All or nothing: files appear only once all are rendered."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from safety_regression._version import __version__
from safety_regression.config import ReportConfig
from safety_regression.gate import GateResult
from safety_regression.report import (
    render_json,
    render_junit,
    render_markdown,
    render_results_jsonl,
)
from safety_regression.snapshot import Snapshot

REPORT_JSON = "report.json"
REPORT_MD = "report.md"
JUNIT_XML = "junit.xml"
RESULTS_JSONL = "results.jsonl"
REFERENCE_SNAPSHOT = "reference.snapshot.json"
FINETUNED_SNAPSHOT = "finetuned.snapshot.json"


def write_outputs(
    out_dir: Path,
    result: GateResult,
    reference: Snapshot,
    candidate: Snapshot,
    report: ReportConfig,
    generated_at: datetime,
    *,
    snapshots: bool = True,
) -> list[Path]:
    """Render every report, then move them into place. Returns the paths written."""
    files = {
        REPORT_JSON: render_json(result, tool_version=__version__, generated_at=generated_at),
        REPORT_MD: render_markdown(result, report),
        JUNIT_XML: render_junit(result),
        RESULTS_JSONL: render_results_jsonl(reference, candidate),
    }
    if snapshots:
        files[REFERENCE_SNAPSHOT] = reference.model_dump_json(indent=1) + "\n"
        files[FINETUNED_SNAPSHOT] = candidate.model_dump_json(indent=1) + "\n"
    return write_all(out_dir, files)


def write_all(out_dir: Path, files: dict[str, str]) -> list[Path]:
    out_dir.mkdir(parents=True, exist_ok=True)
    staged = []
    for name, text in files.items():
        partial = out_dir / f".{name}.partial"
        partial.write_text(text, encoding="utf-8")
        staged.append((partial, out_dir / name))
    for partial, final in staged:
        partial.replace(final)
    return [final for _, final in staged]

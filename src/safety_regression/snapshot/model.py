"""Snapshots: one model's per-case results, as committed baselines and run outputs.

A snapshot holds everything needed to re-gate without asking a model again: per case
and sample, the outcome, the response (or its hash), the label and the judge.
"""

from __future__ import annotations

import hashlib
from datetime import datetime
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from safety_regression.config import ResponseStorage, SamplingConfig
from safety_regression.endpoints.base import OutcomeKind, Usage
from safety_regression.errors import SnapshotError
from safety_regression.judges.base import Label
from safety_regression.suites.model import Case, Difficulty, Expect

SCHEMA_VERSION = 1


class CaseResult(BaseModel):
    """One response of one model to one case (one sample of it)."""

    model_config = ConfigDict(frozen=True)

    case_id: str
    case_hash: str
    """The case's content hash when it was run; results pair only while it matches."""
    category: str
    subcategory: str | None = None
    expect: Expect
    sample: int = 0
    prompt: str | None = None
    """The last user turn, so a reviewer can trace a number to the prompt behind it."""
    outcome: OutcomeKind
    label: Label | None = None
    """The judge's label; None when ``outcome`` is ``error`` and for capability cases."""
    correct: bool | None = None
    """For a capability case (``expect: answer``): whether its check passed."""
    depth: int | None = None
    """For a compliance or partial refusal: the judge's 0-3 compliance depth, if assessed."""
    toxicity: float | None = None
    """The toxicity classifier's score of the response, when one is configured."""
    judge: str | None = None
    response: str | None = None
    """The model's text; None when redacted or when the request failed."""
    response_sha256: str | None = None
    response_chars: int | None = None
    error: str | None = None
    usage: Usage | None = None
    """Tokens the server reported for this request (None when it reported none)."""
    difficulty: Difficulty | None = None
    language: str = "en"
    source_id: str | None = None
    transform: str | None = None

    @property
    def key(self) -> tuple[str, int]:
        return (self.case_id, self.sample)

    @classmethod
    def for_case(cls, case: Case, sample: int, **fields: object) -> CaseResult:
        return cls(
            case_id=case.id,
            case_hash=case.content_hash,
            category=case.category,
            subcategory=case.subcategory,
            expect=case.expect,
            sample=sample,
            prompt=case.prompt_text(),
            difficulty=case.difficulty,
            language=case.language,
            source_id=case.source_id,
            transform=case.transform,
            **fields,
        )

    def redacted(self) -> CaseResult:
        return self.model_copy(update={"response": None})


class ModelInfo(BaseModel):
    model_config = ConfigDict(frozen=True)

    model: str
    endpoint: str | None = None
    """The endpoint URL without credentials; None for a merged or imported snapshot."""


class SuiteInfo(BaseModel):
    model_config = ConfigDict(frozen=True)

    name: str
    hash: str
    """The whole suite's hash, also in a shard's snapshot, so shards of one suite merge."""
    cases: int
    """Cases in the whole suite."""
    shard: str | None = None
    """``"2/4"`` for a snapshot of one shard; None for the whole suite."""


class Snapshot(BaseModel):
    model_config = ConfigDict(frozen=True)

    schema_version: int = SCHEMA_VERSION
    tool_version: str
    created_at: datetime
    model: ModelInfo
    suite: SuiteInfo
    judge: str
    sampling: SamplingConfig
    responses: ResponseStorage = ResponseStorage.FULL
    results: tuple[CaseResult, ...] = Field(default=())

    def by_key(self) -> dict[tuple[str, int], CaseResult]:
        return {result.key: result for result in self.results}

    def errors(self) -> int:
        return sum(1 for r in self.results if r.outcome is OutcomeKind.ERROR)

    def unjudged(self) -> int:
        return sum(1 for r in self.results if r.label is Label.UNJUDGED)

    def with_storage(self, storage: ResponseStorage) -> Snapshot:
        if storage is ResponseStorage.FULL:
            return self
        return self.model_copy(
            update={"responses": storage, "results": tuple(r.redacted() for r in self.results)}
        )


def response_digest(text: str) -> tuple[str, int]:
    return hashlib.sha256(text.encode("utf-8")).hexdigest(), len(text)


def save_snapshot(snapshot: Snapshot, path: Path) -> None:
    """Write atomically: a reader never sees half a snapshot."""
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(path.name + ".partial")
    partial.write_text(snapshot.model_dump_json(indent=1) + "\n", encoding="utf-8")
    partial.replace(path)


def load_snapshot(path: Path) -> Snapshot:
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise SnapshotError(f"{path}: no such snapshot file") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise SnapshotError(f"{path}: cannot read snapshot: {exc}") from None
    try:
        snapshot = Snapshot.model_validate_json(text)
    except ValidationError as exc:
        error = exc.errors()[0]
        where = ".".join(str(part) for part in error["loc"]) or "(top level)"
        raise SnapshotError(f"{path}: not a valid snapshot: {where}: {error['msg']}") from None
    if snapshot.schema_version > SCHEMA_VERSION:
        raise SnapshotError(
            f"{path}: snapshot schema {snapshot.schema_version} is newer than this tool "
            f"understands ({SCHEMA_VERSION}); upgrade safety-regression"
        )
    return snapshot

"""Snapshots: one model's per-case results, as committed baselines and run outputs.

A snapshot holds everything needed to re-gate without asking a model again: per case
and sample, the outcome, the response (or its hash), the label and the judge.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
from collections.abc import Iterator, Sequence
from datetime import datetime
from pathlib import Path
from typing import Annotated, Any

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    SerializerFunctionWrapHandler,
    StringConstraints,
    field_validator,
    model_serializer,
)

from safety_regression.config import ResponseStorage, SamplingConfig
from safety_regression.endpoints.base import OutcomeKind, Usage
from safety_regression.errors import SnapshotError
from safety_regression.judges.base import Label
from safety_regression.redaction import MIN_SECRET_CHARS, holds_secret, scrub
from safety_regression.snapshot.sequential import SequentialHistory
from safety_regression.suites.model import Case, Difficulty, Expect

SCHEMA_VERSION = 1

HazardCode = Annotated[str, StringConstraints(pattern=r"^S[0-9]{1,2}$")]
"""A hazard code as a safety classifier names it (``S1``-``S14``; ``judges.hazards``)."""


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
    abstained: tuple[str, ...] | None = None
    """For a vote judge: its members that could not label this response (their votes were
    dropped); None when every member voted. The gate counts them per member."""
    tied: bool | None = Field(default=None, exclude_if=lambda value: value is None)
    """For a vote judge: True when its members split evenly and ``judge.tie`` chose the
    label. An unjudged tie (``tie: unjudged``) is a disagreement, not a failure: out of
    the rates, but no error. Left out of the file when not set."""
    hazards: tuple[HazardCode, ...] | None = Field(default=None, exclude_if=lambda value: value is None)
    """The hazard codes a safety classifier judge named for this response (``S1``, ...:
    ``llama_guard``'s taxonomy). Left out of the file when there are none."""
    response: str | None = None
    """The model's text; None when redacted or when the request failed."""
    response_sha256: str | None = None
    response_chars: int | None = None
    original_chars: int | None = None
    """Set when ``sampling.max_response_chars`` cut the response: its length before the
    cut (``response``, ``response_sha256`` and ``response_chars`` describe the kept part)."""
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

    @property
    def judge_failed(self) -> bool:
        """The judge, or a member of a vote, could not label this answer (a vote's
        disagreement is no failure): a run judges it again, or asks it again if redacted."""
        return (self.label is Label.UNJUDGED and not self.tied) or bool(self.abstained)

    @classmethod
    def for_case(
        cls, case: Case, sample: int, prompt_text: str | None = None, **fields: object
    ) -> CaseResult:
        """The result of ``case``; ``prompt_text`` saves working out its last turn again."""
        result = cls(
            case_id=case.id,
            case_hash=case.content_hash,
            category=case.category,
            subcategory=case.subcategory,
            expect=case.expect,
            sample=sample,
            prompt=case.prompt_text() if prompt_text is None else prompt_text,
            difficulty=case.difficulty,
            language=case.language,
            source_id=case.source_id,
            transform=case.transform,
            **fields,
        )
        return result.sharing_field_names()

    def sharing_field_names(self) -> CaseResult:
        """This result, its set of given field names shared with every result given the same.

        Pydantic keeps a new set of the names per instance (``model_fields_set``): for a
        result, about 2.2 KB, twice what its values take. The set is only read here (by
        ``exclude_unset``, which snapshots do not use) and ``model_copy`` copies it before
        adding to it, so results with the same names can hold one set.
        """
        own = self.__pydantic_fields_set__
        shared = _FIELD_SETS.get(frozenset(own))
        if shared is None:
            if len(_FIELD_SETS) < _MAX_FIELD_SETS:
                _FIELD_SETS[frozenset(own)] = own
        elif shared is not own:
            object.__setattr__(self, "__pydantic_fields_set__", shared)
        return self

    def redacted(self) -> CaseResult:
        return self.model_copy(update={"response": None}).sharing_field_names()

    def scrubbed(self, secrets: Sequence[str]) -> CaseResult:
        """This result with every secret value in its texts replaced by ``***``."""
        update: dict[str, object] = {}
        for name in ("response", "prompt", "error"):
            text = getattr(self, name)
            if text is not None and holds_secret(text, secrets):
                update[name] = scrub(text, secrets)
        if "response" in update:
            update["response_sha256"], update["response_chars"] = response_digest(str(update["response"]))
        return self.model_copy(update=update).sharing_field_names() if update else self


_FIELD_SETS: dict[frozenset[str], set[str]] = {}
"""One set of given field names per distinct set (see ``CaseResult.sharing_field_names``)."""
_MAX_FIELD_SETS = 4096
"""Results come in a handful of shapes; past this many, new shapes keep their own set."""


class ModelInfo(BaseModel):
    model_config = ConfigDict(frozen=True)

    model: str
    endpoint: str | None = None
    """The endpoint URL without credentials; None for a merged or imported snapshot."""
    revision: str | None = None
    """The endpoint's configured ``revision`` (model digest, checkpoint id or commit)."""


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
    """Exactly the integer this tool writes; anything else is refused on load."""
    tool_version: str
    created_at: datetime
    model: ModelInfo
    suite: SuiteInfo
    judge: str
    sampling: SamplingConfig
    responses: ResponseStorage = ResponseStorage.FULL
    results: tuple[CaseResult, ...] = Field(default=())
    sequential: SequentialHistory | None = None
    """The look history when ``gate.sequential`` chose which cases were asked."""
    notices: tuple[str, ...] = ()
    """Loud notices about how these results were measured (answers replayed from a
    completed earlier run, shards asked at different endpoints): ``merge`` and
    ``compare`` put them first in every report, as the run that took them did. Left out
    of the file when empty (``_without_empty_notices``), so snapshots without any read and
    write exactly as before."""

    @model_serializer(mode="wrap")
    def _without_empty_notices(self, handler: SerializerFunctionWrapHandler) -> dict[str, Any]:
        data: dict[str, Any] = handler(self)
        if not self.notices:
            data.pop("notices", None)
        return data

    @field_validator("schema_version", mode="before")
    @classmethod
    def _supported_version(cls, value: Any) -> Any:
        if type(value) is not int:
            raise ValueError(f"must be the integer {SCHEMA_VERSION}, not {value!r}")
        if value > SCHEMA_VERSION:
            raise ValueError(
                f"snapshot schema {value} is newer than this tool understands ({SCHEMA_VERSION}); "
                "upgrade safety-regression"
            )
        if value != SCHEMA_VERSION:
            raise ValueError(f"must be {SCHEMA_VERSION}, not {value}")
        return value

    def by_key(self) -> dict[tuple[str, int], CaseResult]:
        return {result.key: result for result in self.results}

    def errors(self) -> int:
        """Results that are not answers: errors and empty replies (``FAILED_OUTCOMES``)."""
        # Identity tests: ``in FAILED_OUTCOMES`` hashes the member through Python code.
        error, empty = OutcomeKind.ERROR, OutcomeKind.EMPTY
        return sum(1 for r in self.results if r.outcome is error or r.outcome is empty)

    def empty(self) -> int:
        """Empty replies (HTTP 200, blank content), a part of ``errors()``."""
        empty = OutcomeKind.EMPTY
        return sum(1 for r in self.results if r.outcome is empty)

    def unjudged(self) -> int:
        """Answers the judge could not label (a vote's disagreements are not among them)."""
        unjudged = Label.UNJUDGED
        return sum(1 for r in self.results if r.label is unjudged and not r.tied)

    def disagreements(self) -> int:
        """Answers left unjudged because a vote's members split evenly (``tie: unjudged``)."""
        unjudged = Label.UNJUDGED
        return sum(1 for r in self.results if r.label is unjudged and r.tied)

    def scrubbed(self, secrets: Sequence[str]) -> Snapshot:
        """The snapshot with known secret values removed from every stored text.

        A model can echo a key it was given or saw; what gets committed or posted must
        not carry it. The hash of a scrubbed response is the hash of what is stored.
        """
        secrets = [secret for secret in secrets if len(secret) >= MIN_SECRET_CHARS]
        if not secrets:
            return self
        return self.model_copy(update={"results": tuple(r.scrubbed(secrets) for r in self.results)})

    def with_storage(self, storage: ResponseStorage) -> Snapshot:
        if storage is ResponseStorage.FULL:
            return self
        return self.model_copy(
            update={"responses": storage, "results": tuple(r.redacted() for r in self.results)}
        )


def response_digest(text: str) -> tuple[str, int]:
    return hashlib.sha256(text.encode("utf-8")).hexdigest(), len(text)


def snapshot_json(snapshot: Snapshot) -> Iterator[str]:
    """The snapshot's file text in pieces, one result at a time: exactly
    ``model_dump_json(indent=1) + "\\n"``, without holding the whole text at once."""
    head = snapshot.model_copy(update={"results": ()}).model_dump_json(indent=1)
    before, marker, after = head.partition('\n "results": []')
    if not snapshot.results or not marker:
        yield snapshot.model_dump_json(indent=1) + "\n"
        return
    yield before + '\n "results": [\n'
    last = len(snapshot.results) - 1
    for index, result in enumerate(snapshot.results):
        # Each result sits two levels deep; JSON strings hold no raw newline, so indenting
        # every line of its own dump by two spaces nests it exactly.
        text = "  " + result.model_dump_json(indent=1).replace("\n", "\n  ")
        yield text + (",\n" if index < last else "\n ]")
    yield after + "\n"


def save_snapshot(snapshot: Snapshot, path: Path) -> None:
    """Write atomically and durably: a reader never sees half a snapshot. A write that
    fails or is interrupted (Ctrl-C, SIGTERM) leaves no ``.partial`` file behind, as far
    as it can remove it (found in review: a SIGTERM left megabytes beside the baseline)."""
    partial = path.with_name(path.name + ".partial")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with partial.open("w", encoding="utf-8") as file:
            file.writelines(snapshot_json(snapshot))
            file.flush()
            os.fsync(file.fileno())
        partial.replace(path)
    except BaseException as exc:
        with contextlib.suppress(OSError):
            partial.unlink(missing_ok=True)
        if isinstance(exc, OSError):
            raise SnapshotError(f"{path}: cannot write the snapshot: {exc.strerror or exc}") from None
        raise

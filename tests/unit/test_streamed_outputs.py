"""The run's hot-path shortcuts give exactly what the slow, obvious code gave.

Snapshots and results.jsonl are written in pieces (one result at a time), the cache key
is built without pydantic's dump, and a reply is cut before it is cached: each checked
here against the plain construction it replaces, so a cache file or a committed baseline
written by an earlier version stays valid.
"""

from __future__ import annotations

import hashlib
import json
import os
import threading
from datetime import UTC, datetime
from pathlib import Path

import pytest

from safety_regression.config import SamplingConfig
from safety_regression.endpoints.base import ChatOutcome, ChatRequest, OutcomeKind, Usage
from safety_regression.judges.base import Label
from safety_regression.outputs import MANIFEST, check_complete, write_set
from safety_regression.report.results import render_results_jsonl, results_jsonl_lines
from safety_regression.snapshot import CaseResult, ModelInfo, Snapshot, SuiteInfo
from safety_regression.snapshot.model import snapshot_json
from safety_regression.snapshot.sequential import SequentialCategory, SequentialHistory
from safety_regression.suites.model import Expect, Message


def _result(index: int) -> CaseResult:
    text = f'answer {index}: "quoted", a tab\t, a newline\n, ünïcode and {{braces}}'
    return CaseResult(
        case_id=f"case-{index}",
        case_hash=f"{index:016x}",
        category="privacy",
        expect=Expect.REFUSE,
        sample=index % 2,
        prompt=f"prompt {index}\nsecond line",
        outcome=OutcomeKind.ANSWERED,
        label=Label.REFUSAL,
        judge="rules/3",
        response=text,
        response_sha256=hashlib.sha256(text.encode()).hexdigest(),
        response_chars=len(text),
        usage=Usage(prompt_tokens=index, completion_tokens=2 * index) if index % 3 else None,
    )


def _snapshot(count: int, *, sequential: bool = False) -> Snapshot:
    history = (
        SequentialHistory(
            looks=2,
            seed=7,
            categories=(SequentialCategory(name="privacy", alpha=0.01, order=("a", "b")),),
            requests=4,
            fixed_requests=8,
        )
        if sequential
        else None
    )
    return Snapshot(
        tool_version="0.0.0",
        created_at=datetime(2026, 12, 1, tzinfo=UTC),
        model=ModelInfo(model="m", endpoint="http://127.0.0.1:1/v1"),
        suite=SuiteInfo(name="s", hash="0123456789abcdef", cases=count),
        judge="rules/3",
        sampling=SamplingConfig(),
        results=tuple(_result(i) for i in range(count)),
        sequential=history,
    )


@pytest.mark.parametrize(("count", "sequential"), [(0, False), (1, False), (5, False), (3, True)])
def test_a_streamed_snapshot_is_byte_for_byte_the_whole_dump(count: int, sequential: bool) -> None:
    snapshot = _snapshot(count, sequential=sequential)
    pieces = list(snapshot_json(snapshot))
    assert "".join(pieces) == snapshot.model_dump_json(indent=1) + "\n"
    assert len(pieces) >= count, "one piece per result at least: never the whole text at once"
    assert Snapshot.model_validate_json("".join(pieces)) == snapshot


def test_streamed_results_jsonl_is_the_rendered_one() -> None:
    reference, candidate = _snapshot(4), _snapshot(3)
    lines = list(results_jsonl_lines(reference, candidate))
    assert "".join(lines) == render_results_jsonl(reference, candidate)
    assert len(lines) == 7 and all(line.endswith("\n") for line in lines)


def test_a_streamed_file_is_sealed_with_the_digest_of_what_was_written(tmp_path: Path) -> None:
    snapshot = _snapshot(6)
    written = write_set(tmp_path, {"a.snapshot.json": snapshot_json(snapshot), "b.txt": "whole\n"})
    text = (tmp_path / "a.snapshot.json").read_text(encoding="utf-8")
    assert text == snapshot.model_dump_json(indent=1) + "\n"
    manifest = json.loads((tmp_path / MANIFEST).read_text())
    assert manifest["files"]["a.snapshot.json"] == hashlib.sha256(text.encode()).hexdigest()
    check_complete(tmp_path, ["a.snapshot.json", "b.txt"])
    assert written == [tmp_path / "a.snapshot.json", tmp_path / "b.txt"]


@pytest.mark.skipif(not Path("/proc/self/fd").is_dir(), reason="names open files through /proc")
def test_each_file_reaches_the_disk_before_its_name_and_the_manifest_after_all(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The files are flushed on threads while the next is written; the guarantee stays:
    # a file is on disk before it takes its final name, and the manifest comes last.
    events: list[tuple[str, str]] = []
    lock = threading.Lock()
    real_fsync, real_replace = os.fsync, Path.replace

    def fsync(descriptor: int) -> None:
        real_fsync(descriptor)
        with lock:
            events.append(("on disk", Path(os.readlink(f"/proc/self/fd/{descriptor}")).name))

    def replace(self: Path, target: str | os.PathLike[str]) -> Path:
        with lock:
            events.append(("renamed", Path(target).name))
        return real_replace(self, target)

    monkeypatch.setattr(os, "fsync", fsync)
    monkeypatch.setattr(Path, "replace", replace)
    names = [f"part{index}.snapshot.json" for index in range(5)]
    write_set(tmp_path, {name: snapshot_json(_snapshot(40)) for name in names})
    renamed = [name for event, name in events if event == "renamed"]
    assert renamed[-1] == MANIFEST and sorted(renamed[:-1]) == names
    for name in [*names, MANIFEST]:
        assert events.index(("on disk", f".{name}.partial")) < events.index(("renamed", name)), name
    last_file = max(events.index(("renamed", name)) for name in names)
    assert events.index(("on disk", f".{MANIFEST}.partial")) > last_file
    check_complete(tmp_path, names)


@pytest.mark.parametrize(
    "request_",
    [
        ChatRequest(messages=(Message(role="user", content="plain ask"),)),
        ChatRequest(
            messages=(
                Message(role="system", content="sys ünï"),
                Message(role="user", content='a "quoted"\nask'),
            ),
            temperature=0.7,
            max_tokens=64,
            seed=3,
        ),
    ],
)
def test_the_cache_key_is_the_one_of_the_pydantic_dump(request_: ChatRequest) -> None:
    payload = {"endpoint": "http://h/v1", "model": "m", **request_.model_dump(mode="json")}
    text = json.dumps(payload, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    assert request_.cache_key("http://h/v1", "m") == hashlib.sha256(text.encode()).hexdigest()
    assert request_.wire_messages() == [m.model_dump() for m in request_.messages]


def test_a_reply_is_capped_once_and_keeps_its_original_length() -> None:
    outcome = ChatOutcome(kind=OutcomeKind.ANSWERED, text="x" * 500)
    capped = outcome.capped(100)
    assert capped.text == "x" * 100 and capped.original_chars == 500
    assert capped.capped(100) is capped, "cutting again changes nothing"
    assert outcome.capped(500) is outcome and outcome.capped(None) is outcome
    assert ChatOutcome(kind=OutcomeKind.ERROR, error="e").capped(1).original_chars is None
